"""Display helpers for ticket pages: durations as an agent reads them."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """4 d 3 h, 3 h 05 min, 12 min, 40 s: the two largest units, absolute value."""
    if seconds is None:
        return "—"
    total = int(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)d min") % {"m": minutes}
    return _("%(s)d s") % {"s": secs}


@register.filter
def business_duration(seconds: float | None) -> str:
    """Business time in hours and minutes only: a "day" of business time would be ambiguous."""
    if seconds is None:
        return "—"
    total = int(abs(seconds))
    hours_, rest = divmod(total, 3600)
    minutes = rest // 60
    if hours_:
        return _("%(h)d h %(m)02d min") % {"h": hours_, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


@register.filter
def hours(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    # Rounded first: number_format cuts decimals off a float instead of rounding them.
    return number_format(round(seconds / 3600, 2) + 0.0, 2, force_grouping=True)


@register.filter
def negative(value: float | None) -> bool:
    return value is not None and value < 0
