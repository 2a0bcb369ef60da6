"""DRF's JSON renderer, with orjson doing the encoding for the KPI API.

The stdlib encoder spent about 2 ms of a weekly series by touchpoint (520 points, ~5,000 floats)
on the 1M-response bench, a tenth of the 20 ms budget (PRODUCT.md "Performance targets"); orjson
writes the same document in a tenth of that. The bytes are DRF's: the same compact separators,
UTF-8 text, floats in their shortest round-trip form (as repr), U+2028/U+2029 escaped, and dates,
datetimes and whatever else orjson does not encode natively through DRF's own encoder (so a UTC
datetime still ends in Z). What orjson refuses (non-string keys, integers past 64 bits) and an
indent asked for by the client or the browsable API go to DRF's renderer. One difference, on
purpose: a non-finite float is written as null where DRF's strict mode would fail the request.
"""

from __future__ import annotations

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.utils.encoders import JSONEncoder

OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
LINE_SEPARATOR, PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()


class OrjsonRenderer(JSONRenderer):
    _default = staticmethod(JSONEncoder().default)

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if (
            data is None
            or not self.compact
            or self.ensure_ascii
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            content = orjson.dumps(data, default=self._default, option=OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        if LINE_SEPARATOR in content or PARAGRAPH_SEPARATOR in content:
            content = content.replace(LINE_SEPARATOR, b"\\u2028")
            content = content.replace(PARAGRAPH_SEPARATOR, b"\\u2029")
        return content


# A view's renderer list: the project's default with JSONRenderer replaced.
RENDERER_CLASSES = [
    OrjsonRenderer if renderer is JSONRenderer else renderer
    for renderer in api_settings.DEFAULT_RENDERER_CLASSES
]
