"""Showing stored English names, KPI keys and Plotly charts in the reader's language.

Template tags must live in an installed app; these serve every app's templates (tickets, journeys
and metrics pages), so `{% load cx_l10n %}` works anywhere.
"""

from __future__ import annotations

import re

from django import template
from django.utils import formats
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import get_language, gettext, gettext_noop

from journeys.models import channel_display_name
from journeys.services.documents import KPI_LABELS
from tickets.models import STORED_NAMES

register = template.Library()

# The texts of Plotly's (7.x) mode bar and messages that these pages can show; Plotly looks them
# up in the locale's dictionary by their English text.
PLOTLY_TEXTS = (
    gettext_noop("Download plot as a PNG"),
    gettext_noop("Download plot"),
    gettext_noop("Share chart..."),
    gettext_noop("Zoom"),
    gettext_noop("Pan"),
    gettext_noop("Zoom in"),
    gettext_noop("Zoom out"),
    gettext_noop("Autoscale"),
    gettext_noop("Reset axes"),
    gettext_noop("Reset view"),
    gettext_noop("Box Select"),
    gettext_noop("Lasso Select"),
    gettext_noop("Show closest data on hover"),
    gettext_noop("Compare data on hover"),
    gettext_noop("Toggle show closest data on hover"),
    gettext_noop("Toggle Spike Lines"),
    gettext_noop("Double-click to zoom back out"),
    gettext_noop("Double-click on legend to isolate one trace"),
    gettext_noop("Sorry, there was a problem downloading your image!"),
)


@register.filter
def display_name(value) -> str:
    """A channel, SLA policy or calendar name in the reader's language when it is one the data
    migrations created; any name someone typed is shown as typed."""
    name = str(getattr(value, "name", value) if value is not None else "")
    if name in STORED_NAMES:
        return gettext(name)
    return channel_display_name(name)


@register.filter
def kpi_label(key: str) -> str:
    """An opportunity KPI's label ("Net Promoter Score") for its key ("nps"); an unknown key as it
    is. journeys keeps these names (tests check them equal to metrics' registry), so this library
    never reaches up into metrics."""
    label = KPI_LABELS.get(key or "")
    return str(label) if label is not None else (key or "")


_D3 = {"d": "%d", "j": "%-d", "m": "%m", "n": "%-m", "Y": "%Y", "y": "%y", "H": "%H", "G": "%-H"}
_D3 |= {"i": "%M", "s": "%S", "M": "%b", "N": "%b", "F": "%B", "b": "%b"}


def _d3_format(django_format: str, fallback: str) -> str:
    """A Django date format ("d/m/Y") as the d3 format Plotly reads ("%d/%m/%Y")."""
    if any(char.isalpha() and char not in _D3 for char in django_format):
        return fallback
    return re.sub(r"[A-Za-z]", lambda match: _D3[match.group(0)], django_format)


def plotly_locale_data() -> dict:
    """Plotly's locale for the active language, from Django's own translations and formats:
    month and day names, separators, date formats and the mode bar's texts."""
    language = get_language() or "en"
    day_first = formats.get_format("MONTH_DAY_FORMAT")[:1] in ("j", "d")
    # d3 weeks start on Sunday; Django's start on Monday.
    days = [str(WEEKDAYS[6])] + [str(WEEKDAYS[i]) for i in range(6)]
    short_days = [str(WEEKDAYS_ABBR[6])] + [str(WEEKDAYS_ABBR[i]) for i in range(6)]
    return {
        "name": language,
        "dictionary": {text: gettext(text) for text in PLOTLY_TEXTS},
        "format": {
            "days": days,
            "shortDays": short_days,
            "months": [str(MONTHS[i]) for i in range(1, 13)],
            # As Django's "M" writes them.
            "shortMonths": [str(MONTHS_3[i]).title() for i in range(1, 13)],
            "date": _d3_format(formats.get_format("SHORT_DATE_FORMAT"), "%Y-%m-%d"),
            "time": _d3_format(formats.get_format("TIME_FORMAT"), "%H:%M"),
            "dateTime": "%x, %X",
            # Plotly needs every key of a d3 locale; no format here uses %p or a currency.
            "periods": ["AM", "PM"],
            "currency": ["", ""],
            "decimal": formats.get_format("DECIMAL_SEPARATOR"),
            "thousands": formats.get_format("THOUSAND_SEPARATOR"),
            "grouping": [3],
            "year": "%Y",
            "month": "%b %Y",
            "dayMonth": "%-d %b" if day_first else "%b %-d",
            "dayMonthYear": "%-d %b %Y" if day_first else "%b %-d, %Y",
        },
    }


@register.simple_tag
def plotly_locale() -> dict:
    return plotly_locale_data()
