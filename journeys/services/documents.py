"""The journey document: one JSON shape for export, import, revision snapshots and the nested
journeys API, validated completely (journey_document_parse) before anything is written. Writing
documents from the database (snapshot, export, apply) is in journeys.services.snapshots."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journeys.models import (
    Department,
    Journey,
    Opportunity,
    Persona,
    Touchpoint,
)

DOCUMENT_FORMAT = "cxhub.journey/1"
# The KPI keys of PRODUCT.md an opportunity may promise to move, with their names as the
# dashboards show them (same messages as metrics' KPI registry, which journeys cannot import),
# so forms and the map read "Net Promoter Score", not "nps".
KPI_LABELS = {
    "nps": gettext_lazy("Net Promoter Score"),
    "csat": gettext_lazy("Customer satisfaction"),
    "csat_mean": gettext_lazy("CSAT mean score"),
    "ces": gettext_lazy("Customer effort score"),
    "response_rate": gettext_lazy("Response rate"),
    "closed_loop_rate": gettext_lazy("Closed-loop rate"),
    "frt": gettext_lazy("First response time"),
    "frt_business": gettext_lazy("First response time (business hours)"),
    "resolution_time": gettext_lazy("Resolution time"),
    "resolution_time_business": gettext_lazy("Resolution time (business hours)"),
    "fcr": gettext_lazy("First contact resolution"),
    "sla_breach_rate": gettext_lazy("SLA breach rate"),
    "ticket_volume": gettext_lazy("Ticket volume"),
    "backlog": gettext_lazy("Backlog"),
    "reopen_rate": gettext_lazy("Reopen rate"),
    "churn_rate": gettext_lazy("Churn rate"),
    "retention_rate": gettext_lazy("Retention rate"),
    "stage_conversion": gettext_lazy("Stage conversion"),
    "drop_off": gettext_lazy("Drop-off"),
    "open_rate": gettext_lazy("Open rate"),
    "click_rate": gettext_lazy("Click rate"),
    "conversion_rate": gettext_lazy("Conversion rate"),
}
KPI_KEYS = tuple(KPI_LABELS)
BASELINE_DAYS = 90
MAX_STAGES = 30
MAX_TOUCHPOINTS_PER_STAGE = 40
MAX_OPPORTUNITIES = 200
LANE_FIELDS = ("goals", "actions", "thoughts", "pain_points", "opportunities")

STAGE_HAS_EVENTS = gettext_lazy("Stage '{value}' has journey events and cannot be removed.")
STAGE_SLUG_TAKEN = gettext_lazy("This journey already has a stage '{value}'.")
TOUCHPOINT_ALREADY_IN_STAGE = gettext_lazy("Touchpoint '{value}' is already in this stage.")
UNKNOWN_TOUCHPOINTS = gettext_lazy("Unknown touchpoints: {value}.")
UNKNOWN_STAGES = gettext_lazy("Unknown stages: {value}.")
UNKNOWN_PERSONA = gettext_lazy("Unknown persona '{value}'.")
UNKNOWN_DEPARTMENT = gettext_lazy("Unknown department '{value}'.")
UNKNOWN_KPI = gettext_lazy("Unknown KPI '{value}'.")
JOURNEY_SLUG_TAKEN = gettext_lazy("A journey with slug '{value}' already exists.")
JOURNEY_SLUG_RESERVED = gettext_lazy("'{value}' is a reserved page address; choose another slug.")
# journeys/new/ and journeys/import/ are pages, so a journey with such a slug could not be opened.
RESERVED_JOURNEY_SLUGS = frozenset({"new", "import"})
STAGE_SLUG_RESERVED = gettext_lazy(
    "'{value}' is a reserved page address; choose another stage slug."
)
# .../stages/new/ is the add-stage page, so a stage slugged "new" could never be opened.
RESERVED_STAGE_SLUGS = frozenset({"new"})
DUPLICATE_STAGE_SLUG = gettext_lazy("Stage slug '{value}' appears twice.")
NOT_AN_OBJECT = gettext_lazy("Expected a JSON object.")
NOT_A_LIST = gettext_lazy("Expected a list.")
NUL_NOT_ALLOWED = gettext_lazy("Null characters are not allowed.")
TOO_LONG = gettext_lazy("At most {limit} characters.")
TOO_MANY = gettext_lazy("At most {limit} items.")
REQUIRED = gettext_lazy("This field is required.")
BAD_SLUG = gettext_lazy("Use letters, numbers, hyphens or underscores.")
BAD_EMOTION = gettext_lazy("The emotion score is a whole number from -2 to 2.")
BAD_WINDOW = gettext_lazy("The conversion window is a whole number of days from 1 to 365.")
BAD_DATE = gettext_lazy("Use a date as YYYY-MM-DD.")
BAD_CHOICE = gettext_lazy("'{value}' is not one of {choices}.")
BAD_NUMBER = gettext_lazy("Expected a number.")
MOVE_DIRECTIONS = ("up", "down")
FIELD_NOT_ACCEPTED = gettext_lazy("This field is not accepted here.")
DOCUMENT_KEYS = frozenset(
    {
        "format",
        "slug",
        "name",
        "description",
        "persona",
        "state",
        "conversion_window_days",
        "review_due",
        "stages",
        "opportunities",
    }
)
STAGE_KEYS = frozenset(
    {"slug", "name", "emotion_score", "owner_department", "touchpoints", *LANE_FIELDS}
)


# ---------------------------------------------------------------- document parsing


@dataclass
class StageData:
    slug: str
    name: str
    lanes: dict
    emotion_score: int | None
    owner_department: Department | None
    touchpoints: list[Touchpoint]


@dataclass
class OpportunityData:
    title: str
    how_might_we: str
    stage_slugs: list[str]
    touchpoints: list[Touchpoint]
    status: str
    kpi_key: str
    target_change: float | None


@dataclass
class JourneyData:
    settings: dict
    stages: list[StageData]
    opportunities: list[OpportunityData]


def _text(value, field: str, *, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Expected text.")})
    if "\x00" in value:
        raise ValidationError({field: NUL_NOT_ALLOWED})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: REQUIRED})
    if len(value) > limit:
        raise ValidationError({field: TOO_LONG.format(limit=limit)})
    return value


def _slug(value, field: str, *, limit: int = 60) -> str:
    value = _text(value, field, limit=limit, required=True)
    if slugify(value) != value.lower() or value != value.lower():
        raise ValidationError({field: BAD_SLUG})
    return value


def _list(value, field: str, *, limit: int) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError({field: NOT_A_LIST})
    if len(value) > limit:
        raise ValidationError({field: TOO_MANY.format(limit=limit)})
    return value


def _emotion(value, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not -2 <= value <= 2:
        raise ValidationError({field: BAD_EMOTION})
    return value


def _touchpoints_by_slug(slugs_by_field: dict[str, list[str]]) -> dict[str, Touchpoint]:
    """One query for every touchpoint the document names; unknown slugs are named in the error."""
    wanted = {slug for slugs in slugs_by_field.values() for slug in slugs}
    found = {tp.slug: tp for tp in Touchpoint.objects.filter(slug__in=wanted)}
    for field, slugs in slugs_by_field.items():
        missing = sorted({slug for slug in slugs if slug not in found})
        if missing:
            raise ValidationError({field: UNKNOWN_TOUCHPOINTS.format(value=", ".join(missing))})
    return found


def journey_document_parse(data, *, with_settings: bool = True) -> JourneyData:
    """Validate a journey document (export format) completely before anything is written.

    Errors name the place, e.g. {"stages[2].touchpoints": "Unknown touchpoints: fax-desk."}.
    """
    if not isinstance(data, dict):
        raise ValidationError({"document": NOT_AN_OBJECT})
    unknown = sorted(set(data) - DOCUMENT_KEYS)
    if unknown:
        raise ValidationError({unknown[0]: FIELD_NOT_ACCEPTED})
    settings: dict = {}
    if with_settings:
        settings["name"] = _text(data.get("name"), "name", limit=150, required=True)
        settings["description"] = _text(data.get("description"), "description", limit=5000)
        persona_slug = data.get("persona")
        settings["persona"] = None
        if persona_slug not in (None, ""):
            persona_slug = _text(persona_slug, "persona", limit=50)
            settings["persona"] = Persona.objects.filter(slug=persona_slug).first()
            if settings["persona"] is None:
                raise ValidationError({"persona": UNKNOWN_PERSONA.format(value=persona_slug)})
        state = data.get("state", Journey.State.CURRENT)
        if state not in Journey.State.values:
            raise ValidationError(
                {"state": BAD_CHOICE.format(value=state, choices=", ".join(Journey.State.values))}
            )
        settings["state"] = state
        window = data.get("conversion_window_days", 30)
        if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 365:
            raise ValidationError({"conversion_window_days": BAD_WINDOW})
        settings["conversion_window_days"] = window
        review_due = data.get("review_due")
        settings["review_due"] = None
        if review_due not in (None, ""):
            parsed = parse_date(review_due) if isinstance(review_due, str) else None
            if parsed is None:
                raise ValidationError({"review_due": BAD_DATE})
            settings["review_due"] = parsed

    raw_stages = _list(data.get("stages"), "stages", limit=MAX_STAGES)
    touchpoint_slugs: dict[str, list[str]] = {}
    departments = {d.slug: d for d in Department.objects.all()}
    stages: list[StageData] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_stages):
        where = f"stages[{index}]"
        if not isinstance(raw, dict):
            raise ValidationError({where: NOT_AN_OBJECT})
        unknown = sorted(set(raw) - STAGE_KEYS)
        if unknown:
            raise ValidationError({f"{where}.{unknown[0]}": FIELD_NOT_ACCEPTED})
        slug = _slug(raw.get("slug"), f"{where}.slug")
        if slug in RESERVED_STAGE_SLUGS:
            raise ValidationError({f"{where}.slug": STAGE_SLUG_RESERVED.format(value=slug)})
        if slug in seen:
            raise ValidationError({f"{where}.slug": DUPLICATE_STAGE_SLUG.format(value=slug)})
        seen.add(slug)
        lanes = {lane: _text(raw.get(lane), f"{where}.{lane}", limit=5000) for lane in LANE_FIELDS}
        department_slug = raw.get("owner_department")
        department = None
        if department_slug not in (None, ""):
            department = departments.get(department_slug)
            if department is None:
                raise ValidationError(
                    {
                        f"{where}.owner_department": UNKNOWN_DEPARTMENT.format(
                            value=_text(department_slug, f"{where}.owner_department", limit=50)
                        )
                    }
                )
        slugs = _list(
            raw.get("touchpoints"), f"{where}.touchpoints", limit=MAX_TOUCHPOINTS_PER_STAGE
        )
        slugs = [_text(s, f"{where}.touchpoints", limit=60, required=True) for s in slugs]
        if len(set(slugs)) != len(slugs):
            raise ValidationError({f"{where}.touchpoints": _("A touchpoint appears twice.")})
        touchpoint_slugs[f"{where}.touchpoints"] = slugs
        stages.append(
            StageData(
                slug=slug,
                name=_text(raw.get("name"), f"{where}.name", limit=120, required=True),
                lanes=lanes,
                emotion_score=_emotion(raw.get("emotion_score"), f"{where}.emotion_score"),
                owner_department=department,
                touchpoints=[],
            )
        )
        stages[-1].touchpoints = slugs  # resolved below, once for the whole document

    raw_opportunities = _list(data.get("opportunities"), "opportunities", limit=MAX_OPPORTUNITIES)
    opportunity_raw: list[tuple[str, dict]] = []
    for index, raw in enumerate(raw_opportunities):
        where = f"opportunities[{index}]"
        if not isinstance(raw, dict):
            raise ValidationError({where: NOT_AN_OBJECT})
        slugs = _list(raw.get("touchpoints"), f"{where}.touchpoints", limit=100)
        touchpoint_slugs[f"{where}.touchpoints"] = [
            _text(s, f"{where}.touchpoints", limit=60, required=True) for s in slugs
        ]
        opportunity_raw.append((where, raw))

    found = _touchpoints_by_slug(touchpoint_slugs)
    for index, stage in enumerate(stages):
        stage.touchpoints = [
            found[slug] for slug in touchpoint_slugs[f"stages[{index}].touchpoints"]
        ]

    opportunities: list[OpportunityData] = []
    for where, raw in opportunity_raw:
        stage_slugs = _list(raw.get("stages"), f"{where}.stages", limit=MAX_STAGES)
        missing = sorted({str(s) for s in stage_slugs if s not in seen})
        if missing:
            raise ValidationError(
                {f"{where}.stages": UNKNOWN_STAGES.format(value=", ".join(missing))}
            )
        status = raw.get("status", Opportunity.Status.OPEN)
        if status not in Opportunity.Status.values:
            raise ValidationError(
                {
                    f"{where}.status": BAD_CHOICE.format(
                        value=status, choices=", ".join(Opportunity.Status.values)
                    )
                }
            )
        kpi_key = _text(raw.get("kpi_key"), f"{where}.kpi_key", limit=40)
        if kpi_key and kpi_key not in KPI_KEYS:
            raise ValidationError({f"{where}.kpi_key": UNKNOWN_KPI.format(value=kpi_key)})
        target = raw.get("target_change")
        if target is not None and (isinstance(target, bool) or not isinstance(target, int | float)):
            raise ValidationError({f"{where}.target_change": BAD_NUMBER})
        opportunities.append(
            OpportunityData(
                title=_text(raw.get("title"), f"{where}.title", limit=200, required=True),
                how_might_we=_text(raw.get("how_might_we"), f"{where}.how_might_we", limit=5000),
                stage_slugs=list(stage_slugs),
                touchpoints=[found[s] for s in touchpoint_slugs[f"{where}.touchpoints"]],
                status=status,
                kpi_key=kpi_key,
                target_change=float(target) if target is not None else None,
            )
        )
    return JourneyData(settings=settings, stages=stages, opportunities=opportunities)


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


# Writing documents lives in journeys.services.snapshots, which imports the parsing rules from
# here; a lazy lookup keeps its names importable from this module without a circular import.
_MOVED_TO_SNAPSHOTS = frozenset(
    {"journey_snapshot", "journey_export", "_apply_stages", "_apply_settings"}
)


def __getattr__(name: str):
    if name in _MOVED_TO_SNAPSHOTS:
        from journeys.services import snapshots

        return getattr(snapshots, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
