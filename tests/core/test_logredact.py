from __future__ import annotations

import logging

from cxhub.logredact import RedactTokensFilter, redact


def test_invitation_tokens_are_redacted_from_paths():
    assert redact("GET /s/i/AbC-123_x/ HTTP/1.1") == "GET /s/i/[redacted]/ HTTP/1.1"
    assert redact("/s/checkout/") == "/s/checkout/"


def test_django_log_records_lose_the_token():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        ("/s/i/secret-token/",),
        None,
    )
    RedactTokensFilter().filter(record)
    assert "secret-token" not in record.getMessage()
