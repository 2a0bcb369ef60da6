"""Demo organisation, part 1: a retail business's users, departments, personas, touchpoints and
customers. Deterministic for a given seed and end date; later parts (journeys, tickets, surveys)
build on the DemoContext this returns. Run through `manage.py seed_demo`."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cxhub import roles
from journeys.models import Channel, Customer, Department, Persona, Touchpoint

DEMO_USERS = [
    # username, password, role group (None = administrator), first name
    ("admin", "cxhub-admin-demo", None, "Ada"),
    ("manager", "cxhub-manager-demo", roles.CX_MANAGER, "Marta"),
    ("surveyadmin", "cxhub-surveys-demo", roles.SURVEY_ADMIN, "Sari"),
    ("agent", "cxhub-agent-demo", roles.AGENT, "Arif"),
    ("agent2", "cxhub-agent-demo", roles.AGENT, "Giulia"),
    ("agent3", "cxhub-agent-demo", roles.AGENT, "Wei Ling"),
]

DEPARTMENTS = [
    ("service", "Customer Service"),
    ("marketing", "Marketing"),
    ("sales", "Store Sales"),
    ("ecommerce", "E-commerce"),
    ("billing", "Billing"),
    ("logistics", "Logistics"),
]

# slug, name, channel, department, stage (prospect / purchase / after-sale)
TOUCHPOINTS = [
    ("testimonials", "Customer testimonials", "web", "marketing", "prospect"),
    ("social-posts", "Social media posts", "social", "marketing", "prospect"),
    ("online-reviews", "Online reviews", "web", "marketing", "prospect"),
    ("tv-ads", "TV and print ads", "marketing", "marketing", "prospect"),
    ("search-ads", "Search ads", "marketing", "marketing", "prospect"),
    ("word-of-mouth", "Word of mouth referral", "social", "marketing", "prospect"),
    ("press", "Press and PR", "marketing", "marketing", "prospect"),
    ("influencers", "Influencer content", "social", "marketing", "prospect"),
    ("store-visit", "Store visit", "store", "sales", "purchase"),
    ("website", "Website browsing", "web", "ecommerce", "purchase"),
    ("product-page", "Product page", "web", "ecommerce", "purchase"),
    ("checkout", "Checkout page", "web", "ecommerce", "purchase"),
    ("mobile-app", "Mobile app shopping", "app", "ecommerce", "purchase"),
    ("point-of-sale", "Point of sale", "store", "sales", "purchase"),
    ("catalogue", "Printed catalogue", "marketing", "marketing", "purchase"),
    ("sales-staff", "Sales staff advice", "store", "sales", "purchase"),
    ("promotions", "Promotions and coupons", "email", "marketing", "purchase"),
    ("live-chat-sales", "Live chat (pre-sale)", "chat", "ecommerce", "purchase"),
    ("click-collect", "Click and collect", "store", "logistics", "purchase"),
    ("payment", "Payment", "web", "billing", "purchase"),
    ("order-confirmation", "Order confirmation e-mail", "email", "ecommerce", "after-sale"),
    ("delivery", "Home delivery", "device", "logistics", "after-sale"),
    ("delivery-sms", "Delivery SMS updates", "sms", "logistics", "after-sale"),
    ("invoice", "Invoice e-mail", "email", "billing", "after-sale"),
    ("marketing-email", "Marketing newsletter", "email", "marketing", "after-sale"),
    ("help-desk", "Online help desk", "web", "service", "after-sale"),
    ("support-chat", "Support live chat", "chat", "service", "after-sale"),
    ("phone-support", "Phone support", "phone", "service", "after-sale"),
    ("returns", "Returns and refunds", "store", "service", "after-sale"),
    ("service-team", "Service team visit", "store", "service", "after-sale"),
    ("community-forum", "Community forum", "forum", "service", "after-sale"),
    ("app-notifications", "App notifications", "app", "marketing", "after-sale"),
    ("loyalty-programme", "Loyalty programme", "app", "marketing", "loyalty"),
    ("warranty", "Warranty claims", "phone", "service", "loyalty"),
    ("social-care", "Social media care", "social", "service", "after-sale"),
    ("smart-device", "Smart home device app", "device", "ecommerce", "loyalty"),
]

PERSONAS = [
    {
        "slug": "young-urban-shopper",
        "name": "Young urban shopper",
        "age_min": 18,
        "age_max": 30,
        "income": "middle",
        "marital_status": "single",
        "location": "City centre",
        "gender": "Any",
        "preferred_channel": "app",
        "description": "Shops on the phone between other things; compares prices in seconds.",
        "goals": "Find trendy products fast; pay in one tap; free returns.",
        "pain_points": "Slow checkout, hidden delivery costs, waiting on hold.",
        "discovery": "Social media, influencers, friends",
        "content_formats": "Short video, stories, push notifications",
    },
    {
        "slug": "busy-parent",
        "name": "Busy parent",
        "age_min": 30,
        "age_max": 45,
        "income": "middle",
        "marital_status": "partnered",
        "location": "Suburbs",
        "gender": "Any",
        "preferred_channel": "web",
        "description": "Buys for the whole household; values reliability over novelty.",
        "goals": "Get the right thing delivered on time; easy returns.",
        "pain_points": "Late deliveries, unclear invoices, repeating the story to every agent.",
        "discovery": "Reviews, word of mouth, newsletters",
        "content_formats": "E-mail, comparison tables",
    },
    {
        "slug": "loyal-senior",
        "name": "Loyal senior",
        "age_min": 60,
        "age_max": 85,
        "income": "high",
        "marital_status": "partnered",
        "location": "Town",
        "gender": "Any",
        "preferred_channel": "store",
        "description": "Has shopped with us for years; prefers people to screens.",
        "goals": "Personal advice, a person on the phone, clear paper invoices.",
        "pain_points": "Being pushed to the app, long phone queues.",
        "discovery": "Print catalogue, TV, store staff",
        "content_formats": "Print, phone calls",
    },
]

FIRST_NAMES = [
    "Aisyah",
    "Budi",
    "Chiara",
    "Dewi",
    "Elena",
    "Farid",
    "Giorgio",
    "Hana",
    "Irfan",
    "Julia",
    "Kamal",
    "Lucia",
    "Mei",
    "Nur",
    "Omar",
    "Paolo",
    "Putri",
    "Rahul",
    "Siti",
    "Tommaso",
    "Umar",
    "Valentina",
    "Wahyu",
    "Xin",
    "Yusuf",
    "Zara",
    "Anna",
    "Marco",
    "Lina",
    "Daniel",
]
LAST_NAMES = [
    "Rahman",
    "Santoso",
    "Rossi",
    "Wijaya",
    "Bianchi",
    "Tan",
    "Lim",
    "Ferrari",
    "Hassan",
    "Kusuma",
    "Romano",
    "Abdullah",
    "Lee",
    "Esposito",
    "Pratama",
    "Ricci",
    "Ismail",
    "Ong",
    "Colombo",
    "Hidayat",
    "Smith",
    "Nguyen",
    "Conti",
    "Ahmad",
]


@dataclass
class DemoContext:
    """Everything later demo parts need: the random source, the time span and what exists."""

    rng: random.Random
    start: date
    end: date
    tz: ZoneInfo
    progress: object  # a callable(iterable, desc, total) -> iterable (tqdm or a no-op)
    users: dict = field(default_factory=dict)
    departments: dict = field(default_factory=dict)
    touchpoints: dict = field(default_factory=dict)
    touchpoint_stage: dict = field(default_factory=dict)
    personas: dict = field(default_factory=dict)
    channels: dict = field(default_factory=dict)
    customer_ids: list = field(default_factory=list)
    # Filled by later parts; e.g. customers whose tickets went badly drop off more.
    unhappy_customer_ids: set = field(default_factory=set)
    extra: dict = field(default_factory=dict)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def moment(self, day: date, *, hour_weights: list[float] | None = None) -> datetime:
        """A random time on `day` in the organisation's zone, most often in the daytime."""
        weights = hour_weights or DAYTIME_WEIGHTS
        hour = self.rng.choices(range(24), weights=weights)[0]
        local = datetime.combine(day, time(hour, self.rng.randrange(60), self.rng.randrange(60)))
        return local.replace(tzinfo=self.tz)

    def day_at(self, index: int) -> date:
        return self.start + timedelta(days=index)


DAYTIME_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 10, 11, 12, 11, 10, 9, 8, 7, 6, 4, 3, 2]


def make_context(*, seed: int, days: int, end: date, progress) -> DemoContext:
    return DemoContext(
        rng=random.Random(seed),
        start=end - timedelta(days=days - 1),
        end=end,
        tz=ZoneInfo(settings.TIME_ZONE),
        progress=progress,
    )


def seed_foundation(ctx: DemoContext, *, customers: int) -> None:
    """Users, departments, personas, touchpoints and `customers` customers."""
    user_model = get_user_model()
    for username, password, role, first_name in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(
            username=username,
            defaults={"first_name": first_name, "email": f"{username}@demo.cxhub"},
        )
        user.set_password(password)
        user.is_superuser = user.is_staff = role is None
        user.save()
        if role:
            user.groups.set([Group.objects.get(name=role)])
        ctx.users[username] = user

    for slug, name in DEPARTMENTS:
        ctx.departments[slug], _ = Department.objects.get_or_create(
            slug=slug, defaults={"name": name}
        )
    ctx.departments["service"].members.add(
        ctx.users["agent"], ctx.users["agent2"], ctx.users["agent3"]
    )
    ctx.departments["billing"].members.add(ctx.users["agent2"])

    ctx.channels = {channel.slug: channel for channel in Channel.objects.all()}
    for slug, name, channel, department, stage in TOUCHPOINTS:
        touchpoint, _ = Touchpoint.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "channel": ctx.channels[channel],
                "department": ctx.departments[department],
            },
        )
        ctx.touchpoints[slug] = touchpoint
        ctx.touchpoint_stage[slug] = stage

    for data in PERSONAS:
        data = dict(data)
        data["preferred_channel"] = ctx.channels[data["preferred_channel"]]
        ctx.personas[data["slug"]], _ = Persona.objects.get_or_create(
            slug=data["slug"], defaults=data
        )

    _seed_customers(ctx, customers)


def _seed_customers(ctx: DemoContext, count: int) -> None:
    persona_list = list(ctx.personas.values())
    batch: list[Customer] = []
    for number in ctx.progress(range(1, count + 1), desc="customers", total=count):
        first, last = ctx.rng.choice(FIRST_NAMES), ctx.rng.choice(LAST_NAMES)
        # A third joined before the demo year; the rest arrive through it.
        if ctx.rng.random() < 0.35:
            since_day = ctx.start - timedelta(days=ctx.rng.randrange(30, 900))
        else:
            since_day = ctx.day_at(ctx.rng.randrange(ctx.days))
        batch.append(
            Customer(
                external_id=f"C{number:06d}",
                name=f"{first} {last}",
                email=f"{first}.{last}.{number}@example.com".lower().replace(" ", ""),
                persona=ctx.rng.choice(persona_list) if ctx.rng.random() < 0.8 else None,
                active_since=ctx.moment(since_day),
            )
        )
        if len(batch) >= 2000:
            Customer.objects.bulk_create(batch)
            batch = []
    Customer.objects.bulk_create(batch)
    ctx.customer_ids = list(Customer.objects.order_by("id").values_list("id", flat=True))
