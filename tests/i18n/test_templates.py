"""Every user-visible text in the project's templates is marked for translation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.i18n.templatescan import (
    attribute_blocks,
    project_templates,
    unmarked_text,
)

ROOT = Path(__file__).resolve().parents[2]


def scan(tmp_path: Path, source: str, name: str = "page.html") -> list[str]:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return [finding.text for finding in unmarked_text(path, tmp_path, {"body_class"})]


def test_no_template_shows_unmarked_text():
    templates = project_templates(ROOT)
    assert len(templates) > 20, "the scan found no templates: check the search path"
    hidden = attribute_blocks([path.read_text(encoding="utf-8") for path in templates])
    findings = [str(f) for path in templates for f in unmarked_text(path, ROOT, hidden)]
    assert not findings, (
        "Mark these texts with {% translate %} / {% blocktranslate %} (attributes too):\n"
        + "\n".join(findings)
    )


@pytest.mark.parametrize(
    "source",
    [
        "<p>Hello there</p>",
        '<input placeholder="Search customers">',
        '<img alt="Company logo" src="x.png">',
        '<a href="/" title="Home page">{% translate "Home" %}</a>',
        '<button aria-label="Close dialog">×</button>',
        '<input type="submit" value="Save">',
        "<td>{{ when|default:'never' }}</td>",
        "<td>{{ flag|yesno:'yes,no' }}</td>",
        '<p>{% firstof name "Unknown" %}</p>',
        "{% load i18n %}<h1>{% translate 'Tickets' %} for {{ name }}</h1>",
        "<title>Tickets · CX Hub</title>",
    ],
)
def test_the_scan_catches_unmarked_text(tmp_path, source):
    assert scan(tmp_path, source)


@pytest.mark.parametrize(
    "source",
    [
        "{% load i18n %}<p>{% translate 'Hello there' %}</p>",
        "{% load i18n %}<p>{% blocktranslate with n=count %}{{ n }} tickets"
        "{% endblocktranslate %}</p>",
        "{% load i18n %}<input placeholder=\"{% translate 'Search customers' %}\">",
        '<div class="card wide" id="main-panel" data-figure="nps-trend"></div>',
        "<script>document.querySelector('form').addEventListener('submit', go)</script>",
        "<style>.card { color: red }</style>",
        "{% comment %}Explains the layout{% endcomment %}<p>{{ value }}</p>",
        "{# a note for developers #}<p>{{ value }}</p>",
        "<p>CX&nbsp;Hub · NPS · CSAT · CES</p>",
        "<p>{{ score }} / 10 – {{ other }}%</p>",
        "<td class=\"emotion-{{ value|default_if_none:'none' }}\">—</td>",
        "{% load i18n %}<td>{{ when|default:_('never') }}</td>",
        '<input type="hidden" name="next" value="overview">',
        "{% extends 'base.html' %}{% block body_class %}respondent wide{% endblock %}",
    ],
)
def test_the_scan_accepts_marked_or_invisible_text(tmp_path, source):
    assert scan(tmp_path, source) == []


def test_plain_text_templates_are_read_whole(tmp_path):
    found = scan(tmp_path, "{% load i18n %}{% translate 'Hello' %}\nThanks, the team\n", "m.txt")
    assert found == ["Thanks, the team"]
