"""KPI targets and alerts: after each recompute, check every target on complete ISO weeks.

A breach is the KPI on the wrong side of the alert threshold (or the target, when no threshold is
set) for `consecutive_periods` weeks in a row; a drop is a significant change in the wrong
direction between the last two weeks. Each opens ONE alert (a partial unique constraint guards
it) that stays open while the condition holds and is resolved when the KPI recovers.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from metrics.charts.base import fmt, number
from metrics.kpis import KPIS
from metrics.models import KpiAlert, KpiTarget
from metrics.selectors import kpi_summary, kpi_value
from metrics.types import KpiFilters

logger = logging.getLogger(__name__)


def _weeks(today: date, count: int) -> list[tuple[date, date]]:
    """The last `count` complete ISO weeks before today, oldest first."""
    this_monday = today - timedelta(days=today.weekday())
    return [
        (this_monday - timedelta(weeks=i), this_monday - timedelta(weeks=i) + timedelta(days=6))
        for i in range(count, 0, -1)
    ]


def _worse(value: float, limit: float, higher_is_better: bool) -> bool:
    return value < limit if higher_is_better else value > limit


def _day(iso: str) -> str:
    return formats.date_format(date.fromisoformat(iso), "DATE_FORMAT")


def message_text(key: str, params: dict) -> str:
    """An alert message in the active language, from the key and raw parameters it was stored
    with: numbers and dates are formatted the way the reader's language writes them."""
    definition = KPIS.get(params.get("kpi", ""))
    kpi = str(definition.label) if definition else params.get("kpi", "")
    unit = definition.unit if definition else ""
    decimals = definition.decimals if definition else 1
    if key == "breach":
        weeks = int(params["weeks"])
        return ngettext(
            "%(kpi)s at %(value)s is worse than %(limit)s for %(weeks)s week to %(end)s",
            "%(kpi)s at %(value)s is worse than %(limit)s for %(weeks)s weeks to %(end)s",
            weeks,
        ) % {
            "kpi": kpi,
            "value": fmt(params["value"], unit, decimals),
            "limit": fmt(params["limit"], unit, decimals),
            "weeks": number(weeks),
            "end": _day(params["end"]),
        }
    if key == "drop":
        change = float(params["change"])
        sign = "+" if change > 0 else ("−" if change < 0 else "±")
        return _("%(kpi)s changed by %(change)s in the week of %(start)s (p = %(p)s)") % {
            "kpi": kpi,
            "change": sign + number(abs(change), decimals),
            "start": _day(params["start"]),
            "p": number(params["p"], 3),
        }
    raise KeyError(key)


def alert_text(alert: KpiAlert) -> str:
    """What the reader sees; alerts stored before message keys existed show their old text."""
    if alert.message_key:
        try:
            return message_text(alert.message_key, alert.message_params)
        except (KeyError, TypeError, ValueError):
            logger.warning("alert %s: cannot render %r", alert.pk, alert.message_key)
    return alert.message


def _open(
    target: KpiTarget, kind: str, start: date, end: date, value, previous, params: dict
) -> bool:
    if KpiAlert.objects.filter(target=target, kind=kind, resolved_at__isnull=True).exists():
        return False
    message = message_text(kind, params)
    alert = KpiAlert.objects.create(
        target=target,
        kind=kind,
        period_start=start,
        period_end=end,
        value=value,
        previous_value=previous,
        message=message[:300],
        message_key=kind,
        message_params=params,
    )
    recipients = [a for a in getattr(settings, "CX_ALERT_EMAILS", "").split(",") if a.strip()]
    if recipients:
        try:
            subject = _("CX Hub alert: %(message)s") % {"message": message[:80]}
            send_mail(subject, message, None, recipients)
            alert.notified_at = timezone.now()
            alert.save(update_fields=["notified_at"])
        except OSError:
            logger.warning("could not e-mail KPI alert %s", alert.pk, exc_info=True)
    return True


def _resolve(target: KpiTarget, kind: str) -> int:
    return KpiAlert.objects.filter(target=target, kind=kind, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )


@transaction.atomic
def alerts_evaluate(*, today: date | None = None) -> tuple[int, int]:
    """Open and resolve alerts for every target; returns (opened, resolved)."""
    today = today or timezone.localdate()
    opened = resolved = 0
    for target in KpiTarget.objects.select_related("touchpoint"):
        definition = KPIS.get(target.kpi_key)
        if definition is None:
            continue
        filters = KpiFilters()
        if target.touchpoint is not None:
            if "touchpoint" not in definition.filters:
                continue
            filters = KpiFilters(touchpoint=target.touchpoint.slug)
        limit = target.alert_threshold if target.alert_threshold is not None else target.target
        weeks = _weeks(today, max(1, target.consecutive_periods))
        values = [
            kpi_value(key=definition.key, start=s, end=e, filters=filters).value for s, e in weeks
        ]
        breached = all(
            v is not None and _worse(v, limit, definition.higher_is_better) for v in values
        )
        last_start, last_end = weeks[-1]
        if breached:
            params = {
                "kpi": definition.key,
                "value": values[-1],
                "limit": limit,
                "weeks": len(values),
                "end": last_end.isoformat(),
            }
            opened += _open(
                target, KpiAlert.Kind.BREACH, weeks[0][0], last_end, values[-1], None, params
            )
        else:
            resolved += _resolve(target, KpiAlert.Kind.BREACH)
        summary = kpi_summary(key=definition.key, start=last_start, end=last_end, filters=filters)
        dropped = (
            summary.significant
            and summary.change is not None
            and _worse(summary.change, 0.0, definition.higher_is_better)
        )
        if dropped:
            params = {
                "kpi": definition.key,
                "change": summary.change,
                "start": last_start.isoformat(),
                "p": summary.p_value,
            }
            opened += _open(
                target,
                KpiAlert.Kind.DROP,
                last_start,
                last_end,
                summary.current.value,
                summary.previous.value,
                params,
            )
        else:
            resolved += _resolve(target, KpiAlert.Kind.DROP)
    return opened, resolved
