"""Writes for the shared domain. Tickets and surveys call `customer_resolve` so that every channel
lands on one customer row."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journeys.models import Channel, Customer, Department, Persona, Touchpoint

CUSTOMER_CHURN_BEFORE_ACTIVE = gettext_lazy("A customer cannot churn before they became active.")
CUSTOMER_ALREADY_CHURNED = gettext_lazy("This customer has already churned.")
UNKNOWN_CHANNEL = gettext_lazy("Unknown channel '{value}'.")
UNKNOWN_TOUCHPOINT = gettext_lazy("Unknown touchpoint '{value}'.")
UNKNOWN_PERSONA = gettext_lazy("Unknown persona '{value}'.")
PAST_TIMESTAMP_NOT_ALLOWED = gettext_lazy(
    "Only administrators may import history with past timestamps."
)


def effective_time(*, user, requested: datetime | None) -> datetime:
    """The time to record: a past timestamp only for users who may import history, else now."""
    now = timezone.now()
    if requested is None or user is None or not user.has_perm("journeys.import_history"):
        return now
    if timezone.is_naive(requested):
        raise ValidationError(
            _("Timestamps need a time zone offset (ISO 8601, e.g. 2026-01-05T10:00Z).")
        )
    if requested > now + timezone.timedelta(minutes=5):
        raise ValidationError(_("Timestamps cannot be in the future."))
    return requested


def channel_by_slug(slug: str, *, field: str = "channel") -> Channel:
    try:
        return Channel.objects.get(slug=slug)
    except Channel.DoesNotExist:
        raise ValidationError({field: UNKNOWN_CHANNEL.format(value=slug)}) from None


def touchpoint_by_slug(slug: str, *, field: str = "touchpoint") -> Touchpoint:
    try:
        return Touchpoint.objects.select_related("channel", "department").get(slug=slug)
    except Touchpoint.DoesNotExist:
        raise ValidationError({field: UNKNOWN_TOUCHPOINT.format(value=slug)}) from None


def customer_resolve(*, external_id: str, seen_at: datetime | None = None) -> Customer:
    """The customer with this external id, created (active since `seen_at`) when it is new.

    Safe under concurrency: parallel requests naming the same new id end with one row.
    """
    seen_at = seen_at or timezone.now()
    customer = Customer.objects.filter(external_id=external_id).first()
    if customer is not None:
        return customer
    try:
        with transaction.atomic():
            return Customer.objects.create(external_id=external_id, active_since=seen_at)
    except IntegrityError:
        return Customer.objects.get(external_id=external_id)


@transaction.atomic
def customer_create(
    *,
    external_id: str,
    name: str = "",
    email: str = "",
    persona: Persona | None = None,
    active_since: datetime | None = None,
) -> Customer:
    customer = Customer(
        external_id=external_id,
        name=name,
        email=email,
        persona=persona,
        active_since=active_since or timezone.now(),
    )
    customer.full_clean()
    customer.save()
    return customer


@transaction.atomic
def customer_churn(*, customer: Customer, at: datetime) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.churned_at is not None:
        raise ValidationError({"at": CUSTOMER_ALREADY_CHURNED})
    if at < customer.active_since:
        raise ValidationError({"at": CUSTOMER_CHURN_BEFORE_ACTIVE})
    customer.churned_at = at
    customer.save(update_fields=["churned_at", "updated_at"])
    return customer


@transaction.atomic
def touchpoint_create(
    *,
    slug: str,
    name: str,
    channel: Channel,
    department: Department | None = None,
    description: str = "",
) -> Touchpoint:
    touchpoint = Touchpoint(
        slug=slug, name=name, channel=channel, department=department, description=description
    )
    touchpoint.full_clean()
    touchpoint.save()
    return touchpoint
