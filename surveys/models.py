"""Surveys, their questions, invitations, responses and answers, and closed-loop follow-ups.

Answer rows are the truth; a Response also carries its NPS/CSAT/CES scores (from the survey's first
question of each type) so metrics can roll responses up from one table without a join.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journeys.models import Channel, Customer, Department, Stage, Touchpoint
from tickets.models import Ticket


def new_invitation_token() -> str:
    # 256 random bits, URL-safe; never derived from ids (RELIABILITY.md A8).
    return secrets.token_urlsafe(32)


class Survey(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=150)
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT, related_name="surveys")
    stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="surveys"
    )
    # Title, intro and thank-you text per language: {"en": "...", "it": "..."}.
    title = models.JSONField(default=dict, blank=True)
    intro = models.JSONField(default=dict, blank=True)
    thank_you = models.JSONField(default=dict, blank=True)
    languages = models.JSONField(default=list, blank=True)
    default_language = models.CharField(max_length=10, default="en")
    is_active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    min_sample = models.PositiveIntegerField(default=30)
    is_anonymous = models.BooleanField(default=False)
    invitation_only = models.BooleanField(default=False)
    is_post_ticket = models.BooleanField(
        default=False,
        help_text=_("Sent automatically after a ticket on this touchpoint is resolved"),
    )
    post_ticket_delay_minutes = models.PositiveIntegerField(default=60)
    follow_up_enabled = models.BooleanField(default=True)
    follow_up_nps_max = models.PositiveSmallIntegerField(default=6)
    follow_up_csat_bottom = models.PositiveSmallIntegerField(
        default=2, help_text=_("CSAT answers in this many bottom points open a follow-up")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(starts_at__lt=models.F("ends_at")),
                name="survey_window_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    class Type(models.TextChoices):
        NPS = "nps", _("Net Promoter Score (0–10)")
        CSAT = "csat", _("Satisfaction (CSAT)")
        CES = "ces", _("Effort (CES, 1–7)")
        RATING = "rating", _("Rating")
        YES_NO = "yes_no", _("Yes / no")
        CHOICE = "choice", _("Single choice")
        MULTI_CHOICE = "multi_choice", _("Multiple choice")
        TEXT = "text", _("Free-text comment")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=50)
    type = models.CharField(max_length=20, choices=Type.choices)
    text = models.JSONField(default=dict)  # per language
    low_label = models.JSONField(default=dict, blank=True)
    high_label = models.JSONField(default=dict, blank=True)
    scale = models.PositiveSmallIntegerField(null=True, blank=True)  # 5 or 7 for csat/rating
    choices = models.JSONField(default=list, blank=True)  # [{"value": "...", "label": {lang: ...}}]
    required = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["survey", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "key"], name="question_key_unique_in_survey"),
            models.CheckConstraint(
                condition=Q(scale__isnull=True) | Q(scale__in=[5, 7]), name="question_scale_5_or_7"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey.slug}:{self.key}"


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        SUPPRESSED = "suppressed", _("Suppressed")
        CANCELLED = "cancelled", _("Cancelled")
        REVOKED = "revoked", _("Revoked")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invitations")
    # Unique by a constraint (Meta), not unique=True: that would add a second, text-pattern index
    # for LIKE searches nobody makes on a random token, paid at a random spot on every insert.
    token = models.CharField(max_length=64, default=new_invitation_token)
    # Like the response's: no read filters on the channel alone; PROTECT deletes are rare.
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    suppressed_reason = models.CharField(max_length=200, blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="csat_invitations"
    )
    send_after = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["token"], name="invitation_token_unique"),
            # A ticket gets at most one post-resolution CSAT invitation that is still alive.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(ticket__isnull=False) & ~Q(status="cancelled"),
                name="one_live_invitation_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk} ({self.status})"


class Response(models.Model):
    # Single-column indexes on survey, customer and touchpoint would duplicate the leading column
    # of the (…, submitted_at) indexes below; every extra index is paid on each imported row.
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="responses", db_index=False
    )
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
        db_index=False,
    )
    # No query filters on the channel alone (reads pair it with a date range); only deleting a
    # channel, which PROTECT makes a rare admin action, would scan.
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.PROTECT, related_name="responses", db_index=False
    )
    # Almost always NULL: partial indexes (Meta) hold only the rows that set them.
    stage = models.ForeignKey(
        Stage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responses",
        db_index=False,
    )
    # OneToOne: the database itself allows one response per invitation (RELIABILITY.md D2-D4).
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.PROTECT, related_name="response"
    )
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="csat_responses",
        db_index=False,
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    resolved_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    language = models.CharField(max_length=10, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    nps_score = models.SmallIntegerField(null=True, blank=True)
    csat_score = models.SmallIntegerField(null=True, blank=True)
    csat_scale = models.SmallIntegerField(null=True, blank=True)
    ces_score = models.SmallIntegerField(null=True, blank=True)
    has_comment = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["touchpoint", "submitted_at"], name="response_tp_time"),
            models.Index(fields=["survey", "submitted_at"], name="response_survey_time"),
            models.Index(fields=["customer", "submitted_at"], name="response_customer_time"),
            *(
                models.Index(fields=[field], condition=Q(**{f"{field}__isnull": False}), name=name)
                for field, name in (
                    ("stage", "response_stage_set"),
                    ("ticket", "response_ticket_set"),
                    ("resolved_by", "response_resolver_set"),
                    ("resolved_department", "response_res_dept_set"),
                )
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(nps_score__isnull=True) | (Q(nps_score__gte=0) & Q(nps_score__lte=10)),
                name="response_nps_range",
            ),
            models.CheckConstraint(
                condition=Q(csat_score__isnull=True)
                | (Q(csat_score__gte=1) & Q(csat_score__lte=models.F("csat_scale"))),
                name="response_csat_range",
            ),
            models.CheckConstraint(
                condition=Q(ces_score__isnull=True) | (Q(ces_score__gte=1) & Q(ces_score__lte=7)),
                name="response_ces_range",
            ),
        ]

    def __str__(self) -> str:
        return f"response {self.pk} to {self.survey_id}"

    @property
    def is_promoter(self) -> bool:
        return self.nps_score is not None and self.nps_score >= 9

    @property
    def is_detractor(self) -> bool:
        return self.nps_score is not None and self.nps_score <= 6


class Answer(models.Model):
    # The unique (response, question) index below serves every lookup by response.
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", db_index=False
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    choices = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="answer_once_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"answer {self.pk}"


class FollowUp(models.Model):
    """A detractor's response and the ticket opened to close the loop with them."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="follow_up")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="follow_ups")
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"follow-up of response {self.response_id}"


class ContactPolicy(models.Model):
    """The organisation's contact-frequency rule (one row; defaults apply when there is none)."""

    frequency_days = models.PositiveIntegerField(default=30)
    post_ticket_first = models.BooleanField(
        default=True, help_text=_("Post-ticket CSAT has priority over relationship surveys")
    )

    class Meta:
        verbose_name_plural = "contact policies"

    def __str__(self) -> str:
        return f"at most one invitation per {self.frequency_days} days"
