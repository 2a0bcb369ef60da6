"""Demo part: the surveys of a retail business and a year of answers (seed_demo runs it after
tickets). Relationship NPS, transactional CSAT/CES on many touchpoints, post-ticket CSAT on the
support touchpoints, one survey in English, Indonesian, Malay and Italian; invitations with a
response rate near 30 %, weekly seasonality, touchpoints at different levels, and the checkout
CSAT dip in the weeks of the payment-ticket spike. Follow-up tickets for some recent detractors
go through tickets.services (a few hundred at most); everything else is bulk-inserted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from surveys.demo_content import (
    COMMENTS,
    DRIVERS,
    PLANS,
    POST_TICKET,
    create_surveys,
)
from surveys.demo_db import fast_insert, next_id, reset_sequences
from surveys.demo_followups import seed_follow_ups
from surveys.models import Answer, Invitation, Question, Response

RESPONSES_PER_CUSTOMER_YEAR = 25_000 / 3000
INVITED_SHARE = 0.3  # the rest answer public links, in-app prompts and QR codes
WEEKDAY_FACTOR = [1.15, 1.1, 1.0, 1.0, 1.05, 0.85, 0.7]


def _dip_window(ctx) -> tuple[date, date]:
    try:
        from tickets import demo as tickets_demo

        weeks_before = tickets_demo.SPIKE_STARTS_WEEKS_BEFORE_END
        weeks = tickets_demo.SPIKE_WEEKS
    except (ImportError, AttributeError):
        weeks_before, weeks = 7, 4
    start = ctx.end - timedelta(weeks=weeks_before)
    return start, start + timedelta(weeks=weeks)


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _scores(rng, plan_kind: str, happiness: float) -> dict[str, int]:
    """Scores that move together: one latent satisfaction drives NPS, CSAT and CES."""
    latent = min(1.0, max(0.0, rng.gauss(happiness, 0.22)))
    scores: dict[str, int] = {}
    if plan_kind == "nps":
        scores["nps"] = _clamp(latent * 10.8 - 0.2 + rng.uniform(-0.6, 0.6), 0, 10)
    if plan_kind in ("csat", "csat_ces"):
        scores["csat"] = _clamp(1 + latent * 4.3 + rng.uniform(-0.4, 0.4), 1, 5)
    if plan_kind in ("ces", "csat_ces"):
        scores["ces"] = _clamp(1 + latent * 6.3 + rng.uniform(-0.6, 0.6), 1, 7)
    return scores


def _is_low(scores: dict[str, int]) -> bool:
    return scores.get("nps", 10) <= 6 or scores.get("csat", 5) <= 2 or scores.get("ces", 7) <= 3


def _comment(rng, language: str, low: bool) -> str:
    pool = COMMENTS.get(language, COMMENTS["en"])["bad" if low else "good"]
    return rng.choice(pool)


@dataclass
class _Draft:
    response: Response
    answers: list[tuple[str, dict]]
    invitation: Invitation | None = None


def seed(ctx) -> None:
    """Surveys, invitations, a year of responses with answers, and some follow-up tickets."""
    rng = ctx.rng
    surveys = create_surveys(ctx)
    questions = {
        survey.slug: {q.key: q for q in survey.questions.all()} for survey in surveys.values()
    }
    customers = ctx.customer_ids
    if not customers:
        return
    languages = {
        cid: rng.choices(["en", "id", "ms", "it"], weights=[40, 25, 20, 15])[0] for cid in customers
    }
    dip_start, dip_end = _dip_window(ctx)
    email = ctx.channels.get("email")
    now = timezone.now()
    cutoff = min(
        now,
        datetime.combine(ctx.end + timedelta(days=1), datetime.min.time()).replace(tzinfo=ctx.tz),
    )

    total = len(customers) * RESPONSES_PER_CUSTOMER_YEAR * ctx.days / 365
    per_day = total / ctx.days
    weights = [plan.weight for plan in PLANS]
    drafts: list[_Draft] = []
    uninvited: list[Invitation] = []
    last_invited: dict[int, datetime] = {}
    for index in ctx.progress(range(ctx.days), desc="responses", total=ctx.days):
        day = ctx.day_at(index)
        trend = 0.04 * (index / max(1, ctx.days))  # the programme slowly improves things
        count = _poisson(rng, per_day * WEEKDAY_FACTOR[day.weekday()])
        for _ in range(count):
            plan = rng.choices(PLANS, weights=weights)[0]
            survey = surveys[plan.slug]
            customer_id = rng.choice(customers)
            at = ctx.moment(day)
            if at >= cutoff:
                continue
            happiness = plan.level + trend
            if plan.dips and dip_start <= day < dip_end:
                happiness -= 0.32
            if day.weekday() >= 5:
                happiness -= 0.03
            if customer_id in ctx.unhappy_customer_ids:
                happiness -= 0.12
            language = languages[customer_id] if plan.languages != ("en",) else "en"
            invitation = None
            if rng.random() < plan.invited:
                sent = at - timedelta(hours=rng.uniform(1, 72))
                invitation = Invitation(
                    survey=survey,
                    customer_id=customer_id,
                    channel=email,
                    language=language,
                    status=Invitation.Status.SENT,
                    send_after=sent,
                    sent_at=sent,
                    opened_at=sent + (at - sent) * 0.8,
                    responded_at=at,
                    created_at=sent,
                )
                last_invited[customer_id] = sent
                # Each answered invitation stands for about three sent (response rate ~30 %).
                for _extra in range(2 if rng.random() < 0.7 else 3):
                    uninvited.append(
                        _unanswered(ctx, rng, survey, customer_id, email, language, sent)
                    )
            drafts.append(
                _draft(
                    ctx,
                    rng,
                    survey,
                    plan.kind,
                    questions[survey.slug],
                    customer_id,
                    at,
                    language,
                    happiness,
                    invitation,
                )
            )

    drafts.extend(_post_ticket_drafts(ctx, rng, surveys, questions, cutoff))
    _insert(ctx, drafts, uninvited)
    seed_follow_ups(ctx, rng, cutoff)
    ctx.extra["response_count"] = len(drafts)


def _poisson(rng, mean: float) -> int:
    # Knuth for small means; normal approximation above (fast, good enough for a demo).
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _unanswered(ctx, rng, survey, customer_id, channel, language, around) -> Invitation:
    sent = around - timedelta(days=rng.uniform(-20, 20))
    sent = max(sent, datetime.combine(ctx.start, datetime.min.time()).replace(tzinfo=ctx.tz))
    suppressed = rng.random() < 0.04
    return Invitation(
        survey=survey,
        customer_id=customer_id,
        channel=channel,
        language=language,
        status=Invitation.Status.SUPPRESSED if suppressed else Invitation.Status.SENT,
        suppressed_reason="Contact frequency: at most one invitation per 30 days."
        if suppressed
        else "",
        send_after=sent,
        sent_at=None if suppressed else sent,
        opened_at=sent + timedelta(hours=5) if not suppressed and rng.random() < 0.3 else None,
        created_at=sent,
    )


def _draft(
    ctx, rng, survey, kind, qs, customer_id, at, language, happiness, invitation, ticket=None
) -> _Draft:
    scores = _scores(rng, kind, happiness)
    low = _is_low(scores)
    answers: list[tuple[str, dict]] = [(key, {"number": value}) for key, value in scores.items()]
    response = Response(
        survey=survey,
        customer_id=customer_id,
        channel_id=(invitation.channel_id if invitation else None) or survey.touchpoint.channel_id,
        touchpoint_id=survey.touchpoint_id,
        stage_id=survey.stage_id,
        language=language,
        submitted_at=at,
        created_at=at,
        nps_score=scores.get("nps"),
        csat_score=scores.get("csat"),
        csat_scale=5 if "csat" in scores else None,
        ces_score=scores.get("ces"),
    )
    if ticket is not None:
        response.ticket_id = ticket["id"]
        response.resolved_by_id = ticket["resolved_by_id"]
        response.resolved_department_id = ticket["department_id"]
        response.channel_id = ticket["channel_id"]
    if "driver" in qs and rng.random() < 0.8:
        answers.append(("driver", {"text": rng.choice(DRIVERS)[0]}))
    if rng.random() < (0.5 if low else 0.22):
        answers.append(("comment", {"text": _comment(rng, language, low)}))
        response.has_comment = True
    return _Draft(response=response, answers=answers, invitation=invitation)


def _post_ticket_drafts(ctx, rng, surveys, questions, cutoff) -> list[_Draft]:
    """CSAT after resolved demo tickets, on the support touchpoint of the ticket's channel."""
    by_channel = {}
    for slug, _name, _touchpoint, channels in POST_TICKET:
        for channel in channels:
            by_channel[channel] = surveys[slug]
    tickets = _resolved_tickets()
    drafts = []
    for ticket in ctx.progress(tickets, desc="ticket csat", total=len(tickets)):
        if rng.random() > 0.55:
            continue
        survey = by_channel.get(ticket["channel__slug"])
        if survey is None:
            continue
        sent = ticket["resolved_at"] + timedelta(minutes=60)
        if sent >= cutoff:
            continue
        invitation = Invitation(
            survey=survey,
            customer_id=ticket["customer_id"],
            channel_id=ticket["channel_id"],
            ticket_id=ticket["id"],
            status=Invitation.Status.SENT,
            send_after=sent,
            sent_at=sent,
            created_at=ticket["resolved_at"],
        )
        if rng.random() > 0.32:
            drafts.append(_Draft(response=None, answers=[], invitation=invitation))
            continue
        at = sent + timedelta(hours=rng.uniform(0.2, 48))
        if at >= cutoff:
            at = sent + timedelta(minutes=10)
        invitation.opened_at = at - timedelta(minutes=3)
        invitation.responded_at = at
        happiness = 0.78
        if ticket["sla_first_response_breached"] or ticket["sla_resolution_breached"]:
            happiness -= 0.25
        if ticket["reopened_count"]:
            happiness -= 0.2
        if ticket["is_fcr"]:
            happiness += 0.06
        drafts.append(
            _draft(
                ctx,
                rng,
                survey,
                "csat",
                questions[survey.slug],
                ticket["customer_id"],
                at,
                "en",
                happiness,
                invitation,
                ticket=ticket,
            )
        )
    return drafts


def _resolved_tickets() -> list[dict]:
    from tickets.models import Ticket

    return list(
        Ticket.objects.filter(resolved_at__isnull=False, status__in=["resolved", "closed"])
        .order_by("pk")
        .values(
            "id",
            "customer_id",
            "channel_id",
            "channel__slug",
            "department_id",
            "resolved_at",
            "resolved_by_id",
            "reopened_count",
            "is_fcr",
            "sla_first_response_breached",
            "sla_resolution_breached",
        )
    )


def _insert(ctx, drafts: list[_Draft], uninvited: list[Invitation]) -> None:
    invitations = [d.invitation for d in drafts if d.invitation is not None] + uninvited
    for number, invitation in enumerate(invitations, start=next_id(Invitation)):
        invitation.pk = number
    fast_insert(Invitation, invitations)
    answered = [d for d in drafts if d.response is not None]
    question_ids = {
        (q.survey_id, q.key): q.pk
        for q in Question.objects.filter(
            survey__slug__in=[p.slug for p in PLANS] + [p[0] for p in POST_TICKET]
        )
    }
    answers = []
    for number, draft in enumerate(answered, start=next_id(Response)):
        draft.response.pk = number
        if draft.invitation is not None:
            draft.response.invitation_id = draft.invitation.pk
        for key, fields in draft.answers:
            answers.append(
                Answer(
                    response_id=number,
                    question_id=question_ids[(draft.response.survey_id, key)],
                    **fields,
                )
            )
    for number, answer in enumerate(answers, start=next_id(Answer)):
        answer.pk = number
    fast_insert(Response, [d.response for d in answered])
    fast_insert(Answer, answers)
    reset_sequences(Invitation, Response, Answer)
