"""Journey documents written from the database: the snapshot a revision stores, the export
document (snapshot plus opportunities), and applying a parsed document's settings and stages back
onto a journey. The parsing and validation rules are in journeys.services.documents."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from journeys.models import Journey, Stage, StageTouchpoint
from journeys.services.documents import DOCUMENT_FORMAT, LANE_FIELDS, STAGE_HAS_EVENTS, StageData


def journey_snapshot(journey: Journey) -> dict:
    """The journey's settings, stages, lanes and touchpoints as a JSON-ready document."""
    stages = (
        journey.stages.select_related("owner_department")
        .prefetch_related("stage_touchpoints__touchpoint")
        .order_by("order", "id")
    )
    return {
        "format": DOCUMENT_FORMAT,
        "slug": journey.slug,
        "name": journey.name,
        "description": journey.description,
        "persona": journey.persona.slug if journey.persona_id else None,
        "state": journey.state,
        "conversion_window_days": journey.conversion_window_days,
        "review_due": journey.review_due.isoformat() if journey.review_due else None,
        "stages": [
            {
                "slug": stage.slug,
                "name": stage.name,
                **{lane: getattr(stage, lane) for lane in LANE_FIELDS},
                "emotion_score": stage.emotion_score,
                "owner_department": (
                    stage.owner_department.slug if stage.owner_department_id else None
                ),
                "touchpoints": [
                    link.touchpoint.slug
                    for link in sorted(stage.stage_touchpoints.all(), key=lambda x: (x.order, x.id))
                ],
            }
            for stage in stages
        ],
    }


def journey_export(journey: Journey) -> dict:
    """The export document: the snapshot plus the journey's opportunities."""
    document = journey_snapshot(journey)
    document["opportunities"] = [
        {
            "title": opp.title,
            "how_might_we": opp.how_might_we,
            "stages": sorted(stage.slug for stage in opp.stages.all()),
            "touchpoints": sorted(tp.slug for tp in opp.touchpoints.all()),
            "status": opp.status,
            "kpi_key": opp.kpi_key,
            "target_change": opp.target_change,
        }
        for opp in journey.opportunity_set.prefetch_related("stages", "touchpoints")
    ]
    return document


def _apply_stages(journey: Journey, stages: list[StageData]) -> None:
    """Make the journey's stages exactly `stages` (matched by slug), in that order."""
    existing = {stage.slug: stage for stage in journey.stages.all()}
    wanted = {data.slug for data in stages}
    for slug, stage in existing.items():
        if slug not in wanted:
            if stage.events.exists():
                raise ValidationError({"stages": STAGE_HAS_EVENTS.format(value=slug)})
            stage.delete()
    for order, data in enumerate(stages):
        stage = existing.get(data.slug) or Stage(journey=journey, slug=data.slug)
        stage.name = data.name
        stage.order = order
        stage.emotion_score = data.emotion_score
        stage.owner_department = data.owner_department
        for lane, value in data.lanes.items():
            setattr(stage, lane, value)
        stage.full_clean(validate_unique=False)
        stage.save()
        StageTouchpoint.objects.filter(stage=stage).delete()
        StageTouchpoint.objects.bulk_create(
            StageTouchpoint(stage=stage, touchpoint=touchpoint, order=position)
            for position, touchpoint in enumerate(data.touchpoints)
        )


def _apply_settings(journey: Journey, settings: dict) -> None:
    for name, value in settings.items():
        setattr(journey, name, value)
    journey.full_clean(validate_unique=False)
    journey.save()
