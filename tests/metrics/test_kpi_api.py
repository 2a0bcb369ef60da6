"""Every KPI through the API on the hand-computed data set (tests/metrics/dataset.py), for day,
week and month granularity and a breakdown, including empty periods."""

from __future__ import annotations

import math

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

W1, W2 = "2026-01-05", "2026-01-12"


@pytest.fixture
def client(manager):
    return factories.api_client(manager)


def series(client, key, start="2026-01-05", end="2026-01-18", granularity="week", **params):
    response = client.get(
        f"/api/v1/kpis/{key}/series/",
        {"start": start, "end": end, "granularity": granularity, **params},
    )
    assert response.status_code == 200, response.content
    return response.json()


def values(body):
    return [(p["period_start"], p["value"], p["n"]) for p in body["points"]]


def close(a, b, tol=0.01):
    return a is not None and abs(a - b) <= tol


def test_nps_per_week_day_month_and_by_touchpoint_and_persona(client, data):
    body = series(client, "nps")
    # W1: 10,9,7,3 + 0,10 -> P3 Pa1 D2 of 6 = 16.67; W2: 9,9,9,5 -> (3-1)/4 = 50.
    (w1, v1, n1), (w2, v2, n2) = values(body)
    assert (w1, n1, w2, n2) == (W1, 6, W2, 4)
    assert close(v1, 100 / 6) and close(v2, 50.0)
    assert body["points"][0]["extra"] == {"promoters": 3, "passives": 1, "detractors": 2}
    # CI: NPS ± 1.96·100·sqrt((p + d − (p − d)²)/n)
    p, d, n = 3 / 6, 2 / 6, 6
    half = 1.959964 * 100 * math.sqrt((p + d - (p - d) ** 2) / n)
    assert close(body["points"][0]["ci_low"], 100 / 6 - half, 0.02)
    assert close(body["points"][0]["ci_high"], 100 / 6 + half, 0.02)

    days = values(series(client, "nps", "2026-01-05", "2026-01-07", "day"))
    assert (
        days[0][1:] == (25.0, 4) and days[1] == ("2026-01-06", None, 0) and days[2][1:] == (0.0, 2)
    )

    months = values(series(client, "nps", "2026-01-01", "2026-03-31", "month"))
    assert months == [("2026-01-01", 30.0, 10), ("2026-02-01", 0.0, 1), ("2026-03-01", None, 0)]

    grouped = series(client, "nps", group_by="touchpoint")
    groups = {g["key"]: values(g) for g in grouped["groups"]}
    assert groups["checkout"] == [(W1, 25.0, 4), (W2, 50.0, 4)]
    assert groups["help-desk"] == [(W1, 0.0, 2), (W2, None, 0)]
    personas = {g["key"]: values(g) for g in series(client, "nps", group_by="persona")["groups"]}
    assert personas["young"] == [(W1, 100.0, 1), (W2, None, 0)]
    filtered = series(client, "nps", touchpoint="help-desk")
    assert values(filtered) == [(W1, 0.0, 2), (W2, None, 0)]


def test_csat_share_top_two_mean_and_ces(client, data):
    body = series(client, "csat")
    # W1 (1–5): 5,4,2 -> 2 of 3; W2 (1–7): 7,3,1 -> 1 of 3.
    (_, v1, n1), (_, v2, n2) = values(body)
    assert (n1, n2) == (3, 3) and close(v1, 200 / 3) and close(v2, 100 / 3)
    assert close(body["points"][0]["extra"]["mean"], 11 / 3)
    mean = values(
        series(client, "csat_mean", granularity="month", start="2026-01-01", end="2026-01-31")
    )
    assert mean[0][2] == 6 and close(mean[0][1], (11 + 11) / 6)
    ces = series(client, "ces")
    # W1: 7,5,6,2 -> mean 5; W2 has no CES answer.
    assert values(ces)[1] == (W2, None, 0)
    assert values(ces)[0][1:] == (5.0, 4)
    # t interval, n=4, sd = sqrt(((7-5)²+0+1+9)/3) = sqrt(14/3), t(3) = 3.182446
    half = 3.182446 * math.sqrt(14 / 3) / 2
    assert close(ces["points"][0]["ci_low"], 5 - half) and close(
        ces["points"][0]["ci_high"], 5 + half
    )
    by_channel = series(client, "ces", group_by="channel")
    assert [g["key"] for g in by_channel["groups"]] == ["web"]


def test_first_response_time_mean_median_p90_and_breakdown(client, data):
    body = series(client, "frt")
    first, second = body["points"]
    # 1 h, 2 h, 3 h: mean 2, median (2nd value) 2, p90 (3rd value) 3; t interval with t(2).
    assert first["n"] == 3 and close(first["value"], 2.0)
    assert abs(first["median"] - 2.0) <= 2.0 * 0.05 and abs(first["p90"] - 3.0) <= 3.0 * 0.05
    half = 4.302653 * 1.0 / math.sqrt(3)
    assert close(first["ci_low"], 2 - half) and close(first["ci_high"], 2 + half)
    assert second == {
        "period_start": W2,
        "value": None,
        "n": 0,
        "ci_low": None,
        "ci_high": None,
        "median": None,
        "p90": None,
    }
    business = values(series(client, "frt_business"))
    assert business[0][2] == 3 and close(business[0][1], (0.5 + 2 + 1) / 3)
    by_category = {
        g["key"]: g["points"][0] for g in series(client, "frt", group_by="category")["groups"]
    }
    assert close(by_category["billing"]["value"], 1.5) and by_category["billing"]["n"] == 2
    assert close(by_category["delivery"]["value"], 3.0)
    days = values(series(client, "frt", "2026-01-04", "2026-01-06", "day"))
    assert (
        days[0] == ("2026-01-04", None, 0) and days[1][1:] == (1.5, 2) and days[2][1:] == (3.0, 1)
    )


def test_resolution_time_counts_by_last_resolution_day(client, data):
    body = series(client, "resolution_time")
    first = body["points"][0]
    assert first["n"] == 2 and close(first["value"], 36.0)
    assert abs(first["median"] - 24.0) <= 24 * 0.05 and abs(first["p90"] - 48.0) <= 48 * 0.05
    business = values(series(client, "resolution_time_business"))
    assert business[0][1:] == (12.0, 2) and business[1] == (W2, None, 0)
    days = values(series(client, "resolution_time", "2026-01-06", "2026-01-08", "day"))
    assert days == [("2026-01-06", 24.0, 1), ("2026-01-07", None, 0), ("2026-01-08", 48.0, 1)]
    by_tp = {
        g["key"]: values(g)
        for g in series(client, "resolution_time", group_by="touchpoint")["groups"]
    }
    assert by_tp["help-desk"][0][1:] == (48.0, 1)


def test_fcr_sla_volume_reopen(client, data):
    fcr = values(series(client, "fcr"))
    assert fcr[0][2] == 3 and close(fcr[0][1], 100 / 3) and fcr[1][1:] == (0.0, 1)
    sla = values(series(client, "sla_breach_rate"))
    assert sla == [(W1, 50.0, 2), (W2, None, 0)]
    volume = series(client, "ticket_volume", group_by="category")
    groups = {g["key"]: values(g) for g in volume["groups"]}
    assert groups == {
        "billing": [(W1, 2.0, 2), (W2, None, 0)],
        "delivery": [(W1, 1.0, 1), (W2, None, 0)],
        "none": [(W1, None, 0), (W2, 1.0, 1)],
    }
    months = values(series(client, "ticket_volume", "2026-01-01", "2026-02-28", "month"))
    assert months == [("2026-01-01", 4.0, 4), ("2026-02-01", None, 0)]
    reopen = values(series(client, "reopen_rate"))
    assert reopen == [(W1, 50.0, 2), (W2, None, 0)]


def test_backlog_is_open_tickets_at_the_end_of_each_period(client, data):
    days = values(series(client, "backlog", "2026-01-04", "2026-01-08", "day"))
    # 01-04 nothing yet; 05: t1 t2; 06: t1 resolved, t3 opened; 07: t3 resolved then reopened;
    # 08: t3 resolved again.
    assert days == [
        ("2026-01-04", None, 0),
        ("2026-01-05", 2.0, 2),
        ("2026-01-06", 2.0, 2),
        ("2026-01-07", 2.0, 2),
        ("2026-01-08", 1.0, 1),
    ]
    assert values(series(client, "backlog")) == [(W1, 1.0, 1), (W2, 2.0, 2)]
    months = values(series(client, "backlog", "2026-01-01", "2026-02-28", "month"))
    assert months == [("2026-01-01", 2.0, 2), ("2026-02-01", 2.0, 2)]
    by_tp = {
        g["key"]: values(g) for g in series(client, "backlog", group_by="touchpoint")["groups"]
    }
    assert by_tp["checkout"] == [(W1, 1.0, 1), (W2, 2.0, 2)]
    assert by_tp["help-desk"] == [(W1, 0.0, 0), (W2, 0.0, 0)]


def test_response_rate_and_closed_loop(client, data):
    assert values(series(client, "response_rate")) == [(W1, 50.0, 2), (W2, None, 0)]
    days = values(series(client, "response_rate", "2026-01-05", "2026-01-06", "day"))
    assert days == [("2026-01-05", 50.0, 2), ("2026-01-06", None, 0)]
    assert values(series(client, "closed_loop_rate")) == [(W1, 50.0, 2), (W2, None, 0)]
    by_tp = {
        g["key"]: values(g)
        for g in series(client, "closed_loop_rate", group_by="touchpoint")["groups"]
    }
    assert by_tp == {
        "checkout": [(W1, 100.0, 1), (W2, None, 0)],
        "help-desk": [(W1, 0.0, 1), (W2, None, 0)],
    }


def test_churn_and_retention(client, data):
    # Active before 01-05: c1 c2 c3 and the ticket customer = 4; c1 churns in W1.
    # Before 01-12: + c4 − c1 = 4; c3 churns in W2.
    assert values(series(client, "churn_rate")) == [(W1, 25.0, 4), (W2, 25.0, 4)]
    assert values(series(client, "retention_rate")) == [(W1, 75.0, 4), (W2, 75.0, 4)]
    before = values(series(client, "churn_rate", "2025-11-01", "2025-11-02", "day"))
    assert before == [("2025-11-01", None, 0), ("2025-11-02", None, 0)]
    months = values(series(client, "churn_rate", "2026-01-01", "2026-01-31", "month"))
    assert months == [("2026-01-01", 50.0, 4)]
    personas = {
        g["key"]: values(g) for g in series(client, "churn_rate", group_by="persona")["groups"]
    }
    assert personas["young"] == [(W1, 100.0, 1), (W2, None, 0)]


def test_stage_conversion_and_drop_off_by_stage(client, data):
    # W1 stage 0: c1 (→ s1 two days later) and c2 (s1 only 54 days later) = 1 of 2.
    # W1 stage 1: c1, c2 never reach s2 = 0 of 2. W2 stage 0: c3 = 0 of 1.
    body = series(client, "stage_conversion", journey="shopping", group_by="stage")
    groups = {g["key"]: values(g) for g in body["groups"]}
    assert groups["stage-0"] == [(W1, 50.0, 2), (W2, 0.0, 1)]
    assert groups["stage-1"] == [(W1, 0.0, 2), (W2, None, 0)]
    total = values(series(client, "stage_conversion", journey="shopping"))
    assert total == [(W1, 25.0, 4), (W2, 0.0, 1)]
    drop = values(series(client, "drop_off", journey="shopping"))
    assert drop == [(W1, 75.0, 4), (W2, 100.0, 1)]
    month = values(
        series(client, "stage_conversion", "2026-01-01", "2026-01-31", "month", journey="shopping")
    )
    # In January c2's first stage-1 event is 01-05 (before nothing at s2): still 1 of 5.
    assert month == [("2026-01-01", 20.0, 5)]


def test_marketing_engagement_rates(client, data):
    assert values(series(client, "open_rate")) == [(W1, 50.0, 4), (W2, None, 0)]
    assert values(series(client, "click_rate")) == [(W1, 25.0, 4), (W2, None, 0)]
    assert values(series(client, "conversion_rate")) == [(W1, 100.0, 1), (W2, None, 0)]
    by_tp = series(client, "open_rate", group_by="touchpoint", granularity="day", start=W1, end=W1)
    assert [(g["key"], values(g)) for g in by_tp["groups"]] == [("newsletter", [(W1, 50.0, 4)])]


def test_summary_compares_with_the_previous_period(client, data):
    response = client.get("/api/v1/kpis/nps/summary/", {"start": W2, "end": "2026-01-18"})
    body = response.json()
    assert response.status_code == 200
    assert body["value"] == 50.0 and body["n"] == 4
    assert body["previous"]["start"] == W1 and body["previous"]["end"] == "2026-01-11"
    assert close(body["previous"]["value"], 100 / 6)
    assert close(body["change"], 50 - 100 / 6)
    assert body["significant"] is False  # tiny samples: the difference test says p > 0.05
    frt = client.get("/api/v1/kpis/frt/summary/", {"start": W1, "end": "2026-01-11"}).json()
    assert frt["n"] == 3 and "median" in frt and "p90" in frt and frt["previous"]["value"] is None


def test_kpi_list_names_every_kpi_of_the_product(client, data):
    keys = {row["key"] for row in client.get("/api/v1/kpis/").json()}
    assert keys == {
        "nps",
        "csat",
        "csat_mean",
        "ces",
        "response_rate",
        "closed_loop_rate",
        "frt",
        "frt_business",
        "resolution_time",
        "resolution_time_business",
        "fcr",
        "sla_breach_rate",
        "ticket_volume",
        "backlog",
        "reopen_rate",
        "churn_rate",
        "retention_rate",
        "stage_conversion",
        "drop_off",
        "open_rate",
        "click_rate",
        "conversion_rate",
    }


JANUARY = {
    "nps": (30.0, 10),
    "csat": (50.0, 6),
    "csat_mean": (22 / 6, 6),
    "ces": (5.0, 4),
    "response_rate": (50.0, 2),
    "closed_loop_rate": (50.0, 2),
    "frt": (2.0, 3),
    "frt_business": (3.5 / 3, 3),
    "resolution_time": (36.0, 2),
    "resolution_time_business": (12.0, 2),
    "fcr": (25.0, 4),
    "sla_breach_rate": (50.0, 2),
    "ticket_volume": (4.0, 4),
    "backlog": (2.0, 2),
    "reopen_rate": (50.0, 2),
    "churn_rate": (50.0, 4),
    "retention_rate": (50.0, 4),
    "stage_conversion": (20.0, 5),
    "drop_off": (80.0, 5),
    "open_rate": (50.0, 4),
    "click_rate": (25.0, 4),
    "conversion_rate": (100.0, 1),
}


def test_every_kpi_by_month_and_its_breakdown_adds_up(client, data):
    from metrics.kpis import KPIS

    assert set(JANUARY) == set(KPIS)
    for key, (expected, n) in JANUARY.items():
        extra = {"journey": "shopping"} if KPIS[key].rollup == "stages" else {}
        body = series(client, key, "2026-01-01", "2026-02-28", "month", **extra)
        january, february = body["points"]
        assert january["n"] == n and close(january["value"], expected), (key, january)
        if key not in ("backlog", "churn_rate", "retention_rate", "stage_conversion", "drop_off"):
            assert (february["value"], february["n"]) in ((None, 0), (0.0, 1)), (key, february)
        group_by = KPIS[key].group_bys[0]
        grouped = series(
            client, key, "2026-01-01", "2026-01-31", "month", group_by=group_by, **extra
        )
        assert sum(g["points"][0]["n"] for g in grouped["groups"]) == n, key
        summary = client.get(
            f"/api/v1/kpis/{key}/summary/", {"start": "2026-01-01", "end": "2026-01-31", **extra}
        )
        assert summary.status_code == 200 and summary.json()["n"] == n, key
