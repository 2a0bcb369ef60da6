"""Dashboard pages through the client: numbers, exports, escaping, bad filters, drill-downs,
query budgets. Who may open them is tests/dashboards/test_page_access.py."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from metrics import selectors
from metrics.filters import FilterOptions, parse_filters
from tests import factories
from tests.dashboards.factories import (
    add_responses,
    add_tickets,
    days_ago,
    make_org,
    recompute,
)

pytestmark = pytest.mark.django_db

XSS = '</script><script>alert(1)</script><b>bold</b><a href="javascript:alert(2)">x</a>'


def _tiles(response) -> dict[str, dict]:
    return {tile["key"]: tile for tile in response.context["tiles"]}


def test_overview_numbers_equal_the_kpi_api_for_the_same_filters(client, manager, org):
    client.force_login(manager)
    slug = org.touchpoints[0].slug
    response = client.get("/", {"range": "30d", "touchpoint": slug})
    filters = response.context["filters"]
    tiles = _tiles(response)
    api = factories.api_client(manager)
    for key in ("nps", "csat", "ces", "frt", "resolution_time", "fcr", "response_rate"):
        body = api.get(
            f"/api/v1/kpis/{key}/summary/",
            {"start": filters.start, "end": filters.end, "touchpoint": slug},
        ).json()
        tile = tiles[key]
        assert tile["raw_value"] == body["value"], key
        assert tile["n"] == body["n"], key
        assert tile["significant"] == body["significant"], key
        summary = selectors.kpi_summary(
            key=key, start=filters.start, end=filters.end, filters=filters.kpi_filters
        )
        assert tile["raw_value"] == summary.current.value


def test_rate_kpis_show_their_change_in_points(client, manager, org):
    client.force_login(manager)
    add_responses(org, per_touchpoint=6, days=150)
    recompute()
    tiles = _tiles(client.get("/"))
    assert tiles["csat"]["change"].endswith(" pts") or tiles["csat"]["change"] == "–"
    assert not tiles["nps"]["change"].endswith(" pts")


def test_csv_export_matches_the_chart_and_is_injection_safe(client, manager):
    org = make_org(touchpoint_names=['=HYPERLINK("http://evil")', "Help desk"])
    add_responses(org)
    recompute()
    client.force_login(manager)
    page = client.get(reverse("metrics:touchpoints"), {"kpi": "csat"})
    figure = json.loads(
        re.search(
            r'<script id="chart-heatmap-data" type="application/json">(.*?)</script>',
            page.content.decode(),
            re.S,
        ).group(1)
    )
    response = client.get(
        reverse("metrics:export", args=["touchpoints", "heatmap"]), {"kpi": "csat"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {row["label"] for row in rows} == {'\'=HYPERLINK("http://evil")', "Help desk"}
    values = [float(row["value"]) for row in rows if row["value"]]
    drawn = [
        value
        for trace in figure["data"]
        if trace.get("name") != "n too small"
        for row in trace["z"]
        for value in row
        if value is not None
    ]
    small = [
        float(text.rstrip("%"))
        for trace in figure["data"][1:]
        for row, texts in zip(trace["z"], trace["text"], strict=True)
        for value, text in zip(row, texts, strict=True)
        if value is not None
    ]
    assert sorted(round(value) for value in values) == sorted(round(v) for v in drawn + small)


def test_trend_csv_rows_are_the_points_of_the_chart(client, manager, org):
    client.force_login(manager)
    page = client.get("/")
    figure = json.loads(
        re.search(
            r'<script id="chart-trend_nps-data" type="application/json">(.*?)</script>',
            page.content.decode(),
            re.S,
        ).group(1)
    )
    line = figure["data"][-1]
    response = client.get(reverse("metrics:export", args=["overview", "trend_nps"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["period_start"] for row in rows] == line["x"]
    assert [float(row["value"]) if row["value"] else None for row in rows] == line["y"]


def test_unknown_export_tables_are_404(client, manager, org):
    client.force_login(manager)
    url = reverse("metrics:export", args=["overview", "secrets"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("metrics:export", args=["nowhere", "tiles"])).status_code == 404


def test_xss_in_touchpoint_names_and_comments_comes_out_escaped(client, manager):
    org = make_org(touchpoint_names=[XSS, "Help desk"])
    add_responses(org, comment=XSS)
    add_tickets(org, subject=XSS)
    recompute()
    client.force_login(manager)
    slug = org.touchpoints[0].slug
    urls = [
        "/",
        reverse("metrics:touchpoints"),
        reverse("metrics:touchpoint_detail", args=[slug]),
        reverse("metrics:surveys"),
        reverse("metrics:responses") + "?comments=1",
        reverse("metrics:tickets"),
        reverse("metrics:tickets_sla"),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html, url
        assert "<b>bold" not in html, url
        assert 'href="javascript:' not in html, url
        # Only our own script tags: the figure data, plotly.js and the page script.
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert all('type="application/json"' in tag or "/static/" in tag for tag in scripts), url
        for blob in re.findall(r'type="application/json">(.*?)</script>', html, re.S):
            figure = json.loads(blob)
            text = json.dumps(figure)
            assert "<b>bold" not in text and "<a href" not in text, url
    page = client.get(reverse("metrics:touchpoint_detail", args=[slug])).content.decode()
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in page


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "<script>alert(1)</script>", "range": "custom", "end": "2026-01-01"}, "start"),
        ({"touchpoint": '"><svg onload=alert(1)>'}, "touchpoint"),
        ({"granularity": "day'; select pg_sleep(5)--"}, "granularity"),
        ({"compare": "<img src=x>"}, "compare"),
        ({"range": "<b>"}, "range"),
    ],
)
def test_bad_filters_answer_400_naming_the_field_without_echoing_it(client, manager, params, field):
    client.force_login(manager)
    for url in (
        "/",
        reverse("metrics:touchpoints"),
        reverse("metrics:export", args=["overview", "tiles"]),
    ):
        response = client.get(url, params)
        assert response.status_code == 400
        html = response.content.decode()
        assert f"“{field}”" in html
        for value in params.values():
            if "<" in value:
                assert value not in html


def test_page_specific_bad_values_name_their_field(client, manager, org):
    client.force_login(manager)
    cases = [
        (reverse("metrics:touchpoints"), {"kpi": "customer__email"}, "kpi"),
        (reverse("metrics:surveys"), {"survey": "nope"}, "survey"),
        (reverse("metrics:tickets_sla"), {"hours": "lunar"}, "hours"),
        (reverse("metrics:journeys"), {"journey": "nope"}, "journey"),
        (reverse("metrics:responses"), {"group": "fans"}, "group"),
        (reverse("metrics:tickets"), {"flag": "vip"}, "flag"),
        (reverse("metrics:tickets"), {"category": "x"}, "category"),
    ]
    for url, params, field in cases:
        response = client.get(url, params)
        assert response.status_code == 400, url
        assert f"“{field}”" in response.content.decode()


def test_unknown_touchpoint_detail_is_404(client, manager, org):
    client.force_login(manager)
    assert client.get(reverse("metrics:touchpoint_detail", args=["nope"])).status_code == 404


def test_touchpoint_without_a_survey_says_to_create_one(client, manager, org):
    touchpoint = factories.make_touchpoint(name="Store visit")
    client.force_login(manager)
    html = client.get(reverse("metrics:touchpoint_detail", args=[touchpoint.slug])).content.decode()
    assert "No survey on this touchpoint yet" in html


def test_small_samples_are_greyed_with_a_note(client, manager, org):
    client.force_login(manager)
    html = client.get("/").content.decode()
    assert "n too small" in html


def test_drill_down_lists_the_responses_behind_a_point(client, manager, org):
    client.force_login(manager)
    slug = org.touchpoints[0].slug
    day = days_ago(1).date().isoformat()
    response = client.get(
        reverse("metrics:responses"),
        {"range": "custom", "start": day, "end": day, "touchpoint": slug},
    )
    listed = list(response.context["page"].object_list)
    assert listed and all(r.touchpoint.slug == slug for r in listed)
    assert all(r.submitted_at.date().isoformat() == day for r in listed)
    detractors = client.get(reverse("metrics:responses"), {"group": "detractors"})
    assert all(r.nps_score <= 6 for r in detractors.context["page"].object_list)


def test_drill_down_lists_tickets_with_the_same_filters(client, manager, org):
    client.force_login(manager)
    slug = org.touchpoints[1].slug
    response = client.get(reverse("metrics:tickets"), {"touchpoint": slug, "flag": "reopened"})
    listed = list(response.context["page"].object_list)
    assert listed and all(t.touchpoint.slug == slug and t.reopened_count for t in listed)


def test_chart_points_link_to_their_drill_down_with_the_filters(client, manager, org):
    client.force_login(manager)
    slug = org.touchpoints[0].slug
    html = client.get("/", {"touchpoint": slug}).content.decode()
    blob = re.search(
        r'<script id="chart-trend_csat-data" type="application/json">(.*?)</script>', html, re.S
    ).group(1)
    links = [link for link in json.loads(blob)["data"][-1]["customdata"] if link]
    assert links and all(link.startswith("/dashboards/responses/?") for link in links)
    assert all(f"touchpoint={slug}" in link and "range=custom" in link for link in links)


def _count_queries(client, django_assert_max_num_queries, url, limit, params=None):
    from django.core.cache import cache

    cache.clear()
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured.captured_queries)


def test_query_count_is_bounded_and_does_not_grow_with_ten_times_the_data(
    client, manager, django_assert_max_num_queries
):
    org = make_org(touchpoint_names=["Checkout", "Help desk", "Store"])
    add_responses(org, per_touchpoint=4)
    add_tickets(org, per_touchpoint=3)
    recompute()
    client.force_login(manager)
    urls = [
        ("/", 40),
        (reverse("metrics:touchpoints"), 30),
        (reverse("metrics:touchpoint_detail", args=[org.touchpoints[0].slug]), 40),
        (reverse("metrics:surveys"), 40),
        (reverse("metrics:tickets_sla"), 50),
        (reverse("metrics:customers"), 30),
        (reverse("metrics:responses"), 20),
        (reverse("metrics:tickets"), 20),
    ]
    before = {
        url: _count_queries(client, django_assert_max_num_queries, url, limit)
        for url, limit in urls
    }
    add_responses(org, per_touchpoint=40)
    add_tickets(org, per_touchpoint=30)
    recompute()
    after = {
        url: _count_queries(client, django_assert_max_num_queries, url, limit)
        for url, limit in urls
    }
    assert after == before


def test_a_cached_page_costs_a_handful_of_queries_until_the_next_recompute(
    client, manager, org, django_assert_max_num_queries
):
    client.force_login(manager)
    client.get("/")
    with django_assert_max_num_queries(12):
        client.get("/")
    first = client.get("/").context["tiles"][0]["n"]
    add_responses(org, per_touchpoint=5)
    recompute()
    assert client.get("/").context["tiles"][0]["n"] > first


def test_cached_pages_expire_after_two_recompute_intervals(client, manager, org, settings):
    from unittest import mock

    from metrics.views import base

    settings.CX_RECOMPUTE_EVERY = 300
    client.force_login(manager)
    with mock.patch.object(base.cache, "set", wraps=base.cache.set) as cache_set:
        client.get("/")
    page_entries = [c for c in cache_set.call_args_list if c.args[0].startswith("metrics:page:")]
    assert page_entries and all(c.args[2] == 660 for c in page_entries)
    settings.CX_RECOMPUTE_EVERY = 86400
    assert base.page_cache_seconds() == base.PAGE_CACHE_SECONDS


def test_filter_options_come_from_the_catalogue(org):
    from metrics.filters import load_options

    options = load_options()
    assert set(options.touchpoints) == {t.slug for t in org.touchpoints}
    parsed = parse_filters(
        {"touchpoint": org.touchpoints[0].slug}, today=days_ago(0).date(), options=options
    )
    assert parsed.touchpoint == org.touchpoints[0].slug
    assert isinstance(options, FilterOptions)


def test_this_month_so_far_is_compared_with_the_same_days_of_last_month(client, manager, org):
    client.force_login(manager)
    response = client.get("/", {"range": "mtd"})
    filters = response.context["filters"]
    last_month_end = filters.start - timedelta(days=1)
    assert filters.compare_start == last_month_end.replace(day=1)
    assert filters.compare_end <= last_month_end
    assert (filters.compare_end - filters.compare_start) <= (filters.end - filters.start)
    tiles = _tiles(response)
    before = selectors.kpi_value(
        key="csat",
        start=filters.compare_start,
        end=filters.compare_end,
        filters=filters.kpi_filters,
    )
    now = selectors.kpi_value(
        key="csat", start=filters.start, end=filters.end, filters=filters.kpi_filters
    )
    assert tiles["csat"]["raw_value"] == now.value
    if now.value is not None and before.value is not None:
        assert tiles["csat"]["change"].endswith(" pts")


JSON_SCRIPT = r'<script id="([^"]+)" type="application/json">(.*?)</script>'


def test_pages_carry_the_chart_template_once_and_no_figure_repeats_it(client, manager, org):
    client.force_login(manager)
    add_responses(org, per_touchpoint=3, days=20)
    recompute()
    slug = org.touchpoints[0].slug
    for url in ("/", reverse("metrics:touchpoint_detail", args=[slug])):
        html = client.get(url).content.decode()
        found = re.findall(JSON_SCRIPT, html, re.S)
        assert [name for name, _text in found].count("plotly-template") == 1
        scripts = dict(found)
        template = json.loads(scripts.pop("plotly-template"))
        assert "layout" in template and "data" in template
        figures = [json.loads(text) for text in scripts.values()]
        figures = [f for f in figures if isinstance(f, dict) and "layout" in f]
        assert figures, url
        assert all("template" not in f["layout"] for f in figures), url
