"""Serializers of the surveys API: what a survey, an invitation and a response look like going
in (strict: unknown fields refused) and coming out."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from journeys.api import StrictSerializer
from journeys.models import Channel, Touchpoint
from surveys import selectors, services
from surveys.models import Question, Response, Survey
from surveys.selectors import SCORE_GROUPS


class StrictPlainSerializer(serializers.Serializer):
    """A plain serializer that refuses fields it does not name."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field is not accepted here.")] for name in unknown}
                )
        return super().to_internal_value(data)


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ["key", "type", "text", "scale", "choices", "required", "low_label", "high_label"]


class SurveySerializer(StrictSerializer):
    touchpoint = serializers.SlugRelatedField(slug_field="slug", queryset=Touchpoint.objects.all())
    # Questions are validated by the service (types, scales, choices, unique keys).
    questions = serializers.ListField(
        child=serializers.DictField(), max_length=50, required=False, write_only=True
    )
    url = serializers.SerializerMethodField()
    response_count = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = [
            "slug",
            "name",
            "touchpoint",
            "title",
            "intro",
            "thank_you",
            "languages",
            "default_language",
            "is_active",
            "starts_at",
            "ends_at",
            "min_sample",
            "is_anonymous",
            "invitation_only",
            "is_post_ticket",
            "post_ticket_delay_minutes",
            "follow_up_enabled",
            "follow_up_nps_max",
            "follow_up_csat_bottom",
            "questions",
            "url",
            "response_count",
        ]
        read_only_fields = ["url", "response_count"]

    def get_url(self, survey: Survey) -> str:
        from django.conf import settings
        from django.urls import reverse

        return settings.CX_BASE_URL.rstrip("/") + reverse("surveys:public", args=[survey.slug])

    def get_response_count(self, survey: Survey) -> int:
        count = getattr(survey, "response_count", None)
        return count if count is not None else survey.responses.count()

    def to_representation(self, survey):
        data = super().to_representation(survey)
        data["questions"] = QuestionSerializer(survey.questions.all(), many=True).data
        return data

    def create(self, validated_data):
        return services.survey_create(
            created_by=self.context["request"].user,
            questions=validated_data.pop("questions", []),
            **validated_data,
        )

    def update(self, survey, validated_data):
        return services.survey_update(survey=survey, **validated_data)


class InvitationInputSerializer(StrictPlainSerializer):
    customer = serializers.CharField(max_length=100)
    channel = serializers.SlugRelatedField(
        slug_field="slug", queryset=Channel.objects.all(), required=False, allow_null=True
    )
    language = serializers.CharField(max_length=10, required=False, allow_blank=True)
    send_email = serializers.BooleanField(required=False, default=False)


class InvitationOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    url = serializers.URLField()
    status = serializers.CharField()


class ResponseInputSerializer(StrictPlainSerializer):
    # Values stay raw JSON: the service checks each against its question's type strictly.
    answers = serializers.JSONField()
    customer = serializers.CharField(max_length=100, required=False, allow_blank=True)
    channel = serializers.SlugField(max_length=20, required=False, allow_blank=True)
    invitation = serializers.CharField(
        max_length=64, required=False, allow_null=True, allow_blank=True
    )
    submitted_at = serializers.DateTimeField(required=False)
    language = serializers.CharField(max_length=10, required=False, allow_blank=True)

    def validate_answers(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(
                _("Answers must be an object of question keys and values.")
            )
        if len(value) > 60:
            raise serializers.ValidationError(_("Too many answers."))
        return value


class ResponseOutputSerializer(serializers.ModelSerializer):
    survey = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    touchpoint = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    channel = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    customer = serializers.SlugRelatedField(slug_field="external_id", read_only=True)
    ticket = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    answers = serializers.SerializerMethodField()
    follow_up = serializers.SerializerMethodField()

    class Meta:
        model = Response
        fields = [
            "id",
            "survey",
            "touchpoint",
            "channel",
            "customer",
            "language",
            "submitted_at",
            "nps_score",
            "csat_score",
            "csat_scale",
            "ces_score",
            "has_comment",
            "ticket",
            "answers",
            "follow_up",
        ]

    def get_answers(self, response: Response) -> dict:
        result = {}
        for answer in response.answers.all():
            qtype = answer.question.type
            if qtype == Question.Type.YES_NO:
                value = bool(answer.number)
            elif qtype == Question.Type.MULTI_CHOICE:
                value = answer.choices
            elif answer.number is not None:
                value = answer.number
            else:
                value = answer.text
            result[answer.question.key] = value
        return result

    def get_follow_up(self, response: Response) -> dict | None:
        follow_up = getattr(response, "follow_up", None)
        if follow_up is None:
            return None
        return {
            "ticket": follow_up.ticket.reference,
            "reason": follow_up.reason,
            "status": selectors.closed_loop_status(response),
        }


class ResponseBatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())


class ResponseFilterSerializer(StrictPlainSerializer):
    survey = serializers.SlugField(required=False)
    touchpoint = serializers.SlugField(required=False)
    channel = serializers.SlugField(required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    score_group = serializers.ChoiceField(choices=sorted(SCORE_GROUPS), required=False)
    language = serializers.ChoiceField(choices=services.available_languages(), required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=500)

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": _("The end date is before the start date.")})
        return attrs
