"""Writes for journey maps: settings, stages, lanes, touchpoints, opportunities and revisions.

Every edit records a JourneyRevision in the same transaction, so the history is never behind the
map and a failed edit leaves neither a change nor a revision.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys import overlay
from journeys.models import (
    Journey,
    JourneyRevision,
    Opportunity,
    Persona,
    Stage,
    StageTouchpoint,
    Touchpoint,
)
from journeys.services.documents import (
    BAD_CHOICE,
    BASELINE_DAYS,
    JOURNEY_SLUG_TAKEN,
    KPI_KEYS,
    LANE_FIELDS,
    MAX_STAGES,
    MAX_TOUCHPOINTS_PER_STAGE,
    MOVE_DIRECTIONS,
    STAGE_HAS_EVENTS,
    STAGE_SLUG_TAKEN,
    TOO_MANY,
    TOUCHPOINT_ALREADY_IN_STAGE,
    UNKNOWN_KPI,
    UNKNOWN_STAGES,
    _apply_settings,
    _apply_stages,
    _is_user,
    _slug,
    journey_document_parse,
    journey_export,
    journey_snapshot,
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


@transaction.atomic
def journey_import(*, data, actor, slug: str | None = None) -> Journey:
    """Create a journey, its stages and opportunities from a document: all of it, or nothing."""
    slug = _slug(
        slug if slug is not None else data.get("slug") if isinstance(data, dict) else None, "slug"
    )
    parsed = journey_document_parse(data)
    if Journey.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": JOURNEY_SLUG_TAKEN.format(value=slug)})
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


# ---------------------------------------------------------------- revisions


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
    if Journey.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": JOURNEY_SLUG_TAKEN.format(value=slug)})
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


def _renumber_stages(journey: Journey) -> None:
    for order, stage in enumerate(journey.stages.order_by("order", "id")):
        if stage.order != order:
            Stage.objects.filter(pk=stage.pk).update(order=order)


@transaction.atomic
def stage_add(*, journey: Journey, slug: str, name: str, actor) -> Stage:
    if journey.stages.filter(slug=slug).exists():
        raise ValidationError({"slug": STAGE_SLUG_TAKEN.format(value=slug)})
    if journey.stages.count() >= MAX_STAGES:
        raise ValidationError({"slug": TOO_MANY.format(limit=MAX_STAGES)})
    last = journey.stages.aggregate(last=Max("order"))["last"]
    stage = Stage(journey=journey, slug=slug, name=name, order=0 if last is None else last + 1)
    stage.full_clean()
    stage.save()
    revision_record(
        journey=journey, author=actor, summary=_("Stage %(name)s added") % {"name": name}
    )
    return stage


@transaction.atomic
def stage_move(*, stage: Stage, direction: str, actor) -> Stage:
    """Swap a stage with its neighbour; orders stay 0..n-1."""
    if direction not in MOVE_DIRECTIONS:
        raise ValidationError({"direction": BAD_CHOICE.format(value=direction, choices="up, down")})
    journey = stage.journey
    _renumber_stages(journey)
    ordered = list(journey.stages.order_by("order", "id"))
    index = next(i for i, s in enumerate(ordered) if s.pk == stage.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for order, item in enumerate(ordered):
            Stage.objects.filter(pk=item.pk).update(order=order)
        revision_record(
            journey=journey,
            author=actor,
            summary=_("Stage %(name)s moved %(direction)s")
            % {"name": stage.name, "direction": direction},
        )
    stage.refresh_from_db()
    return stage


@transaction.atomic
def stage_remove(*, stage: Stage, actor) -> None:
    if stage.events.exists():
        raise ValidationError({"stage": STAGE_HAS_EVENTS.format(value=stage.slug)})
    journey = stage.journey
    name = stage.name
    stage.delete()
    _renumber_stages(journey)
    revision_record(
        journey=journey, author=actor, summary=_("Stage %(name)s removed") % {"name": name}
    )


STAGE_EDITABLE = ("name", "emotion_score", "owner_department", *LANE_FIELDS)


@transaction.atomic
def stage_update(*, stage: Stage, actor, **changes) -> Stage:
    """Rename a stage or fill its lanes."""
    unknown = set(changes) - set(STAGE_EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(stage, name, value)
    stage.full_clean()
    stage.save()
    revision_record(
        journey=stage.journey,
        author=actor,
        summary=_("Lanes of %(name)s edited") % {"name": stage.name},
    )
    return stage


@transaction.atomic
def stage_touchpoint_add(*, stage: Stage, touchpoint: Touchpoint, actor) -> StageTouchpoint:
    if stage.stage_touchpoints.filter(touchpoint=touchpoint).exists():
        raise ValidationError(
            {"touchpoint": TOUCHPOINT_ALREADY_IN_STAGE.format(value=touchpoint.slug)}
        )
    if stage.stage_touchpoints.count() >= MAX_TOUCHPOINTS_PER_STAGE:
        raise ValidationError({"touchpoint": TOO_MANY.format(limit=MAX_TOUCHPOINTS_PER_STAGE)})
    last = stage.stage_touchpoints.aggregate(last=Max("order"))["last"]
    link = StageTouchpoint.objects.create(
        stage=stage, touchpoint=touchpoint, order=0 if last is None else last + 1
    )
    revision_record(
        journey=stage.journey,
        author=actor,
        summary=_("%(touchpoint)s added to %(stage)s")
        % {"touchpoint": touchpoint.name, "stage": stage.name},
    )
    return link


@transaction.atomic
def stage_touchpoint_move(*, link: StageTouchpoint, direction: str, actor) -> None:
    if direction not in MOVE_DIRECTIONS:
        raise ValidationError({"direction": BAD_CHOICE.format(value=direction, choices="up, down")})
    ordered = list(link.stage.stage_touchpoints.order_by("order", "id"))
    index = next(i for i, item in enumerate(ordered) if item.pk == link.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for order, item in enumerate(ordered):
        StageTouchpoint.objects.filter(pk=item.pk).update(order=order)
    revision_record(
        journey=link.stage.journey,
        author=actor,
        summary=_("Touchpoints of %(stage)s reordered") % {"stage": link.stage.name},
    )


@transaction.atomic
def stage_touchpoint_remove(*, link: StageTouchpoint, actor) -> None:
    stage = link.stage
    name = link.touchpoint.name
    link.delete()
    for order, item in enumerate(stage.stage_touchpoints.order_by("order", "id")):
        StageTouchpoint.objects.filter(pk=item.pk).update(order=order)
    revision_record(
        journey=stage.journey,
        author=actor,
        summary=_("%(touchpoint)s removed from %(stage)s")
        % {"touchpoint": name, "stage": stage.name},
    )


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
