"""Journey events pushed by other systems: one event or a batch, validated completely first and
written all together or not at all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journeys.models import Channel, Customer, Journey, JourneyEvent, Stage, Touchpoint
from journeys.services import customer_resolve, effective_time

MAX_BATCH = 1000
UNKNOWN_JOURNEY = gettext_lazy("Unknown journey '{value}'.")
UNKNOWN_STAGE = gettext_lazy("Unknown stage '{value}'.")
STAGE_NOT_IN_JOURNEY = gettext_lazy("Stage '{value}' is not a stage of journey '{journey}'.")
UNKNOWN_TOUCHPOINT = gettext_lazy("Unknown touchpoint '{value}'.")
UNKNOWN_CHANNEL = gettext_lazy("Unknown channel '{value}'.")
BATCH_TOO_LARGE = gettext_lazy("At most {limit} events per request.")
BATCH_EMPTY = gettext_lazy("Send at least one event.")
BAD_DEVICE = gettext_lazy("A device is a short slug such as desktop, mobile or tablet.")
DEVICE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,19}$")


@dataclass(frozen=True)
class EventInput:
    """One event as parsed by the API: slugs and values, not yet looked up."""

    customer: str
    journey: str
    stage: str
    touchpoint: str
    type: str
    occurred_at: datetime | None = None
    device: str = ""
    channel: str | None = None


class EventBatchError(ValidationError):
    """A batch failed: `index` is the position of the first bad event, `errors` its field errors."""

    def __init__(self, index: int, errors: dict[str, list[str]]):
        self.index = index
        self.errors = errors
        super().__init__(_("Event %(index)s is invalid; no event was stored.") % {"index": index})


def _lookups(events: list[EventInput]):
    journeys = {j.slug: j for j in Journey.objects.filter(slug__in={e.journey for e in events})}
    stages: dict[tuple[int, str], Stage] = {
        (stage.journey_id, stage.slug): stage
        for stage in Stage.objects.filter(journey__in=journeys.values())
    }
    stage_slugs_anywhere = set(
        Stage.objects.filter(slug__in={e.stage for e in events}).values_list("slug", flat=True)
    )
    touchpoints = {
        tp.slug: tp
        for tp in Touchpoint.objects.select_related("channel").filter(
            slug__in={e.touchpoint for e in events}
        )
    }
    channels = {c.slug: c for c in Channel.objects.all()}
    return journeys, stages, stage_slugs_anywhere, touchpoints, channels


def journey_events_record(*, events: list[EventInput], user) -> list[JourneyEvent]:
    """Validate every event, then store them all in one transaction; the first bad event raises
    EventBatchError naming its index and the offending value."""
    if not events:
        raise EventBatchError(0, {"non_field_errors": [BATCH_EMPTY]})
    if len(events) > MAX_BATCH:
        raise EventBatchError(
            MAX_BATCH, {"non_field_errors": [BATCH_TOO_LARGE.format(limit=MAX_BATCH)]}
        )
    journeys, stages, stage_slugs_anywhere, touchpoints, channels = _lookups(events)
    rows: list[tuple[EventInput, dict]] = []
    for index, event in enumerate(events):
        errors: dict[str, list[str]] = {}
        journey = journeys.get(event.journey)
        if journey is None:
            errors["journey"] = [UNKNOWN_JOURNEY.format(value=event.journey)]
        stage = stages.get((journey.pk, event.stage)) if journey else None
        if journey and stage is None:
            message = (
                STAGE_NOT_IN_JOURNEY.format(value=event.stage, journey=event.journey)
                if event.stage in stage_slugs_anywhere
                else UNKNOWN_STAGE.format(value=event.stage)
            )
            errors["stage"] = [message]
        touchpoint = touchpoints.get(event.touchpoint)
        if touchpoint is None:
            errors["touchpoint"] = [UNKNOWN_TOUCHPOINT.format(value=event.touchpoint)]
        channel = None
        if event.channel:
            channel = channels.get(event.channel)
            if channel is None:
                errors["channel"] = [UNKNOWN_CHANNEL.format(value=event.channel)]
        elif touchpoint is not None:
            channel = touchpoint.channel
        if event.device and not DEVICE_PATTERN.match(event.device):
            errors["device"] = [BAD_DEVICE]
        try:
            occurred_at = effective_time(user=user, requested=event.occurred_at)
        except ValidationError as error:
            errors["occurred_at"] = list(error.messages)
            occurred_at = None
        if errors:
            raise EventBatchError(index, errors)
        rows.append(
            (
                event,
                {
                    "journey": journey,
                    "stage": stage,
                    "touchpoint": touchpoint,
                    "channel": channel,
                    "device": event.device,
                    "type": event.type,
                    "occurred_at": occurred_at,
                },
            )
        )

    with transaction.atomic():
        customers = {
            c.external_id: c
            for c in Customer.objects.filter(external_id__in={e.customer for e in events})
        }
        first_seen: dict[str, datetime] = {}
        for event, fields in rows:
            seen = first_seen.get(event.customer)
            if seen is None or fields["occurred_at"] < seen:
                first_seen[event.customer] = fields["occurred_at"]
        for external_id, seen_at in first_seen.items():
            if external_id not in customers:
                customers[external_id] = customer_resolve(external_id=external_id, seen_at=seen_at)
        created = JourneyEvent.objects.bulk_create(
            JourneyEvent(customer=customers[event.customer], **fields) for event, fields in rows
        )
    return created
