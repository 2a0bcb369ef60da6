"""The KPI API's fast paths give the bytes of the general ones: series rows built straight from
the query (metrics.selectors.series_rows) against kpi_series + api._point, the orjson renderer
against DRF's, and the selectors' histogram read against metrics.rollups.read's."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from rest_framework.renderers import JSONRenderer

from metrics import api
from metrics.kpis import KPIS
from metrics.renderers import OrjsonRenderer
from metrics.rollups import read
from metrics.selectors import series_rows, sums
from metrics.types import KpiFilters
from tests import factories

pytestmark = pytest.mark.django_db
FAST = [key for key, definition in KPIS.items() if series_rows.applies(definition)]


def _get(client, key: str, **params) -> bytes:
    response = client.get(f"/api/v1/kpis/{key}/series/", params)
    assert response.status_code == 200, response.content
    return response.content


def test_fast_series_equal_the_general_path_for_every_kpi_group_and_granularity(
    data, manager, monkeypatch
):
    assert {"nps", "csat", "ces", "fcr", "response_rate"} <= set(FAST)
    client = factories.api_client(manager)
    requests = []
    for key in FAST:
        for group_by in (None, *KPIS[key].group_bys):
            for granularity in ("day", "week", "month"):
                params = {"start": "2026-01-01", "end": "2026-02-03", "granularity": granularity}
                if group_by:
                    params["group_by"] = group_by
                requests.append((key, params))
    requests.append(("nps", {"start": "2026-01-05", "end": "2026-01-18", "touchpoint": "checkout"}))
    fast = [_get(client, key, **params) for key, params in requests]
    monkeypatch.setattr(series_rows, "applies", lambda definition: False)
    monkeypatch.setattr(api.KpiSeriesApi, "renderer_classes", [JSONRenderer])
    general = [_get(client, key, **params) for key, params in requests]
    for (key, params), fast_body, general_body in zip(requests, fast, general, strict=True):
        assert fast_body == general_body, (key, params)
    # The data set reaches every branch: groups, empty periods, values.
    index = requests.index(
        (
            "nps",
            {
                "start": "2026-01-01",
                "end": "2026-02-03",
                "granularity": "week",
                "group_by": "touchpoint",
            },
        )
    )
    grouped = json.loads(fast[index])
    assert grouped["groups"] and any(p["n"] == 0 for g in grouped["groups"] for p in g["points"])


def test_fast_series_errors_are_the_general_paths(data, manager):
    client = factories.api_client(manager)
    response = client.get("/api/v1/kpis/fcr/series/", {"language": "en"})
    assert response.status_code == 400
    assert "detail" in response.json()


def test_orjson_renderer_writes_drfs_bytes():
    body = {
        "kpi": "nps",
        "start": date(2026, 1, 5),
        "last_computed": datetime(2026, 1, 5, 10, 30, 1, 250, tzinfo=UTC),
        "values": [0.1, -12.35, 100.0, 1 / 3, None, 0, 12345678901, True],
        "label": "Caffè \u2028 <b>&",
        "nested": {"extra": {"promoters": 3}, "empty": []},
    }
    assert OrjsonRenderer().render(body) == JSONRenderer().render(body)
    # What orjson cannot write goes to DRF's renderer: non-string keys, an indent.
    odd = {1: "a", "big": 2**70}
    assert OrjsonRenderer().render(odd) == JSONRenderer().render(odd)
    indented = OrjsonRenderer().render(body, "application/json; indent=2")
    assert indented == JSONRenderer().render(body, "application/json; indent=2")


def test_histogram_read_equals_the_rollup_reader(data):
    start, end = date(2026, 1, 1), date(2026, 2, 3)
    compared = 0
    for definition in KPIS.values():
        if definition.histogram_measure is None:
            continue
        for filters in (KpiFilters(), KpiFilters(touchpoint="checkout")):
            for granularity in (None, "day", "week", "month"):
                for group_by in (None, *definition.group_bys):
                    expected = read.histogram_parts(
                        definition, start, end, filters, granularity, group_by
                    )
                    got = sums.histogram_parts(
                        definition, start, end, filters, granularity, group_by
                    )
                    expected = {k: {b: int(n) for b, n in v.items()} for k, v in expected.items()}
                    assert got == expected, (definition.key, filters, granularity, group_by)
                    compared += bool(got)
    assert compared
