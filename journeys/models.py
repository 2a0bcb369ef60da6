"""The shared CX domain (customers, personas, channels, touchpoints) and journey maps.

journeys is the bottom app: tickets, surveys and metrics point at these tables, never the reverse.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# The names journeys/migrations/0002_channels.py stores, in English whatever the reader's
# language: marked here so they get translated, and translated only when shown (the rows stay).
CHANNEL_NAMES = frozenset(
    [
        gettext_noop("Web"),
        gettext_noop("Mobile app"),
        gettext_noop("E-mail"),
        gettext_noop("Live chat"),
        gettext_noop("SMS"),
        gettext_noop("Phone"),
        gettext_noop("Social media"),
        gettext_noop("In store"),
        gettext_noop("Support forum"),
        gettext_noop("Connected device"),
        gettext_noop("Marketing (print and ads)"),
    ]
)


def channel_display_name(name: str) -> str:
    """A channel name in the reader's language: the created channels are translated, a name an
    administrator typed or renamed is shown as typed."""
    return gettext(name) if name in CHANNEL_NAMES else name


class Channel(models.Model):
    """How a customer reaches the business. The eleven channels of PRODUCT.md are created by a
    data migration; slugs are the API's vocabulary."""

    slug = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=60)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        # Forms, the admin and templates show a channel through str(): in the reader's language.
        return self.display_name

    @property
    def display_name(self) -> str:
        return channel_display_name(self.name)


class Department(models.Model):
    """An owning department (touchpoints) and an agent team (tickets): members see its tickets."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="cx_departments"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Persona(models.Model):
    class Income(models.TextChoices):
        LOW = "low", _("Low")
        MIDDLE = "middle", _("Middle")
        HIGH = "high", _("High")
        UNKNOWN = "", _("Not stated")

    class Marital(models.TextChoices):
        SINGLE = "single", _("Single")
        PARTNERED = "partnered", _("Married or partnered")
        UNKNOWN = "", _("Not stated")

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    income = models.CharField(max_length=10, choices=Income.choices, blank=True)
    marital_status = models.CharField(max_length=10, choices=Marital.choices, blank=True)
    location = models.CharField(max_length=100, blank=True)
    gender = models.CharField(max_length=30, blank=True)
    preferred_channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    goals = models.TextField(blank=True)
    pain_points = models.TextField(blank=True)
    discovery = models.TextField(blank=True, help_text=_("How they hear about products"))
    content_formats = models.TextField(blank=True, help_text=_("Content formats they like"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min__isnull=True)
                | Q(age_max__isnull=True)
                | Q(age_min__lte=models.F("age_max")),
                name="persona_age_range_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Touchpoint(models.Model):
    """One place of interaction, in a catalogue shared by every journey."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="touchpoints")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="touchpoints"
    )
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A person or account: one timeline for responses, tickets and journey events."""

    external_id = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    persona = models.ForeignKey(
        Persona, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    active_since = models.DateTimeField(default=timezone.now, db_index=True)
    churned_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["external_id"]
        permissions = [
            ("import_history", "Can import history with past timestamps"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(churned_at__isnull=True) | Q(churned_at__gte=models.F("active_since")),
                name="customer_churn_after_active",
            )
        ]

    def __str__(self) -> str:
        return self.name or self.external_id

    @property
    def is_churned(self) -> bool:
        return self.churned_at is not None


class Journey(models.Model):
    class State(models.TextChoices):
        CURRENT = "current", _("Current state")
        FUTURE = "future", _("Future state")

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    persona = models.ForeignKey(
        Persona, null=True, blank=True, on_delete=models.PROTECT, related_name="journeys"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.CURRENT)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="future_versions"
    )
    conversion_window_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_journeys",
    )
    review_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(conversion_window_days__gte=1) & Q(conversion_window_days__lte=365),
                name="journey_window_in_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def review_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.review_due is not None and self.review_due < today


class Stage(models.Model):
    """An ordered stage of a journey, with its lanes (what the customer wants, does, feels)."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="stages")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    goals = models.TextField(blank=True)
    actions = models.TextField(blank=True)
    thoughts = models.TextField(blank=True)
    emotion_score = models.SmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(-2), MaxValueValidator(2)]
    )
    pain_points = models.TextField(blank=True)
    opportunities = models.TextField(blank=True)
    owner_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    touchpoints = models.ManyToManyField(
        Touchpoint, through="StageTouchpoint", related_name="stages", blank=True
    )

    class Meta:
        ordering = ["journey", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "slug"], name="stage_slug_unique_in_journey"
            ),
            models.CheckConstraint(
                condition=Q(emotion_score__isnull=True)
                | (Q(emotion_score__gte=-2) & Q(emotion_score__lte=2)),
                name="stage_emotion_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.journey} / {self.name}"


class StageTouchpoint(models.Model):
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="stage_touchpoints")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["stage", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "touchpoint"], name="stage_touchpoint_unique")
        ]

    def __str__(self) -> str:
        return f"{self.stage} · {self.touchpoint_id}"


class Opportunity(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        SOLVED = "solved", _("Solved")

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="opportunity_set")
    title = models.CharField(max_length=200)
    how_might_we = models.TextField(blank=True)
    stages = models.ManyToManyField(Stage, blank=True, related_name="opportunity_set")
    touchpoints = models.ManyToManyField(Touchpoint, blank=True, related_name="opportunities")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    kpi_key = models.CharField(max_length=40, blank=True)
    target_change = models.FloatField(null=True, blank=True)
    baseline_value = models.FloatField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["journey", "status", "title"]

    def __str__(self) -> str:
        return self.title


class JourneyRevision(models.Model):
    """A snapshot of a journey (stages, lanes, touchpoints) as JSON; a published revision also
    freezes its touchpoints' KPI values as the baseline future changes are judged against."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(max_length=200, blank=True)
    snapshot = models.JSONField()
    is_published = models.BooleanField(default=False)
    baseline = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["journey", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "number"], name="revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.journey} r{self.number}"


class JourneyEvent(models.Model):
    """A customer reached a stage at a touchpoint at a time (or a marketing delivery/open/click)."""

    class Type(models.TextChoices):
        REACHED = "reached", _("Reached")
        DELIVERED = "delivered", _("Delivered")
        OPENED = "opened", _("Opened")
        CLICKED = "clicked", _("Clicked")
        CONVERTED = "converted", _("Converted")
        ABANDONED = "abandoned", _("Abandoned")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="journey_events")
    journey = models.ForeignKey(Journey, on_delete=models.PROTECT, related_name="events")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="events")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT, related_name="events")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    device = models.CharField(max_length=20, blank=True)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.REACHED)
    occurred_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["journey", "occurred_at"], name="event_journey_time"),
            models.Index(fields=["customer", "occurred_at"], name="event_customer_time"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.occurred_at:%Y-%m-%d}"
