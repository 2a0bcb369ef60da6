"""Tickets, their conversation and history, business calendars and SLA policies.

The timing fields on Ticket (first response, resolution, FCR, SLA) are derived in services from the
messages and status history, in one place, and stored so metrics can aggregate them with plain SQL.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from journeys.models import Channel, Customer, Department, Touchpoint

# Names tickets/migrations/0003_default_calendar_and_sla.py stores in English. They are
# translated when shown, never rewritten: the rows stay the same whatever the reader's language.
STORED_NAMES = frozenset(
    [
        gettext_noop("Office hours"),
        gettext_noop("Urgent priority"),
        gettext_noop("High priority"),
        gettext_noop("Normal priority"),
        gettext_noop("Low priority"),
    ]
)


def stored_name_display(name: str) -> str:
    """A calendar or SLA policy name in the reader's language when the installation created it;
    a name someone typed is shown as typed."""
    return gettext(name) if name in STORED_NAMES else name


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("'%(value)s' is not an IANA time zone (e.g. Europe/Rome)."), params={"value": value}
        ) from None


class BusinessCalendar(models.Model):
    """Time zone, weekly opening windows and holidays. Exactly one calendar is the default."""

    name = models.CharField(max_length=100)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    is_default = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar"
            )
        ]

    def __str__(self) -> str:
        return stored_name_display(self.name)


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class OpeningHours(models.Model):
    """One opening window on one weekday (0 = Monday); several per day allow a lunch break."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["calendar", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_weekday_valid"),
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")), name="opening_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens}-{self.closes}"


class Holiday(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaPolicy(models.Model):
    """Targets for one priority. Business-hours targets count only the calendar's opening hours."""

    name = models.CharField(max_length=100)
    priority = models.CharField(max_length=10, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    business_hours = models.BooleanField(default=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the default calendar"),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority"]
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["priority"], condition=Q(is_active=True), name="one_active_sla_per_priority"
            )
        ]

    def __str__(self) -> str:
        return stored_name_display(self.name)


class Category(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        PENDING = "pending", _("Pending")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    reference = models.CharField(max_length=20, unique=True)
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    subject = models.CharField(max_length=200, validators=[ProhibitNullCharactersValidator()])
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="tickets")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT, related_name="tickets")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    opened_by_agent = models.BooleanField(default=False)
    # Derived timing (services.ticket_timing_refresh keeps these in step with messages/history).
    first_response_at = models.DateTimeField(null=True, blank=True)
    frt_seconds = models.FloatField(null=True, blank=True)
    frt_business_seconds = models.FloatField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolution_seconds = models.FloatField(null=True, blank=True)
    resolution_business_seconds = models.FloatField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public_reply_count = models.PositiveIntegerField(default=0)
    reopened_count = models.PositiveIntegerField(default=0)
    is_fcr = models.BooleanField(default=False)
    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    sla_first_response_due = models.DateTimeField(null=True, blank=True)
    sla_resolution_due = models.DateTimeField(null=True, blank=True)
    sla_first_response_breached = models.BooleanField(default=False)
    sla_resolution_breached = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="ticket_status_created"),
            models.Index(fields=["customer", "created_at"], name="ticket_customer_created"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status not in {self.Status.RESOLVED, self.Status.CLOSED}

    @property
    def sla_breached(self) -> bool:
        return self.sla_first_response_breached or self.sla_resolution_breached


class Message(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", _("Public reply")
        CUSTOMER = "customer", _("Customer message")
        NOTE = "note", _("Internal note")
        AUTO = "auto", _("Automatic acknowledgement")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(validators=[ProhibitNullCharactersValidator()])
    created_at = models.DateTimeField(default=timezone.now)
    # The public message an agent opened the ticket with for the customer: it starts the
    # conversation and is never the first response (PRODUCT.md, frt).
    is_opening = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_time")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id}"


class StatusChange(models.Model):
    """Every status transition with its time and actor: the history timing is derived from."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Ticket.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Ticket.Status.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["ticket", "at"], name="status_ticket_time"),
            # Backlog rollups read transitions by day; without this they scan the whole history.
            models.Index(fields=["at"], name="status_at"),
        ]

    def __str__(self) -> str:
        return f"{self.from_status}->{self.to_status}"
