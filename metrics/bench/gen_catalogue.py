"""Catalogue rows (small, through the ORM) and customers (COPY): the tables everything points at."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from rest_framework.authtoken.models import Token

from cxhub import roles
from journeys.demo import DEPARTMENTS, FIRST_NAMES, LAST_NAMES, PERSONAS, TOUCHPOINTS
from journeys.models import Channel, Customer, Department, Persona, Touchpoint
from metrics.bench import copy as c
from metrics.bench.calendar import DAY
from metrics.bench.context import GenContext
from surveys.models import Question, Survey
from tickets.models import Category, Priority, SlaPolicy

BENCH_MANAGER = "bench-manager"
BENCH_INTEGRATION = "bench-integration"
AGENTS = 10
CATEGORIES = [
    ("payment", "Payment"),
    ("delivery", "Delivery"),
    ("returns", "Returns"),
    ("account", "Account"),
    ("product", "Product question"),
    ("invoice", "Invoice"),
    ("app-bug", "App problem"),
    ("other", "Other"),
]
# Business-hours SLA targets in minutes (first response, resolution) per priority.
SLA_MINUTES = {
    Priority.URGENT: (60, 480),
    Priority.HIGH: (120, 960),
    Priority.NORMAL: (240, 1920),
    Priority.LOW: (480, 2880),
}
QUESTIONS = [
    ("nps", Question.Type.NPS, None, "How likely are you to recommend us to a friend?"),
    ("csat", Question.Type.CSAT, 5, "How satisfied were you?"),
    ("ces", Question.Type.CES, None, "How easy was it to get what you needed?"),
    ("comment", Question.Type.TEXT, None, "Anything you would like to tell us?"),
]
# Tables whose truncation (with CASCADE) removes every generated row and nothing a migration
# seeded: channels, calendars, SLA policies and users stay.
GENERATED_ROOTS = [
    "journeys_customer",
    "journeys_touchpoint",
    "journeys_department",
    "journeys_persona",
    "tickets_category",
]


def truncate_generated() -> None:
    tables = ", ".join(f'"{t}"' for t in GENERATED_ROOTS)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def bench_users() -> dict:
    """The bench's own users: a CX manager for reads, an integration superuser (exempt from the
    public throttle, holds surveys.add_response) for ingestion, and agents for tickets."""
    user_model = get_user_model()
    manager, _ = user_model.objects.get_or_create(username=BENCH_MANAGER)
    manager.groups.set([Group.objects.get(name=roles.CX_MANAGER)])
    integration, _ = user_model.objects.get_or_create(
        username=BENCH_INTEGRATION, defaults={"is_superuser": True, "is_staff": True}
    )
    if not integration.is_superuser:
        integration.is_superuser = integration.is_staff = True
        integration.save(update_fields=["is_superuser", "is_staff"])
    agent_group = Group.objects.get(name=roles.AGENT)
    agents = []
    for number in range(1, AGENTS + 1):
        agent, _ = user_model.objects.get_or_create(username=f"bench-agent-{number:02d}")
        agent.groups.set([agent_group])
        agents.append(agent)
    tokens = {
        user.username: Token.objects.get_or_create(user=user)[0].key
        for user in (manager, integration)
    }
    return {"manager": manager, "integration": integration, "agents": agents, "tokens": tokens}


def seed_catalogue(ctx: GenContext) -> None:
    users = bench_users()
    ctx.agent_ids = [agent.id for agent in users["agents"]]
    ctx.channel_ids = dict(Channel.objects.values_list("slug", "id"))
    for slug, name in DEPARTMENTS:
        ctx.department_ids[slug] = Department.objects.create(slug=slug, name=name).id
    service = Department.objects.get(slug="service")
    service.members.add(*users["agents"])

    channel_slugs = sorted(ctx.channel_ids)
    department_slugs = [slug for slug, _ in DEPARTMENTS]
    for index in range(ctx.params.touchpoints):
        if index < len(TOUCHPOINTS):
            slug, name, channel, department, _stage = TOUCHPOINTS[index]
        else:
            slug, name = f"touchpoint-{index + 1:03d}", f"Touchpoint {index + 1}"
            channel = channel_slugs[index % len(channel_slugs)]
            department = department_slugs[index % len(department_slugs)]
        touchpoint = Touchpoint.objects.create(
            slug=slug,
            name=name,
            channel_id=ctx.channel_ids[channel],
            department_id=ctx.department_ids[department],
        )
        ctx.touchpoints.append(
            {
                "id": touchpoint.id,
                "slug": slug,
                "channel_id": touchpoint.channel_id,
                "department_id": touchpoint.department_id,
            }
        )

    for persona in PERSONAS:
        data = {key: value for key, value in persona.items() if key != "preferred_channel"}
        data["preferred_channel_id"] = ctx.channel_ids[persona["preferred_channel"]]
        ctx.persona_ids.append(Persona.objects.create(**data).id)

    ctx.category_ids = [
        Category.objects.create(slug=slug, name=name).id for slug, name in CATEGORIES
    ]
    # The bench's own SLA policies, on the default calendar, so the derived SLA fields follow them.
    SlaPolicy.objects.filter(is_active=True).update(is_active=False)
    for priority, (first_response, resolution) in SLA_MINUTES.items():
        policy = SlaPolicy.objects.create(
            name=f"Bench {priority.label}",
            priority=priority,
            first_response_minutes=first_response,
            resolution_minutes=resolution,
            business_hours=True,
        )
        ctx.sla[str(priority)] = {"id": policy.id, "fr": first_response, "res": resolution}

    for touchpoint in ctx.touchpoints:
        survey = Survey.objects.create(
            slug=f"{touchpoint['slug']}-survey",
            name=f"{touchpoint['slug']} survey",
            touchpoint_id=touchpoint["id"],
            title={"en": "Tell us how it went"},
            languages=["en"],
        )
        question_ids = {}
        for order, (key, qtype, scale, label) in enumerate(QUESTIONS):
            question_ids[key] = Question.objects.create(
                survey=survey, key=key, type=qtype, scale=scale, text={"en": label}, order=order
            ).id
        ctx.surveys.append({"id": survey.id, "slug": survey.slug, "questions": question_ids})


def seed_customers(ctx: GenContext) -> None:
    rng, params = ctx.rng, ctx.params
    start_wall = ctx.start_wall_day * DAY
    span = params.days * DAY
    columns = [
        "id",
        "external_id",
        "name",
        "email",
        "persona_id",
        "active_since",
        "churned_at",
        "created_at",
        "updated_at",
    ]
    bar = ctx.progress(params.customers, "customers")

    def lines():
        for number in range(1, params.customers + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            # Everyone was a customer before the window opens, so churn and retention have a base.
            since = ctx.clock.utc(start_wall - rng.randrange(1, 900) * DAY + rng.randrange(DAY))
            churned = None
            if rng.random() < 0.12:
                churned = ctx.clock.utc(start_wall + rng.randrange(span))
            persona = rng.choice(ctx.persona_ids) if rng.random() < 0.8 else None
            bar.update(1)
            yield "\t".join(
                (
                    str(number),
                    f"BC{number:07d}",
                    c.text(f"{first} {last}"),
                    c.text(f"{first}.{last}.{number}@example.com".lower().replace(" ", "")),
                    c.num(persona),
                    c.ts(since),
                    c.ts(churned),
                    c.ts(since),
                    c.ts(since),
                )
            )

    with c.bulk_load(["journeys_customer"]):
        c.copy_lines(
            "journeys_customer", columns, lines(), extra=c.missing_columns(Customer, columns)
        )
    bar.close()
    c.reset_sequence("journeys_customer")
