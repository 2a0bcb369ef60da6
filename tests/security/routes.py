"""Every route of the project, as concrete URLs, straight from the URL resolver (RELIABILITY A4).

A route is keyed by its namespaced name (with ".format" for DRF's format-suffix twins) or, when it
has no name, by its pattern; its parameters are filled from real objects of the security `world`
so that an answer of 200 would mean data really leaked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_ROUTE_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(?P<name>[^>]+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    key: str
    pattern: str
    methods: tuple[str, ...]
    is_api: bool


def _methods(callback) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(sorted({m.upper() for m in actions}))
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None and hasattr(view_class, "http_method_names"):
        names = [m.upper() for m in view_class.http_method_names if hasattr(view_class, m)]
        return tuple(sorted(set(names) & {"GET", "POST", "PUT", "PATCH", "DELETE"}))
    return ("GET", "POST")


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(resolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, prefix + str(entry.pattern), ns)
                continue
            assert isinstance(entry, URLPattern)
            pattern = prefix + str(entry.pattern)
            if entry.name:
                key = f"{namespace}:{entry.name}" if namespace else entry.name
                if "(?P<format>" in pattern:
                    key += ".format"
            else:
                key = pattern
            routes.append(
                Route(
                    key=key,
                    pattern=pattern,
                    methods=_methods(entry.callback),
                    is_api=pattern.startswith("api/"),
                )
            )

    walk(get_resolver(), "", "")
    return routes


def concrete_url(pattern: str, values: dict[str, str]) -> str:
    """`pattern` with each parameter replaced by values[name]; regex anchors removed."""

    def fill(match: re.Match) -> str:
        return str(values[match.group("name")])

    text = _REGEX_PARAM.sub(fill, pattern)
    text = _ROUTE_PARAM.sub(fill, text)
    text = text.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    return "/" + text
