"""The customer timeline: tickets and surveys register providers here in AppConfig.ready(), so the
agent's pages can show a customer's whole history without journeys importing the apps above it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "ticket", "response", "journey_event", ...
    title: str
    channel: str = ""
    touchpoint: str = ""
    url: str = ""
    detail: str = ""
    tone: str = ""  # "good", "bad" or "" for neutral: drives the colour of the marker
    extra: dict = field(default_factory=dict)


# A provider takes (customer, user, limit) and returns entries that user may see.
TimelineProvider = Callable[..., Iterable[TimelineEntry]]
_PROVIDERS: dict[str, TimelineProvider] = {}


def register_timeline_provider(name: str, provider: TimelineProvider) -> None:
    _PROVIDERS[name] = provider


def customer_timeline(*, customer, user, limit: int = 50) -> list[TimelineEntry]:
    """All providers' entries for one customer, newest first, at most `limit`."""
    entries: list[TimelineEntry] = []
    for provider in _PROVIDERS.values():
        entries.extend(provider(customer=customer, user=user, limit=limit))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]


def _journey_events(*, customer, user, limit: int) -> list[TimelineEntry]:
    if not user.has_perm("journeys.view_journey"):
        return []
    events = customer.journey_events.select_related(
        "journey", "stage", "touchpoint", "channel"
    ).order_by("-occurred_at")[:limit]
    return [
        TimelineEntry(
            at=event.occurred_at,
            kind="journey_event",
            title=f"{event.get_type_display()}: {event.stage.name}",
            channel=event.channel.name,
            touchpoint=event.touchpoint.name,
            detail=event.journey.name,
            tone="bad" if event.type == "abandoned" else "",
        )
        for event in events
    ]


register_timeline_provider("journey_events", _journey_events)
