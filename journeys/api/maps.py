"""REST API for journey maps (nested stages, PRODUCT.md) and journey events (single or bulk)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from cxhub.api import ModelPermissions, validation_error_detail
from journeys.api import ProtectedDestroyMixin
from journeys.models import Journey, JourneyEvent
from journeys.selectors.maps import event_list, journey_list
from journeys.services.events import (
    BATCH_EMPTY,
    BATCH_TOO_LARGE,
    MAX_BATCH,
    EventBatchError,
    EventInput,
    journey_events_record,
)
from journeys.services.maps import journey_import
from journeys.services.snapshots import journey_snapshot


class StageOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    goals = serializers.CharField()
    actions = serializers.CharField()
    thoughts = serializers.CharField()
    emotion_score = serializers.IntegerField(allow_null=True)
    pain_points = serializers.CharField()
    opportunities = serializers.CharField()
    owner_department = serializers.CharField(allow_null=True)
    touchpoints = serializers.ListField(child=serializers.CharField())


class JourneyOutputSerializer(serializers.Serializer):
    """A journey as its snapshot document, plus who owns it and whether its review is overdue."""

    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    persona = serializers.CharField(allow_null=True)
    state = serializers.CharField()
    conversion_window_days = serializers.IntegerField()
    review_due = serializers.DateField(allow_null=True)
    review_overdue = serializers.BooleanField()
    based_on = serializers.CharField(allow_null=True)
    owner = serializers.CharField(allow_null=True)
    stages = StageOutputSerializer(many=True)

    def to_representation(self, journey: Journey):
        document = journey_snapshot(journey)
        document.pop("format")
        document["review_overdue"] = journey.review_overdue()
        document["based_on"] = journey.based_on.slug if journey.based_on_id else None
        document["owner"] = journey.owner.get_username() if journey.owner_id else None
        return document


class JourneyInputSerializer(serializers.Serializer):
    """Documents the accepted shape; validation is the service's, so the API, the import page and
    revision restore share one set of rules."""

    slug = serializers.SlugField(max_length=60)
    name = serializers.CharField(max_length=150)
    persona = serializers.SlugField(required=False, allow_null=True)
    conversion_window_days = serializers.IntegerField(required=False, min_value=1, max_value=365)
    description = serializers.CharField(required=False, allow_blank=True)
    state = serializers.ChoiceField(choices=Journey.State.choices, required=False)
    review_due = serializers.DateField(required=False, allow_null=True)
    stages = serializers.ListField(child=serializers.DictField(), required=False)


class JourneyViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ProtectedDestroyMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ModelPermissions]
    lookup_field = "slug"
    serializer_class = JourneyOutputSerializer

    def get_queryset(self):
        return journey_list(user=self.request.user).prefetch_related(
            "stages__stage_touchpoints__touchpoint", "stages__owner_department"
        )

    @extend_schema(request=JourneyInputSerializer, responses={201: JourneyOutputSerializer})
    def create(self, request, *args, **kwargs):
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"detail": _("Expected a JSON object.")})
        journey = journey_import(data=request.data, actor=request.user)
        return Response(JourneyOutputSerializer(journey).data, status=status.HTTP_201_CREATED)


class EventInputSerializer(serializers.Serializer):
    customer = serializers.CharField(max_length=100)
    journey = serializers.SlugField(max_length=60)
    stage = serializers.SlugField(max_length=60)
    touchpoint = serializers.SlugField(max_length=60)
    type = serializers.ChoiceField(choices=JourneyEvent.Type.choices)
    occurred_at = serializers.DateTimeField(required=False)
    device = serializers.CharField(max_length=20, required=False, allow_blank=True)
    channel = serializers.SlugField(max_length=20, required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict) and set(data) - set(self.fields):
            raise serializers.ValidationError(
                {
                    name: [_("This field is not accepted here.")]
                    for name in set(data) - set(self.fields)
                }
            )
        return super().to_internal_value(data)


class EventOutputSerializer(serializers.ModelSerializer):
    customer = serializers.SlugRelatedField(slug_field="external_id", read_only=True)
    journey = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    stage = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    touchpoint = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    channel = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = JourneyEvent
        fields = [
            "id",
            "customer",
            "journey",
            "stage",
            "touchpoint",
            "channel",
            "device",
            "type",
            "occurred_at",
        ]


class EventFilterSerializer(serializers.Serializer):
    journey = serializers.SlugField(required=False)
    stage = serializers.SlugField(required=False)
    touchpoint = serializers.SlugField(required=False)
    type = serializers.ChoiceField(choices=JourneyEvent.Type.choices, required=False)
    customer = serializers.CharField(required=False, max_length=100)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    ordering = serializers.ChoiceField(choices=["occurred_at", "-occurred_at"], required=False)


def _bad_event(index: int, errors) -> Response:
    return Response(
        {
            "detail": _("Event %(index)s is invalid; no event was stored.") % {"index": index},
            "index": index,
            "errors": errors,
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


class JourneyEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """POST one event (an object) or a batch (a list, at most 1000): all stored or none."""

    permission_classes = [ModelPermissions]
    serializer_class = EventOutputSerializer
    queryset = JourneyEvent.objects.none()  # ModelPermissions reads the model from here

    @extend_schema(parameters=[EventFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        filters = EventFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return event_list(user=self.request.user, **filters.validated_data)

    @extend_schema(
        request=EventInputSerializer(many=True),
        responses={201: EventOutputSerializer, 400: OpenApiResponse(description="bad event")},
    )
    def create(self, request, *args, **kwargs):
        single = isinstance(request.data, dict)
        items = [request.data] if single else request.data
        if not isinstance(items, list):
            raise serializers.ValidationError({"detail": _("Send an event object or a list.")})
        if not items:
            return _bad_event(0, {"non_field_errors": [BATCH_EMPTY]})
        if len(items) > MAX_BATCH:
            return _bad_event(
                MAX_BATCH, {"non_field_errors": [BATCH_TOO_LARGE.format(limit=MAX_BATCH)]}
            )
        events: list[EventInput] = []
        for index, item in enumerate(items):
            payload = EventInputSerializer(data=item)
            if not payload.is_valid():
                if single:
                    raise serializers.ValidationError(payload.errors)
                return _bad_event(index, payload.errors)
            events.append(EventInput(**payload.validated_data))
        try:
            created = journey_events_record(events=events, user=request.user)
        except EventBatchError as error:
            if single:
                return Response(error.errors, status=status.HTTP_400_BAD_REQUEST)
            return _bad_event(error.index, error.errors)
        except DjangoValidationError as error:
            return Response(validation_error_detail(error), status=status.HTTP_400_BAD_REQUEST)
        if single:
            return Response(EventOutputSerializer(created[0]).data, status=status.HTTP_201_CREATED)
        return Response({"created": len(created)}, status=status.HTTP_201_CREATED)
