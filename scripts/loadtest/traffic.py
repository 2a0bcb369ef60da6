"""The requests the scenarios send, built from the prepared data set's credentials."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .client import Request


@dataclass
class Traffic:
    series: Request
    overview: Request
    ingest: Request
    anonymous_ingest: Request


def build(ctx: dict) -> Traffic:
    auth = {"Authorization": f"Token {ctx['manager_token']}"}
    series_path = (
        f"/api/v1/kpis/nps/series/?start={ctx['start']}&end={ctx['end']}"
        "&granularity=week&group_by=touchpoint"
    )
    cookie = {"Cookie": f"sessionid={ctx['session']}"}
    answers: dict[str, object] = {ctx["nps_key"]: 9}
    for key, qtype, scale in ctx["extra_required"]:
        answers[key] = {"yes_no": True, "text": "fine"}.get(qtype, 1 if scale else 5)
    body = json.dumps({"answers": answers}).encode()
    ingest_headers = {
        "Authorization": f"Token {ctx['importer_token']}",
        "Content-Type": "application/json",
    }
    anonymous_headers = {"Content-Type": "application/json"}
    ingest_path = f"/api/v1/surveys/{ctx['survey']}/responses/"
    return Traffic(
        series=lambda: ("GET", series_path, None, auth),
        overview=lambda: ("GET", "/", None, cookie),
        ingest=lambda: ("POST", ingest_path, body, ingest_headers),
        anonymous_ingest=lambda: ("POST", ingest_path, body, anonymous_headers),
    )
