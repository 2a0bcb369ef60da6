"""REST API for the shared catalogue: channels, departments, personas, touchpoints, customers."""

from __future__ import annotations

from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cxhub.api import Conflict, ModelPermissions
from journeys import services
from journeys.models import Channel, Customer, Department, Persona, Touchpoint
from journeys.selectors import customer_list, touchpoint_list


class StrictSerializer(serializers.ModelSerializer):
    """Rejects fields it does not know, so a typo or a mass-assignment attempt is a clear 400."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            read_only = {name for name, field in self.fields.items() if field.read_only}
            bad = sorted(unknown | (read_only & set(data)))
            if bad:
                raise serializers.ValidationError(
                    {name: [_("This field is not accepted here.")] for name in bad}
                )
        return super().to_internal_value(data)


class ProtectedDestroyMixin:
    """Deleting something that history still points at is a 409, never a silent cascade."""

    def perform_destroy(self, instance) -> None:
        try:
            instance.delete()
        except ProtectedError:
            raise Conflict(_("It is still referenced by responses, tickets or journeys.")) from None


class ChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["slug", "name"]


class ChannelViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Channel.objects.all()
    serializer_class = ChannelSerializer
    permission_classes = [ModelPermissions]
    lookup_field = "slug"
    pagination_class = None


class DepartmentSerializer(StrictSerializer):
    class Meta:
        model = Department
        fields = ["slug", "name"]


class DepartmentViewSet(ProtectedDestroyMixin, viewsets.ModelViewSet):
    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    permission_classes = [ModelPermissions]
    lookup_field = "slug"


class PersonaSerializer(StrictSerializer):
    preferred_channel = serializers.SlugRelatedField(
        slug_field="slug", queryset=Channel.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Persona
        fields = [
            "slug",
            "name",
            "description",
            "age_min",
            "age_max",
            "income",
            "marital_status",
            "location",
            "gender",
            "preferred_channel",
            "goals",
            "pain_points",
            "discovery",
            "content_formats",
        ]

    def validate(self, attrs):
        age_min = attrs.get("age_min", getattr(self.instance, "age_min", None))
        age_max = attrs.get("age_max", getattr(self.instance, "age_max", None))
        if age_min is not None and age_max is not None and age_min > age_max:
            raise serializers.ValidationError({"age_max": _("Must not be below age_min.")})
        return attrs


class PersonaViewSet(ProtectedDestroyMixin, viewsets.ModelViewSet):
    queryset = Persona.objects.select_related("preferred_channel")
    serializer_class = PersonaSerializer
    permission_classes = [ModelPermissions]
    lookup_field = "slug"


class TouchpointSerializer(StrictSerializer):
    channel = serializers.SlugRelatedField(slug_field="slug", queryset=Channel.objects.all())
    department = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Touchpoint
        fields = ["slug", "name", "channel", "department", "description", "is_active"]


class TouchpointViewSet(ProtectedDestroyMixin, viewsets.ModelViewSet):
    serializer_class = TouchpointSerializer
    permission_classes = [ModelPermissions]
    lookup_field = "slug"
    filterset_fields = ["channel__slug", "department__slug", "is_active"]

    def get_queryset(self):
        return touchpoint_list()

    def perform_create(self, serializer) -> None:
        serializer.instance = services.touchpoint_create(**serializer.validated_data)


class CustomerSerializer(StrictSerializer):
    persona = serializers.SlugRelatedField(
        slug_field="slug", queryset=Persona.objects.all(), required=False, allow_null=True
    )
    active_since = serializers.DateTimeField(required=False)
    churned_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Customer
        fields = ["external_id", "name", "email", "persona", "active_since", "churned_at"]


class CustomerPublicSerializer(CustomerSerializer):
    """What a reader without the change permission sees: no e-mail address."""

    class Meta(CustomerSerializer.Meta):
        fields = ["external_id", "name", "persona", "active_since", "churned_at"]


class ChurnSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict) and set(data) - {"at"}:
            raise serializers.ValidationError(
                {name: [_("This field is not accepted here.")] for name in set(data) - {"at"}}
            )
        return super().to_internal_value(data)


class CustomerViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    ProtectedDestroyMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ModelPermissions]
    lookup_field = "external_id"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return customer_list(
            user=self.request.user, search=self.request.query_params.get("search", "")
        )

    def get_serializer_class(self):
        if self.request.user.has_perm("journeys.change_customer"):
            return CustomerSerializer
        return CustomerPublicSerializer

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        data["active_since"] = services.effective_time(
            user=self.request.user, requested=data.get("active_since")
        )
        serializer.instance = services.customer_create(**data)

    @extend_schema(request=ChurnSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def churn(self, request, external_id=None):
        customer = self.get_object()
        payload = ChurnSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        at = services.effective_time(user=request.user, requested=payload.validated_data.get("at"))
        customer = services.customer_churn(customer=customer, at=at)
        return Response(self.get_serializer(customer).data, status=status.HTTP_200_OK)
