"""Closing the loop: a response that meets its survey's follow-up rule opens one ticket for the
touchpoint's department, so no unhappy customer goes unanswered."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from surveys.models import Answer, FollowUp, Question, Response

logger = logging.getLogger(__name__)

LOW_CES = 3


def follow_up_reason(response: Response) -> str:
    """Why this response needs a follow-up, or "" when it does not."""
    survey = response.survey
    if not survey.follow_up_enabled:
        return ""
    if response.nps_score is not None and response.nps_score <= survey.follow_up_nps_max:
        return _("NPS %(score)s") % {"score": response.nps_score}
    if response.csat_score is not None:
        bottom = survey.follow_up_csat_bottom
        if response.csat_score <= bottom:
            return _("CSAT %(score)s of %(scale)s") % {
                "score": response.csat_score,
                "scale": response.csat_scale,
            }
    if response.has_comment:
        low = (
            (response.nps_score is not None and response.nps_score <= 6)
            or (response.csat_score is not None and response.csat_score <= 2)
            or (response.ces_score is not None and response.ces_score <= LOW_CES)
        )
        if low:
            return _("Comment with a low score")
    return ""


def _comment(answers) -> str:
    for question, fields in answers:
        if question.type == Question.Type.TEXT and fields.get("text"):
            return fields["text"]
    return ""


def _score_line(response: Response) -> str:
    parts = []
    if response.nps_score is not None:
        parts.append(f"NPS {response.nps_score}/10")
    if response.csat_score is not None:
        parts.append(f"CSAT {response.csat_score}/{response.csat_scale}")
    if response.ces_score is not None:
        parts.append(f"CES {response.ces_score}/7")
    return ", ".join(parts)


def follow_up_for_response(*, response: Response, answers) -> FollowUp | None:
    """Open the follow-up ticket when the rule says so (once per response). A failure here is
    logged and leaves the response stored: losing an answer is worse than a missing ticket."""
    reason = follow_up_reason(response)
    if not reason or response.customer_id is None:
        return None
    try:
        with transaction.atomic():
            return _open(response=response, reason=reason, comment=_comment(answers))
    except IntegrityError:
        return FollowUp.objects.filter(response=response).first()
    except Exception:
        logger.exception("could not open the follow-up ticket for response %s", response.pk)
        return None


def follow_up_for_response_id(*, response_id: int) -> FollowUp | None:
    """The follow-up of a stored response (the task's entry point): reads the response with what
    the ticket needs, and its comment, then applies the rule as follow_up_for_response does."""
    response = (
        Response.objects.select_related(
            "survey__touchpoint__channel", "survey__touchpoint__department", "customer", "channel"
        )
        .filter(pk=response_id)
        .first()
    )
    if response is None:
        return None
    comments = [
        (answer.question, {"text": answer.text})
        for answer in Answer.objects.filter(
            response=response, question__type=Question.Type.TEXT
        ).select_related("question")
    ]
    return follow_up_for_response(response=response, answers=comments)


def _open(*, response: Response, reason: str, comment: str) -> FollowUp:
    from tickets.models import Priority
    from tickets.services import ticket_create

    survey = response.survey
    touchpoint = survey.touchpoint
    subject = _("Survey follow-up: %(survey)s (%(reason)s)") % {
        "survey": survey.name,
        "reason": reason,
    }
    lines = [
        _('A customer answered "%(survey)s" on %(date)s: %(scores)s.')
        % {
            "survey": survey.name,
            "date": response.submitted_at.strftime("%Y-%m-%d %H:%M UTC"),
            "scores": _score_line(response),
        }
    ]
    if comment:
        lines.append(_("Their comment:"))
        lines.extend(f"> {line}" for line in comment.splitlines() or [""])
    lines.append(_("Please contact them within two business days to close the loop."))
    ticket = ticket_create(
        subject=subject[:200],
        customer=response.customer,
        channel=response.channel or touchpoint.channel,
        touchpoint=touchpoint,
        priority=Priority.HIGH,
        department=touchpoint.department,
        created_at=response.submitted_at,
        body="\n".join(lines),
        opened_by_agent=False,
    )
    return FollowUp.objects.create(
        response=response, ticket=ticket, reason=reason, created_at=response.submitted_at
    )
