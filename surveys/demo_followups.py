"""Demo organisation, closed loop: recent detractors get their follow-up ticket through
tickets.services like live ones, answered and resolved in business hours; a few stay unanswered."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q

from surveys.models import FollowUp, Response
from tickets.business_time import add_business_time
from tickets.calendars import default_calendar_spec

FOLLOW_UP_DAYS = 120
FOLLOW_UP_MAX = 100


def seed_follow_ups(ctx, rng, cutoff) -> None:
    """Recent detractors get their follow-up ticket through tickets.services, like live ones;
    most are answered within two business days, some late, a few not yet."""
    from tickets import services as ticket_services

    since = cutoff - timedelta(days=FOLLOW_UP_DAYS)
    candidates = list(
        Response.objects.filter(
            submitted_at__gte=since, customer__isnull=False, ticket__isnull=True
        )
        .filter(
            Q(nps_score__lte=6) | Q(csat_score__lte=2) | (Q(has_comment=True) & Q(ces_score__lte=3))
        )
        .select_related(
            "survey", "survey__touchpoint", "survey__touchpoint__channel", "customer", "channel"
        )
        .order_by("submitted_at", "pk")
    )
    rng.shuffle(candidates)
    chosen = sorted(candidates[:FOLLOW_UP_MAX], key=lambda r: r.submitted_at)
    agents = [ctx.users[name] for name in ("agent", "agent2", "agent3") if name in ctx.users]
    spec = default_calendar_spec()
    from surveys.services.followups import follow_up_reason

    for response in ctx.progress(chosen, desc="follow-ups", total=len(chosen)):
        reason = follow_up_reason(response) or "Low score"
        touchpoint = response.survey.touchpoint
        ticket = ticket_services.ticket_create(
            subject=f"Survey follow-up: {response.survey.name} ({reason})"[:200],
            customer=response.customer,
            channel=response.channel or touchpoint.channel,
            touchpoint=touchpoint,
            priority="high",
            created_at=response.submitted_at + timedelta(seconds=5),
            body="A customer gave a low score; please contact them today.",
        )
        FollowUp.objects.create(
            response=response, ticket=ticket, reason=reason, created_at=response.submitted_at
        )
        roll = rng.random()
        if roll < 0.85 and agents:
            # Business hours after the score: most within the high-priority target (4 h) like
            # live follow-ups, some late, a few (the 15 % not drawn here) unanswered.
            hours = rng.uniform(0.3, 4.1) if roll < 0.72 else rng.uniform(5, 16)
            replied = add_business_time(
                response.submitted_at + timedelta(seconds=5), timedelta(hours=hours), spec
            )
            if replied is None or replied >= cutoff:
                continue
            agent = rng.choice(agents)
            ticket_services.message_add(
                ticket=ticket,
                kind="reply",
                author=agent,
                created_at=replied,
                body=(
                    "Thank you for your honest feedback, and I am sorry about this. "
                    "I have looked into it and will call you today to put it right."
                ),
            )
            resolved = add_business_time(replied, timedelta(hours=rng.uniform(1, 12)), spec)
            if resolved is not None and resolved < cutoff and rng.random() < 0.9:
                ticket_services.ticket_transition(
                    ticket=ticket, status="resolved", actor=agent, at=resolved
                )
