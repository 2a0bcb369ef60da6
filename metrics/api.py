"""KPI reads over REST (PRODUCT.md "REST API contract"): the KPI list, series and summary, and the
alerts list. Every query parameter is checked against an allowlist; filter slugs against the
database; errors are 400s naming the parameter. Reads need metrics.view_kpis."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from cxhub.api import has_perms
from journeys.models import Channel, Journey, Persona, Touchpoint
from metrics import selectors
from metrics.kpis import KPIS, KpiDefinition
from metrics.models import KpiAlert
from metrics.renderers import RENDERER_CLASSES
from metrics.selectors import series_rows
from metrics.types import GRANULARITIES, KpiFilters, KpiPoint, KpiValue

CanReadKpis = has_perms("metrics.view_kpis")
FILTER_MODELS = {
    "touchpoint": Touchpoint,
    "channel": Channel,
    "persona": Persona,
    "journey": Journey,
}
# One sentence per filter, so each translates as a whole; called when raised (request language).
UNKNOWN_FILTER_VALUE = {
    "touchpoint": lambda: _("Unknown touchpoint."),
    "channel": lambda: _("Unknown channel."),
    "persona": lambda: _("Unknown persona."),
    "journey": lambda: _("Unknown journey."),
}
COMMON_PARAMS = {"start", "end", "format", *FILTER_MODELS, "language"}
SERIES_PARAMS = COMMON_PARAMS | {"granularity", "group_by"}
SUMMARY_PARAMS = COMMON_PARAMS | {"compare"}
DEFAULT_DAYS = 90
ALL_GROUP_BYS = ("touchpoint", "channel", "persona", "stage", "category")

FILTER_PARAMETERS = [
    OpenApiParameter(
        "start", OpenApiTypes.DATE, description="First day (inclusive), organisation time zone."
    ),
    OpenApiParameter(
        "end", OpenApiTypes.DATE, description="Last day (inclusive); at most 5 years after start."
    ),
    OpenApiParameter("touchpoint", str, description="Touchpoint slug."),
    OpenApiParameter("channel", str, description="Channel slug."),
    OpenApiParameter("persona", str, description="Persona slug."),
    OpenApiParameter("journey", str, description="Journey slug."),
    OpenApiParameter("language", str, description="Response language (survey KPIs)."),
]

POINT = inline_serializer(
    "KpiPoint",
    {
        "period_start": serializers.DateField(),
        "value": serializers.FloatField(allow_null=True),
        "n": serializers.IntegerField(),
        "ci_low": serializers.FloatField(allow_null=True),
        "ci_high": serializers.FloatField(allow_null=True),
        "median": serializers.FloatField(allow_null=True, required=False),
        "p90": serializers.FloatField(allow_null=True, required=False),
        "extra": serializers.DictField(required=False),
    },
)


class KpiDefinitionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    description = serializers.CharField()
    source = serializers.CharField()
    is_rate = serializers.BooleanField()
    group_bys = serializers.ListField(child=serializers.CharField())
    decimals = serializers.IntegerField()


def _single(params: QueryDict, name: str) -> str | None:
    values = params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ValidationError({name: [_("Give this parameter once.")]})
    return values[0]


def _date(params: QueryDict, name: str) -> date | None:
    raw = _single(params, name)
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: [_("Enter a date as YYYY-MM-DD.")]}) from None


def parse_request(params: QueryDict, definition: KpiDefinition, allowed: set[str]) -> dict:
    """Validate the query string: unknown parameters, dates, slugs, allowlisted choices."""
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValidationError({name: [_("Unknown parameter.")] for name in unknown})
    end = _date(params, "end")
    start = _date(params, "start")
    end = end or (start + timedelta(days=DEFAULT_DAYS - 1) if start else timezone.localdate())
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise ValidationError({"end": [_("end must not be before start.")]})
    if (end - start).days > selectors.MAX_RANGE_DAYS:
        raise ValidationError({"end": [_("The range may be at most 5 years.")]})
    slugs: dict[str, str | None] = {}
    for name, model in FILTER_MODELS.items():
        slug = _single(params, name)
        if slug is None:
            slugs[name] = None
            continue
        if name not in definition.filters:
            message = _("KPI %(kpi)s cannot be filtered by %(filter)s.")
            raise ValidationError({name: [message % {"kpi": definition.key, "filter": name}]})
        if not model.objects.filter(slug=slug).exists():
            raise ValidationError({name: [UNKNOWN_FILTER_VALUE[name]()]})
        slugs[name] = slug
    language = _single(params, "language")
    if language is not None and (len(language) > 10 or not language.replace("-", "").isalnum()):
        raise ValidationError({"language": [_("Enter a language code such as en or pt-BR.")]})
    parsed = {"start": start, "end": end, "filters": KpiFilters(language=language or None, **slugs)}
    if "granularity" in allowed:
        granularity = _single(params, "granularity") or "week"
        if granularity not in GRANULARITIES:
            choices = ", ".join(GRANULARITIES)
            raise ValidationError(
                {"granularity": [_("Choose one of: %(choices)s.") % {"choices": choices}]}
            )
        group_by = _single(params, "group_by") or None
        if group_by is not None and group_by not in definition.group_bys:
            choices = ", ".join(definition.group_bys)
            raise ValidationError(
                {"group_by": [_("Choose one of: %(choices)s.") % {"choices": choices}]}
            )
        parsed |= {"granularity": granularity, "group_by": group_by}
    if "compare" in allowed:
        compare = _single(params, "compare") or "previous"
        if compare not in ("previous", "last_year"):
            raise ValidationError({"compare": [_("Choose previous or last_year.")]})
        parsed["compare"] = compare
    return parsed


def _definition(key: str) -> KpiDefinition:
    definition = KPIS.get(key)
    if definition is None:
        message = _("Unknown KPI. Choose one of: %(choices)s.") % {"choices": ", ".join(KPIS)}
        raise ValidationError({"kpi": [message]})
    return definition


def _point(definition: KpiDefinition, point: KpiPoint | KpiValue, with_period: bool = True) -> dict:
    # Once per point (520 in a quarter of weeks by touchpoint): one dict, filled in place.
    data: dict = {"period_start": point.period_start} if with_period else {}
    data["value"] = point.value
    data["n"] = point.n
    data["ci_low"] = point.ci_low
    data["ci_high"] = point.ci_high
    if definition.unit == "hours":  # definition.is_time
        data["median"] = point.median
        data["p90"] = point.p90
    if point.extra:
        data["extra"] = point.extra
    return data


def _value(definition: KpiDefinition, value: KpiValue) -> dict:
    return {"start": value.start, "end": value.end} | _point(definition, value, with_period=False)


class KpiBase(APIView):
    permission_classes = [CanReadKpis]
    renderer_classes = RENDERER_CLASSES  # orjson: 2 ms of a 520-point series (metrics.renderers)
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "kpi"


class KpiListApi(KpiBase):
    @extend_schema(summary="List KPIs", responses=KpiDefinitionSerializer(many=True))
    def get(self, request):
        unknown = sorted(set(request.query_params) - {"format"})
        if unknown:
            raise ValidationError({name: [_("Unknown parameter.")] for name in unknown})
        rows = [
            {
                "key": d.key,
                "label": str(d.label),
                "unit": d.unit,
                "higher_is_better": d.higher_is_better,
                "description": str(d.description),
                "source": d.source,
                "is_rate": d.is_rate,
                "group_bys": list(d.group_bys),
                "decimals": d.decimals,
            }
            for d in KPIS.values()
        ]
        return Response(rows)


class KpiSeriesApi(KpiBase):
    @extend_schema(
        summary="A KPI per day, ISO week or month",
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter(
                "granularity", str, enum=list(GRANULARITIES), description="Default week."
            ),
            OpenApiParameter(
                "group_by", str, enum=list(ALL_GROUP_BYS), description="Break down by."
            ),
        ],
        responses=inline_serializer(
            "KpiSeries",
            {
                "kpi": serializers.CharField(),
                "granularity": serializers.CharField(),
                "start": serializers.DateField(),
                "end": serializers.DateField(),
                "points": serializers.ListField(child=POINT, required=False),
                "groups": serializers.ListField(child=serializers.DictField(), required=False),
                "last_computed": serializers.DateTimeField(allow_null=True),
            },
        ),
    )
    def get(self, request, key: str):
        definition = _definition(key)
        args = parse_request(request.query_params, definition, SERIES_PARAMS)
        body: dict = {
            "kpi": key,
            "unit": definition.unit,
            "granularity": args["granularity"],
            "start": args["start"],
            "end": args["end"],
        }
        if series_rows.applies(definition):
            # Simple KPIs: response rows straight from the query (metrics.selectors.series_rows).
            try:
                points, groups = series_rows.series_rows(definition, **args)
            except ValueError as error:
                raise ValidationError({"detail": str(error)}) from None
            body["last_computed"] = selectors.last_computed()
            if groups is None:
                body["points"] = points
            else:
                body["group_by"] = args["group_by"]
                body["groups"] = groups
            return Response(body)
        try:
            series = selectors.kpi_series(key=key, **args)
        except ValueError as error:
            raise ValidationError({"detail": str(error)}) from None
        body["last_computed"] = selectors.last_computed()
        if series.groups is None:
            body["points"] = [_point(definition, p) for p in series.points]
        else:
            body["group_by"] = args["group_by"]
            body["groups"] = [
                {
                    "key": g.key,
                    "label": g.label,
                    "points": [_point(definition, p) for p in g.points],
                }
                for g in series.groups
            ]
        return Response(body)


class KpiSummaryApi(KpiBase):
    @extend_schema(
        summary="A KPI over a range, against the previous period",
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter(
                "compare", str, enum=["previous", "last_year"], description="Default previous."
            ),
        ],
        responses=inline_serializer(
            "KpiSummary",
            {
                "kpi": serializers.CharField(),
                "value": serializers.FloatField(allow_null=True),
                "n": serializers.IntegerField(),
                "ci_low": serializers.FloatField(allow_null=True),
                "ci_high": serializers.FloatField(allow_null=True),
                "previous": serializers.DictField(),
                "change": serializers.FloatField(allow_null=True),
                "significant": serializers.BooleanField(),
                "p_value": serializers.FloatField(allow_null=True),
            },
        ),
    )
    def get(self, request, key: str):
        definition = _definition(key)
        args = parse_request(request.query_params, definition, SUMMARY_PARAMS)
        try:
            summary = selectors.kpi_summary(key=key, **args)
        except ValueError as error:
            raise ValidationError({"detail": str(error)}) from None
        body = {"kpi": key, "unit": definition.unit} | _value(definition, summary.current)
        body |= {
            "previous": _value(definition, summary.previous),
            "change": summary.change,
            "significant": summary.significant,
            "p_value": None if summary.p_value is None else round(summary.p_value, 6),
            "last_computed": selectors.last_computed(),
        }
        return Response(body)


class KpiAlertSerializer(serializers.ModelSerializer):
    kpi = serializers.CharField(source="target.kpi_key")
    touchpoint = serializers.SlugRelatedField(
        source="target.touchpoint", slug_field="slug", read_only=True
    )

    class Meta:
        model = KpiAlert
        fields = [
            "id",
            "kpi",
            "touchpoint",
            "kind",
            "period_start",
            "period_end",
            "value",
            "previous_value",
            "message",
            "created_at",
            "resolved_at",
        ]


class KpiAlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """KPI alerts, open ones first (`?open=true` lists only those)."""

    serializer_class = KpiAlertSerializer
    permission_classes = [CanReadKpis]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "kpi"
    filter_backends: list = []

    def get_queryset(self):
        qs = KpiAlert.objects.select_related("target", "target__touchpoint").order_by(
            "-created_at", "-id"
        )
        if self.action == "list":
            unknown = sorted(
                set(self.request.query_params) - {"open", "page", "page_size", "format"}
            )
            if unknown:
                raise ValidationError({name: [_("Unknown parameter.")] for name in unknown})
            only_open = self.request.query_params.get("open")
            if only_open not in (None, "true", "false"):
                raise ValidationError({"open": [_("Use true or false.")]})
            if only_open == "true":
                qs = qs.filter(resolved_at__isnull=True)
        return qs
