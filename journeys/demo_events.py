"""Demo organisation, journey events: a year of customers moving through the demo maps, with some
churn (seed_events). Deterministic: only ctx.rng is used.

The story: customers who complained (ctx.unhappy_customer_ids) drop off more, and a purchase on
the web followed by a call to phone support loses the most customers, so the gap list of the
"New customer" journey names web -> phone first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from journeys.demo_content import NEW_CUSTOMER, REPEAT_IN_STORE
from journeys.models import Customer, Journey, JourneyEvent

BATCH = 5000

# Customer paths through the purchase stage, by the channel they buy in.
PURCHASE_PATHS = {
    "web": ["website", "product-page", "checkout", "payment"],
    "app": ["mobile-app", "checkout", "payment"],
    "store": ["store-visit", "sales-staff", "point-of-sale"],
}
PROSPECT_TOUCHPOINTS = [
    "testimonials",
    "social-posts",
    "online-reviews",
    "word-of-mouth",
    "influencers",
]
# Chance of reaching loyalty after needing support through each channel (phone loses the most).
LOYALTY_AFTER_SUPPORT = {None: 0.85, "help-desk": 0.6, "support-chat": 0.5, "phone-support": 0.25}


def _device(ctx, channel: str) -> str:
    if channel in ("web", "email", "social", "chat"):
        # Most people stay on their usual device; some switch (a device gap).
        primary = ctx.extra.get("_primary_device")
        if primary and ctx.rng.random() < 0.85:
            return primary
        return ctx.rng.choices(["desktop", "mobile", "tablet"], weights=[5, 6, 1])[0]
    if channel in ("app", "device"):
        return "mobile"
    return ""


class _Writer:
    """Collects events and writes them in batches."""

    def __init__(self, ctx, end: datetime) -> None:
        self.ctx = ctx
        self.end = end
        self.rows: list[JourneyEvent] = []
        self.total = 0

    def add(self, *, customer_id, journey, stage, slug, when, type="reached", device=None) -> bool:
        if when > self.end:
            return False
        touchpoint = self.ctx.touchpoints[slug]
        self.rows.append(
            JourneyEvent(
                customer_id=customer_id,
                journey=journey,
                stage=stage,
                touchpoint=touchpoint,
                channel_id=touchpoint.channel_id,
                device=_device(self.ctx, touchpoint.channel.slug) if device is None else device,
                type=type,
                occurred_at=when,
                created_at=when,
            )
        )
        if len(self.rows) >= BATCH:
            self.flush()
        return True

    def flush(self) -> None:
        JourneyEvent.objects.bulk_create(self.rows)
        self.total += len(self.rows)
        self.rows = []


def _later(ctx, when: datetime, *, min_hours: float, max_hours: float) -> datetime:
    return when + timedelta(hours=ctx.rng.uniform(min_hours, max_hours))


def _marketing_mail(ctx, writer, *, customer_id, journey, stage, slug, when, unhappy) -> None:
    """delivered -> opened -> clicked -> converted, each a share of the one before."""
    if not writer.add(
        customer_id=customer_id,
        journey=journey,
        stage=stage,
        slug=slug,
        when=when,
        type="delivered",
        device="",
    ):
        return
    rng = ctx.rng
    if rng.random() < (0.32 if unhappy else 0.46):
        when = _later(ctx, when, min_hours=0.2, max_hours=30)
        writer.add(
            customer_id=customer_id,
            journey=journey,
            stage=stage,
            slug=slug,
            when=when,
            type="opened",
        )
        if rng.random() < 0.38:
            when = _later(ctx, when, min_hours=0.01, max_hours=0.5)
            writer.add(
                customer_id=customer_id,
                journey=journey,
                stage=stage,
                slug=slug,
                when=when,
                type="clicked",
            )
            if rng.random() < 0.3:
                when = _later(ctx, when, min_hours=0.05, max_hours=2)
                writer.add(
                    customer_id=customer_id,
                    journey=journey,
                    stage=stage,
                    slug=slug,
                    when=when,
                    type="converted",
                )


def _search_ad(ctx, writer, *, customer_id, journey, stage, when) -> None:
    """An ad is shown (delivered); few click, some of those convert. Ads are never 'opened'."""
    common = {"customer_id": customer_id, "journey": journey, "stage": stage, "slug": "search-ads"}
    writer.add(**common, when=when, type="delivered", device="")
    if ctx.rng.random() < 0.06:
        when = _later(ctx, when, min_hours=0.001, max_hours=0.01)
        writer.add(**common, when=when, type="clicked")
        if ctx.rng.random() < 0.25:
            writer.add(
                **common, when=_later(ctx, when, min_hours=0.01, max_hours=1), type="converted"
            )


def _new_customer_path(ctx, writer, journey, stages, customer_id, start: datetime, unhappy: bool):
    rng = ctx.rng
    when = start
    prospect, purchase, after_sale, loyalty = (
        stages[s] for s in ("prospect", "purchase", "after-sale", "loyalty")
    )
    for slug in rng.sample(PROSPECT_TOUCHPOINTS, rng.choice([1, 1, 2])):
        writer.add(customer_id=customer_id, journey=journey, stage=prospect, slug=slug, when=when)
        when = _later(ctx, when, min_hours=1, max_hours=72)
    if rng.random() < 0.5:
        _search_ad(ctx, writer, customer_id=customer_id, journey=journey, stage=prospect, when=when)
    # Purchase: a promotion e-mail, then the path in the customer's channel.
    _marketing_mail(
        ctx,
        writer,
        customer_id=customer_id,
        journey=journey,
        stage=purchase,
        slug="promotions",
        when=_later(ctx, when, min_hours=2, max_hours=48),
        unhappy=unhappy,
    )
    if rng.random() > (0.5 if unhappy else 0.66):
        return
    if rng.random() < 0.1:  # came back too late: outside the conversion window
        when = _later(ctx, when, min_hours=32 * 24, max_hours=60 * 24)
    else:
        when = _later(ctx, when, min_hours=12, max_hours=14 * 24)
    channel = rng.choices(["web", "app", "store"], weights=[5, 3, 2])[0]
    device = _device(ctx, channel)
    path = PURCHASE_PATHS[channel]
    finished = rng.random() < (0.62 if unhappy else 0.8)
    steps = path if finished else path[: rng.randrange(1, len(path))]
    for slug in steps:
        if not writer.add(
            customer_id=customer_id,
            journey=journey,
            stage=purchase,
            slug=slug,
            when=when,
            device=device,
        ):
            return
        when = _later(ctx, when, min_hours=0.02, max_hours=0.3)
    if not finished:
        writer.add(
            customer_id=customer_id,
            journey=journey,
            stage=purchase,
            slug=steps[-1],
            when=when,
            type="abandoned",
            device=device,
        )
        return
    # After-sale: confirmation, delivery, invoice; some need support.
    when = _later(ctx, when, min_hours=0.1, max_hours=2)
    writer.add(
        customer_id=customer_id,
        journey=journey,
        stage=after_sale,
        slug="order-confirmation",
        when=when,
    )
    if channel != "store":
        when = _later(ctx, when, min_hours=20, max_hours=96)
        writer.add(
            customer_id=customer_id,
            journey=journey,
            stage=after_sale,
            slug="delivery-sms",
            when=when,
            device="mobile",
        )
        writer.add(
            customer_id=customer_id,
            journey=journey,
            stage=after_sale,
            slug="delivery",
            when=_later(ctx, when, min_hours=1, max_hours=8),
        )
    writer.add(
        customer_id=customer_id,
        journey=journey,
        stage=after_sale,
        slug="invoice",
        when=_later(ctx, when, min_hours=1, max_hours=24),
    )
    if rng.random() < 0.5:
        _marketing_mail(
            ctx,
            writer,
            customer_id=customer_id,
            journey=journey,
            stage=after_sale,
            slug="marketing-email",
            when=_later(ctx, when, min_hours=2, max_hours=20),
            unhappy=unhappy,
        )
    # Support: the online help desk first; some escalate to chat or to the phone.
    support = None
    if rng.random() < (0.85 if unhappy else 0.55):
        support = "help-desk"
        when = _later(ctx, when, min_hours=24, max_hours=10 * 24)
        writer.add(
            customer_id=customer_id, journey=journey, stage=after_sale, slug=support, when=when
        )
        if rng.random() < 0.7:
            support = rng.choices(["support-chat", "phone-support"], weights=[1, 3])[0]
            when = _later(ctx, when, min_hours=0.2, max_hours=30)
            writer.add(
                customer_id=customer_id, journey=journey, stage=after_sale, slug=support, when=when
            )
    chance = LOYALTY_AFTER_SUPPORT[support] * (0.55 if unhappy else 1.0)
    if rng.random() >= chance:
        return
    when = _later(ctx, when, min_hours=24, max_hours=25 * 24)
    writer.add(
        customer_id=customer_id, journey=journey, stage=loyalty, slug="loyalty-programme", when=when
    )
    if rng.random() < 0.3:
        writer.add(
            customer_id=customer_id,
            journey=journey,
            stage=loyalty,
            slug="smart-device",
            when=_later(ctx, when, min_hours=24, max_hours=30 * 24),
        )


def _repeat_path(ctx, writer, journey, stages, customer_id, start: datetime, unhappy: bool):
    rng = ctx.rng
    when = start
    purchase, after_sale, loyalty = (stages[s] for s in ("purchase", "after-sale", "loyalty"))
    writer.add(
        customer_id=customer_id,
        journey=journey,
        stage=purchase,
        slug="catalogue",
        when=when,
        device="",
    )
    when = _later(ctx, when, min_hours=24, max_hours=10 * 24)
    for slug in ("store-visit", "sales-staff", "point-of-sale"):
        writer.add(customer_id=customer_id, journey=journey, stage=purchase, slug=slug, when=when)
        when = _later(ctx, when, min_hours=0.05, max_hours=0.5)
    if rng.random() > (0.6 if unhappy else 0.85):
        return
    when = _later(ctx, when, min_hours=24, max_hours=20 * 24)
    writer.add(
        customer_id=customer_id, journey=journey, stage=after_sale, slug="invoice", when=when
    )
    phoned = rng.random() < (0.6 if unhappy else 0.3)
    if phoned:
        when = _later(ctx, when, min_hours=24, max_hours=7 * 24)
        writer.add(
            customer_id=customer_id,
            journey=journey,
            stage=after_sale,
            slug="phone-support",
            when=when,
        )
    if rng.random() < (0.35 if phoned else 0.7) * (0.6 if unhappy else 1):
        when = _later(ctx, when, min_hours=24, max_hours=30 * 24)
        writer.add(
            customer_id=customer_id,
            journey=journey,
            stage=loyalty,
            slug="loyalty-programme",
            when=when,
        )


def seed_events(ctx) -> None:
    """A year of journey events for the demo customers, then churn for ~8% of them."""
    journeys = ctx.extra.get("journeys") or {
        j.slug: j for j in Journey.objects.filter(slug__in=[NEW_CUSTOMER, REPEAT_IN_STORE])
    }
    new_customer, repeat = journeys[NEW_CUSTOMER], journeys[REPEAT_IN_STORE]
    stages = {j.pk: {s.slug: s for s in j.stages.all()} for j in (new_customer, repeat)}
    for slug in ctx.touchpoints:
        ctx.touchpoints[slug].channel  # noqa: B018 - load the channel once, not per event
    first = datetime.combine(ctx.start, datetime.min.time(), tzinfo=ctx.tz)
    last = datetime.combine(ctx.end, datetime.max.time(), tzinfo=ctx.tz)
    span = (last - first).total_seconds()
    writer = _Writer(ctx, last)
    customers = list(
        Customer.objects.order_by("id").values_list("id", "active_since", "persona__slug")
    )
    unhappy_ids = ctx.unhappy_customer_ids
    for customer_id, active_since, persona in ctx.progress(
        customers, desc="journey events", total=len(customers)
    ):
        unhappy = customer_id in unhappy_ids
        ctx.extra["_primary_device"] = ctx.rng.choices(["desktop", "mobile", "tablet"], [5, 6, 1])[
            0
        ]
        earliest = max(active_since, first)
        if earliest >= last:
            continue
        offset = ctx.rng.random() * (last - earliest).total_seconds() * 0.92
        start = earliest + timedelta(seconds=offset)
        if persona == "loyal-senior" and active_since < first and ctx.rng.random() < 0.7:
            _repeat_path(ctx, writer, repeat, stages[repeat.pk], customer_id, start, unhappy)
        elif ctx.rng.random() < 0.88:
            _new_customer_path(
                ctx, writer, new_customer, stages[new_customer.pk], customer_id, start, unhappy
            )
    writer.flush()
    ctx.extra.pop("_primary_device", None)
    _seed_churn(ctx, customers, first, last, span)


def _seed_churn(ctx, customers, first: datetime, last: datetime, span: float) -> None:
    churned: list[Customer] = []
    for customer_id, active_since, _persona in customers:
        chance = 0.2 if customer_id in ctx.unhappy_customer_ids else 0.065
        if ctx.rng.random() >= chance:
            continue
        earliest = max(active_since, first) + timedelta(days=7)
        if earliest >= last:
            continue
        at = earliest + timedelta(seconds=ctx.rng.random() * (last - earliest).total_seconds())
        churned.append(Customer(id=customer_id, churned_at=at))
    Customer.objects.bulk_update(churned, ["churned_at"], batch_size=1000)
