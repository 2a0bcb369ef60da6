"""Reads of the surveys app, with each user's scope applied here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from surveys.models import Invitation, Response, Survey

SCORE_GROUPS = {
    "promoter": Q(nps_score__gte=9),
    "passive": Q(nps_score__in=[7, 8]),
    "detractor": Q(nps_score__lte=6),
    "satisfied": Q(csat_score__gte=4, csat_scale=5) | Q(csat_score__gte=6, csat_scale=7),
    "dissatisfied": Q(csat_score__lte=2),
    "commented": Q(has_comment=True),
    "followed_up": Q(follow_up__isnull=False),
}


def survey_list(*, user) -> QuerySet[Survey]:
    if not user.has_perm("surveys.view_survey"):
        return Survey.objects.none()
    return Survey.objects.select_related("touchpoint").annotate(
        response_count=Count("responses", distinct=True)
    )


def survey_for_public(*, slug: str) -> Survey | None:
    return (
        Survey.objects.select_related("touchpoint", "touchpoint__channel").filter(slug=slug).first()
    )


@dataclass(frozen=True)
class ResponseFilters:
    survey: str = ""
    touchpoint: str = ""
    start: date | None = None
    end: date | None = None
    score_group: str = ""
    language: str = ""
    channel: str = ""


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min).replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def response_list(*, user, filters: ResponseFilters | None = None) -> QuerySet[Response]:
    """Responses the user may read (managers and survey admins), filtered; newest first."""
    if not user.is_authenticated or not user.has_perm("surveys.view_response"):
        return Response.objects.none()
    filters = filters or ResponseFilters()
    responses = Response.objects.select_related(
        "survey", "touchpoint", "channel", "customer", "follow_up__ticket"
    )
    if filters.survey:
        responses = responses.filter(survey__slug=filters.survey)
    if filters.touchpoint:
        responses = responses.filter(touchpoint__slug=filters.touchpoint)
    if filters.channel:
        responses = responses.filter(channel__slug=filters.channel)
    if filters.language:
        responses = responses.filter(language=filters.language)
    if filters.start:
        responses = responses.filter(submitted_at__gte=_day_start(filters.start))
    if filters.end:
        responses = responses.filter(submitted_at__lt=_day_start(filters.end + timedelta(days=1)))
    if filters.score_group:
        responses = responses.filter(SCORE_GROUPS[filters.score_group])
    return responses.order_by("-submitted_at", "-pk")


def response_detail(*, user, pk: int) -> Response | None:
    return (
        response_list(user=user)
        .select_related("ticket", "resolved_by", "resolved_department", "invitation")
        .prefetch_related("answers__question")
        .filter(pk=pk)
        .first()
    )


def responses_in_window(*, start: datetime, end: datetime) -> QuerySet[Response]:
    return Response.objects.filter(submitted_at__gte=start, submitted_at__lt=end)


def invitations_in_window(*, start: datetime, end: datetime) -> QuerySet[Invitation]:
    """Invitations counted by response_rate: sent in the window (suppressed ones never are)."""
    return Invitation.objects.filter(
        status=Invitation.Status.SENT, sent_at__gte=start, sent_at__lt=end
    )


@dataclass(frozen=True)
class InvitationStats:
    sent: int
    pending: int
    suppressed: int
    cancelled: int
    responded: int

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.responded / self.sent, 1) if self.sent else None


def invitation_list(*, survey: Survey) -> QuerySet[Invitation]:
    """A survey's invitations, newest first (the invite page lists them)."""
    return survey.invitations.select_related("customer").order_by("-created_at")


def invitation_answered(invitation: Invitation) -> bool:
    return Response.objects.filter(invitation=invitation).exists()


def invitation_stats(*, survey: Survey) -> InvitationStats:
    counts = survey.invitations.aggregate(
        sent=Count("pk", filter=Q(status=Invitation.Status.SENT)),
        pending=Count("pk", filter=Q(status=Invitation.Status.PENDING)),
        suppressed=Count("pk", filter=Q(status=Invitation.Status.SUPPRESSED)),
        cancelled=Count("pk", filter=Q(status=Invitation.Status.CANCELLED)),
        responded=Count("pk", filter=Q(status=Invitation.Status.SENT, response__isnull=False)),
    )
    return InvitationStats(**counts)


def closed_loop_status(response: Response) -> str:
    """'none' (no follow-up needed), 'open' (ticket waiting) or 'answered'/'resolved'."""
    follow_up = getattr(response, "follow_up", None)
    if follow_up is None:
        return "none"
    ticket = follow_up.ticket
    if ticket.status in ("resolved", "closed"):
        return "resolved"
    if ticket.first_response_at is not None:
        return "answered"
    return "open"


def now() -> datetime:
    return timezone.now()
