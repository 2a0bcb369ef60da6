"""The surveys entries of a customer's timeline (registered in SurveysConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from journeys.timeline import TimelineEntry


def _score_text(response) -> tuple[str, str]:
    if response.nps_score is not None:
        tone = "good" if response.nps_score >= 9 else "bad" if response.nps_score <= 6 else ""
        return f"NPS {response.nps_score}/10", tone
    if response.csat_score is not None:
        tone = (
            "bad"
            if response.csat_score <= 2
            else "good"
            if response.csat_score >= response.csat_scale - 1
            else ""
        )
        return f"CSAT {response.csat_score}/{response.csat_scale}", tone
    if response.ces_score is not None:
        tone = "bad" if response.ces_score <= 3 else "good" if response.ces_score >= 6 else ""
        return f"CES {response.ces_score}/7", tone
    return "", ""


def response_entries(*, customer, user, limit: int) -> list[TimelineEntry]:
    """Survey responses with score and comment, for users who may see responses or the customer.
    Text goes out as plain strings: the timeline template escapes it."""
    can_open = user.has_perm("surveys.view_response")
    if not (can_open or user.has_perm("journeys.view_customer")):
        return []
    responses = (
        customer.responses.select_related("survey", "touchpoint", "channel")
        .prefetch_related("answers__question")
        .order_by("-submitted_at")[:limit]
    )
    entries = []
    for response in responses:
        score, tone = _score_text(response)
        comment = next(
            (a.text for a in response.answers.all() if a.question.type == "text" and a.text), ""
        )
        title = _("Survey: %(survey)s") % {"survey": response.survey.name}
        if score:
            title = f"{title} · {score}"
        entries.append(
            TimelineEntry(
                at=response.submitted_at,
                kind="response",
                title=title,
                channel=response.channel.name if response.channel else "",
                touchpoint=response.touchpoint.name,
                url=reverse("surveys:response_detail", args=[response.pk]) if can_open else "",
                detail=comment[:500],
                tone=tone,
            )
        )
    return entries
