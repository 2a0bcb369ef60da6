"""REST API for surveys (PRODUCT.md v1): survey CRUD for survey admins, invitations, public
response submission (throttled in the service layer) and response lists for managers."""

from __future__ import annotations

from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as ApiResponse

from cxhub.api import Conflict, ModelPermissions, Pagination, has_perms
from journeys.services import customer_resolve
from surveys import selectors, services
from surveys.api_serializers import (
    InvitationInputSerializer,
    InvitationOutputSerializer,
    ResponseBatchResultSerializer,
    ResponseFilterSerializer,
    ResponseInputSerializer,
    ResponseOutputSerializer,
    SurveySerializer,
)
from surveys.models import Invitation, Survey
from surveys.selectors import ResponseFilters
from surveys.services import throttle


class ResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ResponseOutputSerializer
    permission_classes = [has_perms("surveys.view_response")]
    pagination_class = Pagination

    def get_queryset(self):
        return selectors.response_list(user=self.request.user).prefetch_related("answers__question")

    def list(self, request, *args, **kwargs):
        return self.list_for(request, self)

    @staticmethod
    def list_for(request, view, extra: dict | None = None):
        params = {key: request.query_params.get(key) for key in request.query_params}
        payload = ResponseFilterSerializer(data=params)
        payload.is_valid(raise_exception=True)
        data = {k: v for k, v in payload.validated_data.items() if k not in ("page", "page_size")}
        data.update(extra or {})
        queryset = selectors.response_list(
            user=request.user, filters=ResponseFilters(**data)
        ).prefetch_related("answers__question")
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=view)
        return paginator.get_paginated_response(ResponseOutputSerializer(page, many=True).data)


class SurveyViewSet(viewsets.ModelViewSet):
    serializer_class = SurveySerializer
    permission_classes = [ModelPermissions]
    lookup_field = "slug"

    def get_queryset(self):
        return (
            selectors.survey_list(user=self.request.user)
            .prefetch_related("questions")
            .order_by("name", "pk")
        )

    def get_permissions(self):
        if self.action == "responses" and self.request.method == "POST":
            return [permissions.AllowAny()]
        if self.action == "responses":
            return [has_perms("surveys.view_response")()]
        if self.action == "invitations":
            return [has_perms("surveys.add_invitation")()]
        return super().get_permissions()

    def perform_destroy(self, instance) -> None:
        try:
            instance.delete()
        except ProtectedError:
            raise Conflict(
                _("This survey has responses or invitations; deactivate it instead.")
            ) from None

    def _survey(self, slug: str) -> Survey:
        survey = selectors.survey_for_public(slug=slug)
        if survey is None:
            raise exceptions.NotFound()
        return survey

    @extend_schema(request=InvitationInputSerializer, responses={201: InvitationOutputSerializer})
    @action(detail=True, methods=["post"])
    def invitations(self, request, slug=None):
        survey = self._survey(slug)
        payload = InvitationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        customer = customer_resolve(external_id=data["customer"])
        invitation = services.invitation_create(
            survey=survey,
            customer=customer,
            channel=data.get("channel"),
            language=data.get("language", ""),
            deliver=data.get("send_email", False),
        )
        if invitation.status == Invitation.Status.SUPPRESSED:
            return ApiResponse(
                {"detail": invitation.suppressed_reason, "status": invitation.status},
                status=status.HTTP_409_CONFLICT,
            )
        return ApiResponse(
            {
                "token": invitation.token,
                "url": services.invitation_url(invitation),
                "status": invitation.status,
            },
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="ResponseSubmission",
            serializers=[ResponseInputSerializer, ResponseInputSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={
            200: ResponseOutputSerializer(many=True),
            201: PolymorphicProxySerializer(
                component_name="ResponseSubmissionResult",
                serializers=[ResponseOutputSerializer, ResponseBatchResultSerializer],
                resource_type_field_name=None,
            ),
            400: OpenApiResponse(
                description="A bad response; for a list, the index of the first bad item, its "
                "errors, and nothing stored"
            ),
            404: OpenApiResponse(description="No such survey, or an unknown invitation token"),
            409: OpenApiResponse(description="The invitation has been answered already"),
            429: OpenApiResponse(description="The public per-address budget is spent"),
        },
        description="POST one response (an object), or a list of at most "
        f"{services.response_batches.MAX_BATCH} responses to store all together or none (the error "
        "names the index of the first bad one). A list answers 201 with the created ids.",
    )
    @action(detail=True, methods=["get", "post"])
    def responses(self, request, slug=None):
        if request.method == "GET":
            survey = self._survey(slug)
            return ResponseViewSet.list_for(request, self, extra={"survey": survey.slug})
        survey = self._survey(slug)
        if isinstance(request.data, list):
            return self._responses_batch(request, survey)
        payload = ResponseInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            response = services.response_submit(
                survey=survey,
                **_submission(payload.validated_data),
                user=request.user if request.user.is_authenticated else None,
                client_ip=throttle.client_ip(request),
            )
        except throttle.RateLimited as limited:
            raise exceptions.Throttled(wait=limited.retry_after) from None
        except services.AnswersInvalid as invalid:
            return ApiResponse(
                {"answers": {key: [message] for key, message in invalid.errors.items()}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        # The service returns the response with its relations and answers in hand: no re-read.
        return ApiResponse(ResponseOutputSerializer(response).data, status=status.HTTP_201_CREATED)

    def _responses_batch(self, request, survey: Survey) -> ApiResponse:
        items = request.data
        limit = services.response_batches.MAX_BATCH
        if not items:
            return _bad_item(0, {"non_field_errors": [str(services.response_batches.BATCH_EMPTY)]})
        if len(items) > limit:
            message = str(services.response_batches.BATCH_TOO_LARGE % {"limit": limit})
            return _bad_item(limit, {"non_field_errors": [message]})
        # One list serializer: its child's fields are built once, not once per item (that copy
        # of every field was a third of a 100-item request).
        payload = ResponseInputSerializer(data=items, many=True)
        if not payload.is_valid():
            # DRF reports a list of per-item errors, or {index: errors} when an item's own
            # to_internal_value refused it (unknown fields): the first bad index either way.
            errors = payload.errors
            per_item = errors.items() if isinstance(errors, dict) else enumerate(errors)
            index, first = min(
                ((int(i), e) for i, e in per_item if e and str(i).isdigit()),
                default=(0, errors),
            )
            return _bad_item(index, first)
        submissions = [_submission(data) for data in payload.validated_data]
        try:
            created = services.responses_submit_batch(
                survey=survey,
                items=submissions,
                user=request.user if request.user.is_authenticated else None,
                client_ip=throttle.client_ip(request),
            )
        except throttle.RateLimited as limited:
            raise exceptions.Throttled(wait=limited.retry_after) from None
        except services.ResponseBatchError as error:
            return _bad_item(error.index, error.errors, conflict=error.conflict)
        return ApiResponse(
            {"created": len(created), "ids": [response.pk for response in created]},
            status=status.HTTP_201_CREATED,
        )


def _submission(data: dict) -> dict:
    """The service's keywords for one validated response payload."""
    return {
        "answers": data["answers"],
        "customer_ref": data.get("customer") or None,
        "channel": data.get("channel") or None,
        "invitation_token": data.get("invitation") or None,
        "submitted_at": data.get("submitted_at"),
        "language": data.get("language") or None,
    }


def _bad_item(index: int, errors, *, conflict: bool = False) -> ApiResponse:
    return ApiResponse(
        {
            "detail": str(services.response_batches.BATCH_INVALID % {"index": index}),
            "index": index,
            "errors": errors,
        },
        status=status.HTTP_409_CONFLICT if conflict else status.HTTP_400_BAD_REQUEST,
    )
