"""How a KPI's value, interval and significance test follow from summed rollup parts.

`parts` is a dict of summed rollup columns (metrics.rollups.read names them); a value function
returns (value, n, ci_low, ci_high, extra) and a test function compares two periods' parts. The
registry that ties each KPI to its functions is metrics.kpis.
"""

from __future__ import annotations

from collections.abc import Callable

from metrics import stats
from metrics.models import CES_POINTS, CSAT5_POINTS, CSAT7_POINTS

Parts = dict[str, float]
Computed = tuple[float | None, int, float | None, float | None, dict]


def _g(parts: Parts, name: str) -> float:
    return parts.get(name) or 0


def nps_parts(parts: Parts) -> tuple[int, int, int]:
    if "promoters" in parts:  # summed per class already (metrics.selectors.sums)
        return int(parts["promoters"]), int(parts["passives"]), int(parts["detractors"])
    promoters = int(_g(parts, "nps_9") + _g(parts, "nps_10"))
    passives = int(_g(parts, "nps_7") + _g(parts, "nps_8"))
    detractors = int(sum(_g(parts, f"nps_{p}") for p in range(0, 7)))
    return promoters, passives, detractors


def nps_value(parts: Parts) -> Computed:
    p, pa, d = nps_parts(parts)
    value, low, high = stats.nps(p, pa, d)
    return value, p + pa + d, low, high, {"promoters": p, "passives": pa, "detractors": d}


def csat_parts(parts: Parts) -> tuple[int, int, tuple[int, float, float]]:
    pairs = [(p, int(_g(parts, f"csat5_{p}"))) for p in CSAT5_POINTS]
    pairs += [(p, int(_g(parts, f"csat7_{p}"))) for p in CSAT7_POINTS]
    top = int(sum(_g(parts, f"csat5_{p}") for p in (4, 5)))
    top += int(sum(_g(parts, f"csat7_{p}") for p in (6, 7)))
    moments = stats.point_moments(pairs)
    return top, moments[0], moments


def csat_value(parts: Parts) -> Computed:
    top, n, moments = csat_parts(parts)
    value, low, high = stats.wilson(top, n)
    mean = stats.mean_sd(*moments)[0]
    return value, n, low, high, {"mean": mean, "top": top}


def csat_mean_value(parts: Parts) -> Computed:
    top, n, moments = csat_parts(parts)
    value, low, high = stats.mean_ci(*moments)
    return value, n, low, high, {"top": top}


def ces_moments(parts: Parts) -> tuple[int, float, float]:
    return stats.point_moments((p, int(_g(parts, f"ces_{p}"))) for p in CES_POINTS)


def ces_value(parts: Parts) -> Computed:
    moments = ces_moments(parts)
    value, low, high = stats.mean_ci(*moments)
    return value, moments[0], low, high, {}


def rate(success: str, total: str) -> Callable[[Parts], Computed]:
    def compute(parts: Parts) -> Computed:
        x, n = int(_g(parts, success)), int(_g(parts, total))
        if n <= 0:
            return None, 0, None, None, {success: x}
        if x > n:  # more events than their base (e.g. opens without a delivery): no interval
            return 100.0 * x / n, n, None, None, {success: x}
        value, low, high = stats.wilson(x, n)
        return value, n, low, high, {success: x}

    return compute


def rate_test(success: str, total: str) -> Callable[[Parts, Parts], float | None]:
    def test(a: Parts, b: Parts) -> float | None:
        xa, na, xb, nb = (
            int(_g(a, success)),
            int(_g(a, total)),
            int(_g(b, success)),
            int(_g(b, total)),
        )
        if xa > na or xb > nb:
            return None
        return stats.two_proportion_test(xa, na, xb, nb)

    return test


def hours(prefix: str) -> Callable[[Parts], Computed]:
    def compute(parts: Parts) -> Computed:
        n = int(_g(parts, f"{prefix}_n"))
        total = _g(parts, f"{prefix}_sum") / 3600.0
        sumsq = _g(parts, f"{prefix}_sumsq") / 3600.0**2
        value, low, high = stats.mean_ci(n, total, sumsq)
        return value, n, low, high, {}

    return compute


def hours_test(prefix: str) -> Callable[[Parts, Parts], float | None]:
    def test(a: Parts, b: Parts) -> float | None:
        def moments(p: Parts) -> tuple[int, float, float]:
            return int(_g(p, f"{prefix}_n")), _g(p, f"{prefix}_sum"), _g(p, f"{prefix}_sumsq")

        return stats.welch_test(moments(a), moments(b))

    return test


def count(name: str) -> Callable[[Parts], Computed]:
    def compute(parts: Parts) -> Computed:
        value = int(_g(parts, name))
        return (float(value) if value else None), value, None, None, {}

    return compute


def backlog_value(parts: Parts) -> Computed:
    # Backlog is a level, not a flow: zero open tickets is a value, not an empty period.
    if not parts.get("_has_history"):
        return None, 0, None, None, {}
    value = int(_g(parts, "backlog"))
    return float(value), value, None, None, {}


def retention_value(parts: Parts) -> Computed:
    value, n, low, high, extra = rate("churned", "active_start")(parts)
    if value is None:
        return None, n, None, None, extra
    return (
        100.0 - value,
        n,
        None if high is None else 100.0 - high,
        None if low is None else 100.0 - low,
        extra,
    )


def drop_off_value(parts: Parts) -> Computed:
    value, n, low, high, extra = rate("converted", "entered")(parts)
    if value is None:
        return None, n, None, None, extra
    return (
        100.0 - value,
        n,
        None if high is None else 100.0 - high,
        None if low is None else 100.0 - low,
        extra,
    )


def nps_test(a: Parts, b: Parts) -> float | None:
    return stats.nps_difference_test(nps_parts(a), nps_parts(b))


def csat_mean_test(a: Parts, b: Parts) -> float | None:
    return stats.welch_test(csat_parts(a)[2], csat_parts(b)[2])


def ces_test(a: Parts, b: Parts) -> float | None:
    return stats.welch_test(ces_moments(a), ces_moments(b))


def csat_test(a: Parts, b: Parts) -> float | None:
    (ta, na, _), (tb, nb, _) = csat_parts(a), csat_parts(b)
    return stats.two_proportion_test(ta, na, tb, nb)
