"""Stage edits of a journey map: add, move, rename and remove stages, edit their lanes, and place
touchpoints in them. Each edit records a revision in the same transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from journeys.models import (
    Journey,
    Stage,
    StageTouchpoint,
    Touchpoint,
)
from journeys.services.documents import (
    BAD_CHOICE,
    LANE_FIELDS,
    MAX_STAGES,
    MAX_TOUCHPOINTS_PER_STAGE,
    MOVE_DIRECTIONS,
    RESERVED_STAGE_SLUGS,
    STAGE_HAS_EVENTS,
    STAGE_SLUG_RESERVED,
    STAGE_SLUG_TAKEN,
    TOO_MANY,
    TOUCHPOINT_ALREADY_IN_STAGE,
)
from journeys.services.revisions import revision_record


def _renumber_stages(journey: Journey) -> None:
    for order, stage in enumerate(journey.stages.order_by("order", "id")):
        if stage.order != order:
            Stage.objects.filter(pk=stage.pk).update(order=order)


@transaction.atomic
def stage_add(*, journey: Journey, slug: str, name: str, actor) -> Stage:
    if slug in RESERVED_STAGE_SLUGS:
        raise ValidationError({"slug": STAGE_SLUG_RESERVED.format(value=slug)})
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
            summary=(
                _("Stage %(name)s moved up")
                if direction == "up"
                else _("Stage %(name)s moved down")
            )
            % {"name": stage.name},
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
