"""Demo part: a year of tickets with conversations, built in memory and bulk-inserted.

The story: tickets arrive day and night, weekdays more than weekends; agents answer in business
hours; some tickets get an automatic acknowledgement, internal notes, a pending spell, a reopen;
some miss their SLA. About seven weeks before the end, a payment problem at checkout makes
"payment" tickets spike for four weeks, and agents fall behind (more breaches).
Timing fields come from tickets.timing, the same pure code services use, so the demo's numbers
are exactly what the services would store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone

from tickets.business_time import add_business_time
from tickets.calendars import active_policies, default_calendar_spec, sla_targets
from tickets.models import Category, Message, StatusChange, Ticket
from tickets.services import references_assign, temporary_reference
from tickets.timing import ChangeRow, MessageRow, compute_timing

BATCH = 1000
CATEGORIES = [
    ("delivery", "Delivery"),
    ("payment", "Payment"),
    ("returns", "Returns and refunds"),
    ("product-question", "Product question"),
    ("account", "Account and login"),
    ("warranty", "Warranty and repairs"),
    ("invoice", "Invoices"),
]
# category: (weight, touchpoints where the problem happened, subjects)
CATEGORY_PROFILE = {
    "delivery": (
        26,
        ["delivery", "delivery-sms", "click-collect", "order-confirmation"],
        [
            "Parcel has not arrived",
            "Courier left no note",
            "Wrong delivery address",
            "Click and collect order not ready",
            "Tracking link does not work",
        ],
    ),
    "payment": (
        10,
        ["checkout", "payment"],
        [
            "Card declined at checkout",
            "Charged twice",
            "Payment page froze",
            "Refund not received on card",
            "3-D Secure code never arrives",
        ],
    ),
    "returns": (
        16,
        ["returns", "store-visit"],
        [
            "How do I return an item?",
            "Return label missing",
            "Refund still pending",
            "Store refused my return",
        ],
    ),
    "product-question": (
        18,
        ["product-page", "live-chat-sales", "sales-staff", "website"],
        [
            "Is this available in another size?",
            "Product dimensions",
            "Compatibility question",
            "When is it back in stock?",
        ],
    ),
    "account": (
        12,
        ["mobile-app", "website", "loyalty-programme", "smart-device"],
        [
            "Cannot log in",
            "Loyalty points missing",
            "App crashes on start",
            "Change my e-mail address",
        ],
    ),
    "warranty": (
        9,
        ["warranty", "service-team", "phone-support"],
        ["Device stopped working", "Warranty repair status", "Replacement part needed"],
    ),
    "invoice": (
        9,
        ["invoice", "payment"],
        [
            "Invoice has the wrong VAT number",
            "Need a copy of my invoice",
            "Invoice amount is wrong",
        ],
    ),
}
CONTACT_CHANNELS = [
    ("email", 30),
    ("chat", 25),
    ("phone", 18),
    ("web", 14),
    ("social", 7),
    ("app", 6),
]
PRIORITIES = [("low", 20), ("normal", 56), ("high", 19), ("urgent", 5)]
# Weekday arrival multipliers (Monday busiest, Sunday quietest).
WEEKDAY_FACTOR = [1.35, 1.15, 1.05, 1.0, 0.95, 0.6, 0.5]
# Around the clock, with the evening peak of people writing after work.
ARRIVAL_HOURS = [2, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 9, 9, 9, 9, 9, 9, 9, 10, 9, 7, 5, 3]
TICKETS_PER_100_CUSTOMERS_PER_MONTH = 7.0
SPIKE_STARTS_WEEKS_BEFORE_END = 7
SPIKE_WEEKS = 4

CUSTOMER_TEXT = [
    "Hello, {subject_l}. Order {order}. Can you help?",
    "Hi — {subject_l}. This is the second time I write about order {order}.",
    "{subject}. Please get back to me soon, order number {order}.",
]
REPLY_TEXT = [
    "Thanks for reaching out. I have checked order {order} and sorted it for you.",
    "Sorry for the trouble. I've escalated order {order} and will keep you posted.",
    "Thank you for your patience — the issue with order {order} is fixed now.",
]
NOTE_TEXT = [
    "Checked with logistics: carrier lost the scan.",
    "Payment provider confirms duplicate authorisation; refund queued.",
    "Customer is a loyalty member, offer a voucher.",
    "Escalated to second line.",
]
FOLLOW_UP_TEXT = ["It happened again.", "Still not working, sorry.", "Thanks, that worked!"]


@dataclass
class _Draft:
    ticket: Ticket
    messages: list[Message] = field(default_factory=list)
    changes: list[StatusChange] = field(default_factory=list)


def _weighted(rng, pairs):
    return rng.choices([value for value, _ in pairs], weights=[w for _, w in pairs])[0]


def _round(rng, expected: float) -> int:
    """A whole count whose mean is `expected` (small demos still get their fraction)."""
    return int(expected) + (1 if rng.random() < expected - int(expected) else 0)


def _categories() -> dict[str, Category]:
    categories = {}
    for slug, name in CATEGORIES:
        categories[slug], _ = Category.objects.get_or_create(slug=slug, defaults={"name": name})
    return categories


def seed(ctx) -> None:
    """Tickets, messages and status history for the demo year (see the module docstring)."""
    rng = ctx.rng
    categories = _categories()
    spec = default_calendar_spec()
    policies = active_policies()
    targets = {priority: sla_targets(policy, spec) for priority, policy in policies.items()}
    agents = [ctx.users[name] for name in ("agent", "agent2", "agent3") if name in ctx.users]
    now = timezone.now()
    cutoff = min(now, datetime.combine(ctx.end + timedelta(days=1), time(0)).replace(tzinfo=ctx.tz))
    spike_start = ctx.end - timedelta(weeks=SPIKE_STARTS_WEEKS_BEFORE_END)
    spike_end = spike_start + timedelta(weeks=SPIKE_WEEKS)
    per_day = len(ctx.customer_ids) * TICKETS_PER_100_CUSTOMERS_PER_MONTH / 100 / 30.4
    touchpoints = ctx.touchpoints
    category_weights = [(slug, profile[0]) for slug, profile in CATEGORY_PROFILE.items()]

    drafts: list[_Draft] = []
    for index in ctx.progress(range(ctx.days), desc="tickets", total=ctx.days):
        day = ctx.day_at(index)
        in_spike = spike_start <= day < spike_end
        expected = per_day * WEEKDAY_FACTOR[day.weekday()]
        count = _round(rng, expected)
        extra_payment = _round(rng, per_day * rng.uniform(0.8, 1.3)) if in_spike else 0
        for number in range(count + extra_payment):
            category = "payment" if number >= count else _weighted(rng, category_weights)
            drafts.append(
                _draft(
                    ctx,
                    rng,
                    day=day,
                    category=categories[category],
                    in_spike=in_spike,
                    touchpoints=touchpoints,
                    agents=agents,
                    spec=spec,
                    cutoff=cutoff,
                )
            )
    drafts = [draft for draft in drafts if draft.ticket.created_at < cutoff]

    for draft in drafts:
        ticket = draft.ticket
        timing = compute_timing(
            created_at=ticket.created_at,
            messages=[
                MessageRow(kind=m.kind, created_at=m.created_at, id=i, is_opening=m.is_opening)
                for i, m in enumerate(draft.messages)
            ],
            changes=[
                ChangeRow(to_status=c.to_status, at=c.at, id=i, actor_id=c.actor_id)
                for i, c in enumerate(draft.changes)
            ],
            business_spec=spec,
            sla=targets.get(ticket.priority),
            now=now,
        )
        for position, change in enumerate(draft.changes):
            change.from_status = timing.from_statuses[position]
        for name in (
            "status",
            "first_response_at",
            "frt_seconds",
            "frt_business_seconds",
            "resolved_at",
            "resolved_by_id",
            "resolution_seconds",
            "resolution_business_seconds",
            "public_reply_count",
            "reopened_count",
            "is_fcr",
            "sla_first_response_due",
            "sla_resolution_due",
            "sla_first_response_breached",
            "sla_resolution_breached",
        ):
            setattr(ticket, name, getattr(timing, name))
        ticket.sla_policy = policies.get(ticket.priority)
        if ticket.sla_breached or ticket.reopened_count:
            ctx.unhappy_customer_ids.add(ticket.customer_id)

    for start in range(0, len(drafts), BATCH):
        chunk = drafts[start : start + BATCH]
        Ticket.objects.bulk_create([draft.ticket for draft in chunk])
        if any(draft.ticket.pk is None for draft in chunk):
            # Databases that cannot return ids from a bulk insert: look them up by reference.
            ids = dict(
                Ticket.objects.filter(
                    reference__in=[draft.ticket.reference for draft in chunk]
                ).values_list("reference", "id")
            )
            for draft in chunk:
                draft.ticket.pk = ids[draft.ticket.reference]
        messages, changes = [], []
        for draft in chunk:
            for message in draft.messages:
                message.ticket_id = draft.ticket.pk
            for change in draft.changes:
                change.ticket_id = draft.ticket.pk
            messages.extend(draft.messages)
            changes.extend(draft.changes)
        Message.objects.bulk_create(messages, batch_size=BATCH)
        StatusChange.objects.bulk_create(changes, batch_size=BATCH)
    references_assign()
    ctx.extra["ticket_count"] = len(drafts)


def _draft(ctx, rng, *, day, category, in_spike, touchpoints, agents, spec, cutoff) -> _Draft:
    _weight, touchpoint_slugs, subjects = CATEGORY_PROFILE[category.slug]
    touchpoint = touchpoints.get(rng.choice(touchpoint_slugs)) or next(iter(touchpoints.values()))
    channel = ctx.channels[_weighted(rng, CONTACT_CHANNELS)]
    if category.slug == "payment" and in_spike:
        touchpoint = touchpoints.get(rng.choice(["checkout", "payment"]), touchpoint)
        channel = ctx.channels[rng.choice(["chat", "email", "web"])]
    created_at = ctx.moment(day, hour_weights=ARRIVAL_HOURS)
    payment_spike = in_spike and category.slug == "payment"
    priority = "high" if payment_spike and rng.random() < 0.4 else _weighted(rng, PRIORITIES)
    subject = rng.choice(subjects)
    order = f"#{rng.randrange(100000, 999999)}"
    assignee = rng.choice(agents) if agents and rng.random() < 0.9 else None
    ticket = Ticket(
        reference=temporary_reference(),
        subject=subject,
        customer_id=rng.choice(ctx.customer_ids),
        channel=channel,
        touchpoint=touchpoint,
        category=category,
        priority=priority,
        department=touchpoint.department,
        assignee=assignee,
        created_at=created_at,
        opened_by_agent=channel.slug == "phone" and rng.random() < 0.25,
    )
    draft = _Draft(ticket)
    text = {"subject": subject, "subject_l": subject[0].lower() + subject[1:], "order": order}
    agent = assignee or (rng.choice(agents) if agents else None)

    def say(kind: str, body: str, at: datetime, author=None, opening: bool = False) -> None:
        if at < cutoff:
            draft.messages.append(
                Message(kind=kind, body=body, created_at=at, author=author, is_opening=opening)
            )

    def move(status: str, at: datetime) -> bool:
        if at >= cutoff:
            return False
        draft.changes.append(StatusChange(to_status=status, at=at, actor=agent))
        return True

    def later(start: datetime, low: float, high: float) -> datetime:
        """A moment `low`-`high` business hours after start (agents work office hours)."""
        return add_business_time(start, timedelta(hours=rng.uniform(low, high)), spec) or start

    if ticket.opened_by_agent:
        say("reply", REPLY_TEXT[1].format(**text), created_at, agent, opening=True)
    else:
        say("customer", rng.choice(CUSTOMER_TEXT).format(**text), created_at)
    if channel.slug in {"email", "web"} and rng.random() < 0.7:
        say(
            "auto",
            "We received your message and will answer within one business day.",
            created_at + timedelta(seconds=rng.randrange(5, 90)),
        )

    # The spike's payment tickets swamp the team: those wait longest, and the rest of the queue
    # slows a little too. (2.2x for everything made half of the last 90 days breach — harsher
    # than any retailer that still has customers.)
    slow = 1.8 if payment_spike else 1.25 if in_spike else 1.0
    # Ranges end just past each first-response target, so roughly one in twenty is late
    # (real service desks report 85-95 % of first responses within target).
    reach = {"urgent": (0.05, 1.05), "high": (0.2, 4.2), "normal": (0.3, 8.4), "low": (0.5, 16.8)}
    low, high = reach[priority]
    moment = later(created_at, low * slow, high * slow)
    if rng.random() < 0.25:
        say("note", rng.choice(NOTE_TEXT), later(created_at, 0, low * slow), agent)
    say("reply", rng.choice(REPLY_TEXT).format(**text), moment, agent)
    if not move("open", moment):
        return draft
    if rng.random() < 0.3:
        # A second round: waiting on the customer, who answers, then another agent reply.
        moment = later(moment, 0.1, 1)
        if not move("pending", moment):
            return draft
        moment += timedelta(hours=rng.uniform(2, 60))
        say("customer", rng.choice(FOLLOW_UP_TEXT[:2]), moment)
        if not move("open", moment):
            return draft
        moment = later(moment, 0.5, 6 * slow)
        say("reply", rng.choice(REPLY_TEXT).format(**text), moment, agent)
    resolve_by = {"urgent": 6, "high": 20, "normal": 36, "low": 70}[priority] * slow
    # Resolution is timed from creation: leave room for the first response, so most make it.
    moment = later(moment, 0.1, resolve_by * rng.uniform(0.15, 1.05))
    if not move("resolved", moment):
        return draft
    reopen_chance = 0.16 if in_spike and category.slug == "payment" else 0.07
    if rng.random() < reopen_chance:
        moment += timedelta(hours=rng.uniform(6, 96))
        say("customer", FOLLOW_UP_TEXT[0], moment)
        if not move("open", moment):
            return draft
        moment = later(moment, 0.5, 8)
        say("reply", rng.choice(REPLY_TEXT).format(**text), moment, agent)
        moment = later(moment, 0.5, 16)
        if not move("resolved", moment):
            return draft
    elif rng.random() < 0.1:
        say("customer", FOLLOW_UP_TEXT[2], moment + timedelta(hours=rng.uniform(1, 20)))
    if rng.random() < 0.6:
        move("closed", moment + timedelta(days=4))
    return draft
