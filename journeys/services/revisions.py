"""Journey revisions: every map edit snapshots the journey in the edit's own transaction; a
revision can be restored (itself a new revision) or published with frozen KPI baselines."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys import overlay
from journeys.models import (
    Journey,
    JourneyRevision,
    Touchpoint,
)
from journeys.services.documents import (
    BASELINE_DAYS,
    _is_user,
    journey_document_parse,
)
from journeys.services.snapshots import _apply_settings, _apply_stages, journey_snapshot


def revision_record(*, journey: Journey, author, summary: str) -> JourneyRevision:
    """Snapshot the journey as the next revision (call inside the edit's transaction)."""
    # Lock the journey row so two concurrent edits cannot take the same revision number.
    Journey.objects.select_for_update().filter(pk=journey.pk).first()
    last = journey.revisions.aggregate(last=Max("number"))["last"] or 0
    return JourneyRevision.objects.create(
        journey=journey,
        number=last + 1,
        author=author if _is_user(author) else None,
        summary=summary[:200],
        snapshot=journey_snapshot(journey),
    )


@transaction.atomic
def revision_restore(*, revision: JourneyRevision, actor) -> JourneyRevision:
    """Bring the journey back to an earlier snapshot; the restore is itself a new revision."""
    journey = revision.journey
    parsed = journey_document_parse(revision.snapshot)
    _apply_settings(journey, parsed.settings)
    _apply_stages(journey, parsed.stages)
    return revision_record(
        journey=journey,
        author=actor,
        summary=_("Restored revision %(number)s") % {"number": revision.number},
    )


@transaction.atomic
def revision_publish(
    *, revision: JourneyRevision, actor, today: date | None = None
) -> JourneyRevision:
    """Publish a revision and freeze its touchpoints' KPI values over the last 90 days."""
    today = today or timezone.localdate()
    start = today - timedelta(days=BASELINE_DAYS - 1)
    slugs = sorted(
        {slug for stage in revision.snapshot.get("stages", []) for slug in stage["touchpoints"]}
    )
    touchpoints = dict(Touchpoint.objects.filter(slug__in=slugs).values_list("id", "slug"))
    values = overlay.baseline(list(touchpoints), start, today)
    revision.is_published = True
    revision.baseline = {
        "start": start.isoformat(),
        "end": today.isoformat(),
        "published_by": actor.get_username() if _is_user(actor) else "",
        "values": {
            touchpoints[tp_id]: kpis for tp_id, kpis in values.items() if tp_id in touchpoints
        },
    }
    revision.save(update_fields=["is_published", "baseline"])
    return revision
