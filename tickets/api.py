"""REST API for tickets (PRODUCT.md "REST API contract"): tickets, their messages and status,
and the category catalogue. Scope comes from tickets.selectors; objects outside it are 404."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cxhub.api import ModelPermissions, has_perms
from journeys.api import ProtectedDestroyMixin, StrictSerializer
from journeys.services import (
    channel_by_slug,
    effective_time,
    touchpoint_by_slug,
)
from tickets import services
from tickets.forms import QueueFilterForm
from tickets.models import Category, Message, Priority, Ticket
from tickets.selectors import QueueFilters, message_list, ticket_list, ticket_queue

UNKNOWN_CATEGORY = gettext_lazy("Unknown category '{value}'.")
# Query parameters every list takes besides the queue filters.
LIST_PARAMETERS = {"page", "page_size", "format"}


class CategorySerializer(StrictSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]


class CategoryViewSet(ProtectedDestroyMixin, viewsets.ModelViewSet):
    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    permission_classes = [ModelPermissions]
    lookup_field = "slug"


class TicketInputSerializer(StrictSerializer):
    customer = serializers.CharField(max_length=100)
    channel = serializers.CharField(max_length=20)
    touchpoint = serializers.CharField(max_length=60)
    category = serializers.CharField(max_length=60, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    created_at = serializers.DateTimeField(required=False)
    body = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=100, required=False)

    class Meta:
        model = Ticket
        fields = [
            "subject",
            "customer",
            "channel",
            "touchpoint",
            "category",
            "priority",
            "created_at",
            "body",
            "external_id",
        ]
        # The model's unique check would run a query per call; the service's full_clean does it.
        validators = []


class TicketOutputSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="customer.external_id")
    customer_name = serializers.CharField(source="customer.name")
    channel = serializers.CharField(source="channel.slug")
    touchpoint = serializers.CharField(source="touchpoint.slug")
    category = serializers.CharField(source="category.slug", default=None)
    department = serializers.CharField(source="department.slug", default=None)
    assignee = serializers.CharField(source="assignee.username", default=None)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "external_id",
            "subject",
            "customer",
            "customer_name",
            "channel",
            "touchpoint",
            "category",
            "priority",
            "status",
            "department",
            "assignee",
            "created_at",
            "opened_by_agent",
            "first_response_at",
            "frt_seconds",
            "frt_business_seconds",
            "resolved_at",
            "resolution_seconds",
            "resolution_business_seconds",
            "public_reply_count",
            "reopened_count",
            "is_fcr",
            "sla_first_response_due",
            "sla_resolution_due",
            "sla_first_response_breached",
            "sla_resolution_breached",
            "updated_at",
        ]
        read_only_fields = fields


class MessageInputSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=Message.Kind.choices)
    body = serializers.CharField(max_length=20000)
    created_at = serializers.DateTimeField(required=False)

    class Meta:
        model = Message
        fields = ["kind", "body", "created_at"]


class MessageOutputSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None)

    class Meta:
        model = Message
        fields = ["id", "kind", "body", "author", "created_at", "is_opening"]
        read_only_fields = fields


class StatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    at = serializers.DateTimeField(required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict) and set(data) - {"status", "at"}:
            raise serializers.ValidationError(
                {
                    name: [_("This field is not accepted here.")]
                    for name in set(data) - {"status", "at"}
                }
            )
        return super().to_internal_value(data)


def _when(request, value, field: str):
    """effective_time, with its errors (naive or future timestamps) naming the field."""
    try:
        return effective_time(user=request.user, requested=value)
    except DjangoValidationError as error:
        raise DjangoValidationError({field: error.messages}) from None


def _category_by_slug(slug: str) -> Category | None:
    if not slug:
        return None
    try:
        return Category.objects.get(slug=slug)
    except Category.DoesNotExist:
        raise DjangoValidationError({"category": UNKNOWN_CATEGORY.format(value=slug)}) from None


class TicketViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ModelPermissions]
    serializer_class = TicketOutputSerializer

    def get_queryset(self):
        return ticket_list(user=self.request.user)

    def get_permissions(self):
        if self.action == "messages":
            if self.request.method == "POST":
                return [has_perms("tickets.view_ticket", "tickets.add_message")()]
            return [has_perms("tickets.view_ticket")()]
        if self.action == "change_status":
            return [has_perms("tickets.view_ticket", "tickets.change_ticket")()]
        return super().get_permissions()

    def list(self, request, *args, **kwargs):
        form = QueueFilterForm(request.query_params)
        unknown = sorted(set(request.query_params) - set(form.fields) - LIST_PARAMETERS)
        if unknown:
            raise serializers.ValidationError({name: [_("Unknown filter.")] for name in unknown})
        if not form.is_valid():
            raise serializers.ValidationError(form.errors)
        filters: QueueFilters = form.filters()
        queryset = ticket_queue(user=request.user, filters=filters)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(TicketOutputSerializer(page, many=True).data)

    @extend_schema(request=TicketInputSerializer, responses={201: TicketOutputSerializer})
    def create(self, request, *args, **kwargs):
        payload = TicketInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        created_at = _when(request, data.get("created_at"), "created_at")
        ticket = services.ticket_create_for_customer_id(
            customer_external_id=data["customer"],
            subject=data["subject"],
            channel=channel_by_slug(data["channel"]),
            touchpoint=touchpoint_by_slug(data["touchpoint"]),
            category=_category_by_slug(data.get("category", "")),
            priority=data["priority"],
            created_at=created_at,
            actor=request.user,
            body=data.get("body", ""),
            external_id=data.get("external_id"),
        )
        # Not through the caller's scope: an agent may open a ticket for another department's
        # touchpoint (it is routed there), and the answer still describes what was created.
        ticket = Ticket.objects.select_related(
            "customer", "channel", "touchpoint", "category", "assignee", "department"
        ).get(pk=ticket.pk)
        return Response(TicketOutputSerializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["POST"],
        request=MessageInputSerializer,
        responses={201: MessageOutputSerializer},
    )
    @extend_schema(methods=["GET"], responses=MessageOutputSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def messages(self, request, pk=None):
        ticket = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(message_list(ticket=ticket, user=request.user))
            return self.get_paginated_response(MessageOutputSerializer(page, many=True).data)
        payload = MessageInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if data["kind"] == Message.Kind.NOTE and not request.user.has_perm("tickets.change_ticket"):
            raise serializers.ValidationError({"kind": [_("You may not write internal notes.")]})
        message = services.message_add(
            ticket=ticket,
            kind=data["kind"],
            body=data["body"],
            author=request.user,
            created_at=_when(request, data.get("created_at"), "created_at"),
        )
        return Response(MessageOutputSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StatusInputSerializer, responses=TicketOutputSerializer)
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def change_status(self, request, pk=None):
        ticket = self.get_object()
        payload = StatusInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.ticket_transition(
            ticket=ticket,
            status=data["status"],
            actor=request.user,
            at=_when(request, data.get("at"), "at"),
        )
        ticket = self.get_queryset().get(pk=ticket.pk)
        return Response(TicketOutputSerializer(ticket).data)
