"""Template tags of the dashboard pages."""

from __future__ import annotations

import functools

from django import template
from django.utils.html import json_script

from metrics.charts import plotly_template

register = template.Library()


@register.simple_tag
@functools.cache
def plotly_template_script() -> str:
    """The chart template, once per page, for dashboards.js to give every figure. The same 7 KB
    for every page of the process, so it is serialised and escaped once."""
    return json_script(plotly_template(), "plotly-template")
