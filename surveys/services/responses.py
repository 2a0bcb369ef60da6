"""Answering a survey: every answer validated against its question, one transaction, one response
per invitation enforced by the database, and the closed-loop follow-up opened for detractors."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journeys.models import Channel, Customer, Touchpoint
from journeys.services import channel_by_slug, customer_resolve, effective_time
from surveys.models import Answer, Invitation, Question, Response, Survey
from surveys.selectors import invitation_answered
from surveys.services import throttle
from surveys.services.answers import (
    clean_answers,
)
from surveys.services.followups import follow_up_for_response_id, follow_up_reason

logger = logging.getLogger(__name__)

SURVEY_INACTIVE = _("This survey is not active.")
SURVEY_NOT_STARTED = _("This survey has not opened yet.")
SURVEY_ENDED = _("This survey has closed.")
INVITATION_REQUIRED = _("This survey is answered by invitation only.")
CUSTOMER_MISMATCH = _("The customer does not match the invitation.")
UNKNOWN_LANGUAGE = _("This survey is not offered in that language.")


class AlreadyAnswered(IntegrityError):
    """The invitation has its response already (an IntegrityError: the API's handler gives 409)."""


class InvitationNotFound(Http404):
    """Unknown, revoked or cancelled token, or a token of another survey: the same 404 for all."""


def survey_open_check(*, survey: Survey, at: datetime) -> None:
    """Refuse answers to an inactive survey or outside its window, with a clear message."""
    if not survey.is_active:
        raise ValidationError(SURVEY_INACTIVE, code="inactive")
    if survey.starts_at and at < survey.starts_at:
        raise ValidationError(SURVEY_NOT_STARTED, code="not_started")
    if survey.ends_at and at >= survey.ends_at:
        raise ValidationError(SURVEY_ENDED, code="ended")


def invitation_resolve(
    *, token: str, client_ip: str | None, survey: Survey | None = None
) -> Invitation:
    """The live invitation for `token` (of `survey` when given). Throttled per client address so
    tokens cannot be guessed; unknown, revoked, cancelled and foreign tokens all give one 404."""
    throttle.throttle_hit(scope=throttle.SURVEY_TOKEN, ident=client_ip)
    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        raise InvitationNotFound()
    invitation = (
        Invitation.objects.select_related("survey", "customer", "channel", "ticket")
        .filter(token=token)
        .exclude(
            status__in=[
                Invitation.Status.REVOKED,
                Invitation.Status.CANCELLED,
                Invitation.Status.SUPPRESSED,
            ]
        )
        .first()
    )
    if invitation is None or (survey is not None and invitation.survey_id != survey.pk):
        raise InvitationNotFound()
    return invitation


def is_public_exempt(user) -> bool:
    """Integrations with surveys.add_response push responses in bulk: not the public budget."""
    return bool(
        user is not None and user.is_authenticated and user.has_perm("surveys.add_response")
    )


def _denormalise(response: Response, cleaned: list[tuple[Question, dict]]) -> None:
    seen: set[str] = set()
    for question, fields in cleaned:
        if question.type in seen:
            continue
        seen.add(question.type)
        if question.type == Question.Type.NPS:
            response.nps_score = fields["number"]
        elif question.type == Question.Type.CSAT:
            response.csat_score = fields["number"]
            response.csat_scale = question.scale or 5
        elif question.type == Question.Type.CES:
            response.ces_score = fields["number"]
        elif question.type == Question.Type.TEXT:
            response.has_comment = bool(fields.get("text"))


@dataclass
class Lookups:
    """What one request reads once, however many responses it carries."""

    survey: Survey
    questions: list[Question] | None = None
    channels: dict[str, Channel] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)

    def question_list(self) -> list[Question]:
        if self.questions is None:
            self.questions = list(self.survey.questions.all())
        return self.questions

    def channel(self, slug: str) -> Channel:
        if slug not in self.channels:
            # Most callers name the touchpoint's own channel, often already read with the survey.
            touchpoint = (
                self.survey.touchpoint if Survey.touchpoint.is_cached(self.survey) else None
            )
            own = (
                touchpoint.channel
                if touchpoint and Touchpoint.channel.is_cached(touchpoint)
                else None
            )
            self.channels[slug] = own if own and own.slug == slug else channel_by_slug(slug)
        return self.channels[slug]

    def customer(self, external_id: str, seen_at: datetime) -> Customer:
        if external_id not in self.customers:
            self.customers[external_id] = customer_resolve(external_id=external_id, seen_at=seen_at)
        return self.customers[external_id]


@dataclass
class Prepared:
    response: Response
    cleaned: list[tuple[Question, dict]]
    invitation: Invitation | None


def prepare(
    *,
    lookups: Lookups,
    answers: Any,
    customer_ref: str | None,
    channel: str | None,
    invitation_token: str | None,
    submitted_at: datetime | None,
    language: str | None,
    user,
    client_ip: str | None,
) -> Prepared:
    """Validate one response and build it unsaved; raises before anything is written."""
    survey = lookups.survey
    if not is_public_exempt(user):
        throttle.throttle_hit(scope=throttle.PUBLIC_SURVEY, ident=client_ip)
    try:
        at = effective_time(user=user, requested=submitted_at)
    except ValidationError as error:  # a future or naive time: name the field it came from
        raise ValidationError({"submitted_at": error.messages}) from None
    # History imports carry past answers of surveys that may be closed by now.
    importing = bool(
        submitted_at is not None and user is not None and user.has_perm("journeys.import_history")
    )
    if not importing:
        survey_open_check(survey=survey, at=at)

    invitation = None
    if invitation_token:
        invitation = invitation_resolve(token=invitation_token, client_ip=client_ip, survey=survey)
        if invitation_answered(invitation):
            raise AlreadyAnswered("This invitation has already been answered.")
    elif survey.invitation_only:
        raise ValidationError({"invitation": INVITATION_REQUIRED})

    cleaned = clean_answers(questions=lookups.question_list(), answers=answers)

    if language in (None, ""):
        language = (invitation.language if invitation else "") or survey.default_language
    if language not in (survey.languages or [survey.default_language]):
        raise ValidationError({"language": UNKNOWN_LANGUAGE})

    if channel:
        channel_obj = lookups.channel(channel)
    elif invitation is not None and invitation.channel_id:
        channel_obj = invitation.channel
    else:
        channel_obj = survey.touchpoint.channel

    customer: Customer | None = None
    if invitation is not None:
        customer = invitation.customer
        if customer_ref and customer_ref != customer.external_id:
            raise ValidationError({"customer": CUSTOMER_MISMATCH})
    elif customer_ref:
        if not isinstance(customer_ref, str) or "\x00" in customer_ref or len(customer_ref) > 100:
            raise ValidationError(
                {"customer": _("Give the customer's external id (at most 100 characters).")}
            )
        customer = lookups.customer(customer_ref, at)
    if survey.is_anonymous:
        customer = None

    response = Response(
        survey=survey,
        customer=customer,
        channel=channel_obj,
        touchpoint=survey.touchpoint,
        stage_id=survey.stage_id,
        invitation=invitation,
        language=language,
        submitted_at=at,
    )
    if invitation is not None and invitation.ticket_id:
        ticket = invitation.ticket
        response.ticket = ticket
        response.resolved_by_id = ticket.resolved_by_id
        response.resolved_department_id = ticket.department_id
    _denormalise(response, cleaned)
    return Prepared(response=response, cleaned=cleaned, invitation=invitation)


def answers_of(prepared: Prepared) -> list[Answer]:
    return [
        Answer(response=prepared.response, question=question, **fields)
        for question, fields in prepared.cleaned
    ]


def after_save(prepared: Prepared, answers: list[Answer], *, body: bool = True) -> bool:
    """Mark the invitation answered and say whether the response calls for a follow-up (queued
    here for one response; a batch queues its follow-ups together). With `body` (one response,
    whose representation the caller returns) the response's answers and (still absent) follow-up
    are left cached so that body costs no further query; a batch answers with ids only."""
    response = prepared.response
    if prepared.invitation is not None:
        Invitation.objects.filter(pk=prepared.invitation.pk).update(
            responded_at=response.submitted_at, updated_at=timezone.now()
        )
    if body:
        # As prefetch_related leaves it: a queryset whose result is already in hand.
        cached = Answer.objects.filter(response=response)
        cached._result_cache = answers
        cached._prefetch_done = True
        response._prefetched_objects_cache = {"answers": cached}
        Response.follow_up.related.set_cached_value(response, None)
    if response.customer_id is None or not follow_up_reason(response):
        return False
    if body:
        transaction.on_commit(partial(follow_up_schedule, response.pk))
    return True


@transaction.atomic
def response_submit(
    *,
    survey: Survey,
    answers: Any,
    customer_ref: str | None = None,
    channel: str | None = None,
    invitation_token: str | None = None,
    submitted_at: datetime | None = None,
    language: str | None = None,
    user=None,
    client_ip: str | None = None,
) -> Response:
    """Record one response. Public callers (anonymous, or without surveys.add_response) spend the
    shared per-address budget first; everything else is validated before the first write. A
    follow-up the response calls for is opened by a task once this transaction commits."""
    prepared = prepare(
        lookups=Lookups(survey=survey),
        answers=answers,
        customer_ref=customer_ref,
        channel=channel,
        invitation_token=invitation_token,
        submitted_at=submitted_at,
        language=language,
        user=user,
        client_ip=client_ip,
    )
    # The OneToOne on invitation makes a parallel second submit fail here (IntegrityError -> 409).
    prepared.response.save()
    answer_rows = Answer.objects.bulk_create(answers_of(prepared))
    after_save(prepared, answer_rows)
    return prepared.response


def follow_up_schedule(response_id: int) -> None:
    """Queue the follow-up task; with the broker unreachable, open the follow-up right here, as a
    lost ticket for an unhappy customer is worse than a slower request."""
    from surveys.tasks import open_follow_up

    try:
        open_follow_up.delay(response_id)
    except Exception:
        logger.exception(
            "could not queue the follow-up of response %s; opening it now", response_id
        )
        follow_up_for_response_id(response_id=response_id)


def follow_ups_schedule(response_ids: list[int]) -> None:
    """follow_up_schedule for many responses through one broker connection (a batch of a hundred
    responses queued its detractors' tasks one connection each). Whatever could not be queued is
    opened here; a follow-up queued twice is still opened once."""
    from surveys.tasks import open_follow_up

    pending = list(response_ids)
    try:
        with open_follow_up.app.producer_or_acquire() as producer:
            while pending:
                open_follow_up.apply_async((pending[0],), producer=producer)
                pending.pop(0)
    except Exception:
        logger.exception("could not queue %d follow-ups; opening them now", len(pending))
        for response_id in pending:
            follow_up_for_response_id(response_id=response_id)
