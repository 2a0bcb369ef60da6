"""The main navigation: each entry names the permission it needs, so each role sees what it may use.

Apps register entries in AppConfig.ready(); cxhub only lists them, so no app imports another for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class NavEntry:
    label: str  # a lazy translation string
    url_name: str
    permission: str | None
    order: int = 100


_ENTRIES: list[NavEntry] = []


def register(entry: NavEntry) -> None:
    if entry not in _ENTRIES:
        _ENTRIES.append(entry)


def navigation_for(user, current_path: str) -> list[dict]:
    items = []
    for entry in sorted(_ENTRIES, key=lambda e: e.order):
        if entry.permission and not user.has_perm(entry.permission):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": entry.label, "url": url, "active": active})
    if user.is_staff:
        items.append({"label": _("Administration"), "url": reverse("admin:index"), "active": False})
    return items
