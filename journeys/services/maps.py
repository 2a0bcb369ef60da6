"""Writes for journey maps: settings, import and duplication, and opportunities. Stage, lane and
touchpoint edits live in journeys.services.stages and revisions in journeys.services.revisions;
this module re-exports them, so `journeys.services.maps` stays the one door for map writes.

Every edit records a JourneyRevision in the same transaction, so the history is never behind the
map and a failed edit leaves neither a change nor a revision.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys import overlay
from journeys.models import (
    Journey,
    Opportunity,
    Persona,
    Stage,
    Touchpoint,
)
from journeys.services.documents import (
    BASELINE_DAYS,
    JOURNEY_SLUG_RESERVED,
    JOURNEY_SLUG_TAKEN,
    KPI_KEYS,
    RESERVED_JOURNEY_SLUGS,
    UNKNOWN_KPI,
    UNKNOWN_STAGES,
    _is_user,
    _slug,
    journey_document_parse,
)
from journeys.services.revisions import revision_publish, revision_record, revision_restore
from journeys.services.snapshots import (
    _apply_settings,
    _apply_stages,
    journey_export,
    journey_snapshot,
)
from journeys.services.stages import (
    stage_add,
    stage_move,
    stage_remove,
    stage_touchpoint_add,
    stage_touchpoint_move,
    stage_touchpoint_remove,
    stage_update,
)

__all__ = [
    "KPI_KEYS",
    "ValidationError",
    "journey_create",
    "journey_document_parse",
    "journey_duplicate",
    "journey_export",
    "journey_import",
    "journey_snapshot",
    "journey_update",
    "opportunity_delete",
    "opportunity_save",
    "revision_publish",
    "revision_record",
    "revision_restore",
    "stage_add",
    "stage_move",
    "stage_remove",
    "stage_touchpoint_add",
    "stage_touchpoint_move",
    "stage_touchpoint_remove",
    "stage_update",
]


def _check_new_journey_slug(slug: str) -> None:
    """Every way of creating a journey (page, API, JSON import, duplicate) comes through here."""
    if slug in RESERVED_JOURNEY_SLUGS:
        raise ValidationError({"slug": JOURNEY_SLUG_RESERVED.format(value=slug)})
    if Journey.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": JOURNEY_SLUG_TAKEN.format(value=slug)})


@transaction.atomic
def journey_import(*, data, actor, slug: str | None = None) -> Journey:
    """Create a journey, its stages and opportunities from a document: all of it, or nothing."""
    slug = _slug(
        slug if slug is not None else data.get("slug") if isinstance(data, dict) else None, "slug"
    )
    parsed = journey_document_parse(data)
    _check_new_journey_slug(slug)
    journey = Journey(slug=slug, owner=actor if _is_user(actor) else None)
    _apply_settings(journey, parsed.settings)
    _apply_stages(journey, parsed.stages)
    stages = {stage.slug: stage for stage in journey.stages.all()}
    for item in parsed.opportunities:
        opportunity = Opportunity(
            journey=journey,
            title=item.title,
            how_might_we=item.how_might_we,
            status=item.status,
            kpi_key=item.kpi_key,
            target_change=item.target_change,
            solved_at=timezone.now() if item.status == Opportunity.Status.SOLVED else None,
        )
        opportunity.full_clean()
        opportunity.save()
        opportunity.stages.set([stages[s] for s in item.stage_slugs])
        opportunity.touchpoints.set(item.touchpoints)
    revision_record(journey=journey, author=actor, summary=_("Imported"))
    return journey


# ---------------------------------------------------------------- journey edits


@transaction.atomic
def journey_create(
    *,
    slug: str,
    name: str,
    actor,
    persona: Persona | None = None,
    state: str = Journey.State.CURRENT,
    conversion_window_days: int = 30,
    owner=None,
    review_due: date | None = None,
    description: str = "",
) -> Journey:
    _check_new_journey_slug(slug)
    journey = Journey(
        slug=slug,
        name=name,
        persona=persona,
        state=state,
        conversion_window_days=conversion_window_days,
        owner=owner,
        review_due=review_due,
        description=description,
    )
    journey.full_clean()
    journey.save()
    revision_record(journey=journey, author=actor, summary=_("Created"))
    return journey


JOURNEY_EDITABLE = (
    "name",
    "description",
    "persona",
    "state",
    "conversion_window_days",
    "owner",
    "review_due",
)


@transaction.atomic
def journey_update(*, journey: Journey, actor, **changes) -> Journey:
    unknown = set(changes) - set(JOURNEY_EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(journey, name, value)
    journey.full_clean()
    journey.save()
    revision_record(journey=journey, author=actor, summary=_("Settings changed"))
    return journey


@transaction.atomic
def journey_duplicate(*, journey: Journey, actor, slug: str, name: str) -> Journey:
    """Copy a journey as a future-state version (based_on the original), opportunities included."""
    document = journey_export(journey)
    document.update(name=name, state=Journey.State.FUTURE)
    copy = journey_import(data=document, actor=actor, slug=slug)
    copy.based_on = journey
    copy.persona = journey.persona
    copy.save(update_fields=["based_on", "persona", "updated_at"])
    return copy


def _baseline_for(*, kpi_key: str, touchpoints: list[Touchpoint], today: date) -> float | None:
    """The mean of the touchpoints' frozen values of one KPI (None when nothing is measured)."""
    if not kpi_key or not touchpoints:
        return None
    values = overlay.baseline(
        [tp.id for tp in touchpoints], today - timedelta(days=BASELINE_DAYS - 1), today
    )
    numbers = [kpis.get(kpi_key) for kpis in values.values() if kpis.get(kpi_key) is not None]
    return sum(numbers) / len(numbers) if numbers else None


@transaction.atomic
def opportunity_save(
    *,
    journey: Journey,
    actor,
    title: str,
    opportunity: Opportunity | None = None,
    how_might_we: str = "",
    stages: list[Stage] | tuple = (),
    touchpoints: list[Touchpoint] | tuple = (),
    owner=None,
    status: str = Opportunity.Status.OPEN,
    kpi_key: str = "",
    target_change: float | None = None,
) -> Opportunity:
    """Create or edit an opportunity. Its KPI baseline is frozen the first time it names a KPI,
    so 'solved' can later be judged by the measured change since."""
    if kpi_key and kpi_key not in KPI_KEYS:
        raise ValidationError({"kpi_key": UNKNOWN_KPI.format(value=kpi_key)})
    foreign = [stage.slug for stage in stages if stage.journey_id != journey.pk]
    if foreign:
        raise ValidationError({"stages": UNKNOWN_STAGES.format(value=", ".join(foreign))})
    opportunity = opportunity or Opportunity(journey=journey)
    was_solved = opportunity.status == Opportunity.Status.SOLVED and opportunity.pk
    kpi_changed = opportunity.kpi_key != kpi_key
    opportunity.title = title
    opportunity.how_might_we = how_might_we
    opportunity.owner = owner
    opportunity.status = status
    opportunity.kpi_key = kpi_key
    opportunity.target_change = target_change
    if status == Opportunity.Status.SOLVED and not was_solved:
        opportunity.solved_at = timezone.now()
    elif status != Opportunity.Status.SOLVED:
        opportunity.solved_at = None
    if kpi_changed or (opportunity.baseline_value is None and kpi_key):
        opportunity.baseline_value = _baseline_for(
            kpi_key=kpi_key, touchpoints=list(touchpoints), today=timezone.localdate()
        )
    opportunity.full_clean()
    opportunity.save()
    opportunity.stages.set(stages)
    opportunity.touchpoints.set(touchpoints)
    revision_record(
        journey=journey, author=actor, summary=_("Opportunity %(title)s saved") % {"title": title}
    )
    return opportunity


@transaction.atomic
def opportunity_delete(*, opportunity: Opportunity, actor) -> None:
    journey = opportunity.journey
    title = opportunity.title
    opportunity.delete()
    revision_record(
        journey=journey, author=actor, summary=_("Opportunity %(title)s removed") % {"title": title}
    )
