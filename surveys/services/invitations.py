"""Invitations: created under the contact-frequency rule, sent by e-mail when due, and created or
cancelled automatically around ticket resolution. Bulk sending to a CSV list or a persona lives in
surveys.services.invitation_lists (re-exported here)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journeys.models import Channel, Customer
from surveys.models import ContactPolicy, Invitation, Survey

logger = logging.getLogger(__name__)

INVITATION_LANGUAGE_UNKNOWN = gettext_lazy("This survey is not offered in that language.")


@dataclass(frozen=True)
class Policy:
    frequency_days: int
    post_ticket_first: bool


def contact_policy() -> Policy:
    row = ContactPolicy.objects.order_by("pk").first()
    if row is None:
        return Policy(frequency_days=settings.CX_CONTACT_FREQUENCY_DAYS, post_ticket_first=True)
    return Policy(frequency_days=row.frequency_days, post_ticket_first=row.post_ticket_first)


def suppression_reason(
    *, customer: Customer, survey: Survey, at: datetime, exclude_pk: int | None = None
) -> str:
    """Why the contact-frequency rule stops this invitation, or "" when it may go out.

    Post-ticket CSAT has priority: only another post-ticket invitation in the window stops it,
    while a relationship survey is stopped by any invitation sent or waiting in the window."""
    policy = contact_policy()
    if policy.frequency_days == 0:
        return ""
    window = timedelta(days=policy.frequency_days)
    recent = Invitation.objects.filter(
        customer=customer,
        status__in=[Invitation.Status.PENDING, Invitation.Status.SENT],
        send_after__gt=at - window,
        send_after__lt=at + window,
    )
    if exclude_pk is not None:
        recent = recent.exclude(pk=exclude_pk)
    if survey.is_post_ticket and policy.post_ticket_first:
        recent = recent.filter(survey__is_post_ticket=True)
    other = recent.select_related("survey").order_by("-send_after").first()
    if other is None:
        return ""
    return _(
        "Contact frequency: invited to “%(survey)s” on %(date)s; "
        "at most one invitation per %(days)s days."
    ) % {
        "survey": other.survey.name,
        "date": other.send_after.date().isoformat(),
        "days": policy.frequency_days,
    }


@transaction.atomic
def invitation_create(
    *,
    survey: Survey,
    customer: Customer,
    channel: Channel | None = None,
    language: str = "",
    ticket=None,
    send_after: datetime | None = None,
    deliver: bool = True,
) -> Invitation:
    """A new invitation with an unguessable token. `deliver=True` leaves it pending for the
    e-mail task; `deliver=False` means the caller hands the link over itself (the API), so it
    counts as sent now. Suppressed ones are kept, with their reason, but never sent or counted."""
    if language and language not in (survey.languages or [survey.default_language]):
        raise ValidationError({"language": INVITATION_LANGUAGE_UNKNOWN})
    now = timezone.now()
    send_after = send_after or now
    # One customer's invitations are decided one at a time, so two parallel requests cannot
    # both pass the frequency rule.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    invitation = Invitation(
        survey=survey,
        customer=customer,
        channel=channel,
        language=language,
        ticket=ticket,
        send_after=send_after,
    )
    reason = suppression_reason(customer=customer, survey=survey, at=send_after)
    if reason:
        invitation.status = Invitation.Status.SUPPRESSED
        invitation.suppressed_reason = reason[:200]
    elif not deliver:
        invitation.status = Invitation.Status.SENT
        invitation.sent_at = now
    invitation.full_clean(exclude=["token", "ticket", "customer", "survey", "channel"])
    invitation.save()
    return invitation


def invitation_url(invitation: Invitation) -> str:
    path = reverse("surveys:invitation_open", kwargs={"token": invitation.token})
    return settings.CX_BASE_URL.rstrip("/") + path


def _send_email(invitation: Invitation) -> None:
    survey = invitation.survey
    language = invitation.language or survey.default_language
    with translation.override(language):
        title = survey.title.get(language) or survey.name
        subject = _("We would love your feedback: %(title)s") % {"title": title}
        greeting = _("Hello %(name)s,") % {"name": invitation.customer.name or ""}
        body = "\n\n".join(
            [
                greeting.replace(" ,", ","),
                _("Could you spare a minute to tell us how we did? Your answers help us improve."),
                invitation_url(invitation),
                _("Thank you!"),
            ]
        )
    send_mail(subject, body, None, [invitation.customer.email])


def invitation_send(*, invitation: Invitation, now: datetime | None = None) -> bool:
    """Send one pending invitation by e-mail. Claimed with a conditional update first, so two
    workers running the task at once never send it twice."""
    now = now or timezone.now()
    invitation = Invitation.objects.select_related("survey", "customer").get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        return False
    if not invitation.survey.is_post_ticket:
        # A post-ticket CSAT sent since this was queued took the customer's contact slot.
        window = timedelta(days=contact_policy().frequency_days)
        other = (
            Invitation.objects.filter(
                customer=invitation.customer,
                status=Invitation.Status.SENT,
                sent_at__gt=now - window,
            )
            .exclude(pk=invitation.pk)
            .exists()
        )
        if window and other:
            Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING).update(
                status=Invitation.Status.SUPPRESSED,
                suppressed_reason=_("Contact frequency: another invitation was sent first."),
                updated_at=now,
            )
            return False
    if not invitation.customer.email:
        Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING).update(
            status=Invitation.Status.SUPPRESSED,
            suppressed_reason=_("The customer has no e-mail address."),
            updated_at=now,
        )
        return False
    claimed = Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING).update(
        status=Invitation.Status.SENT, sent_at=now, updated_at=now
    )
    if not claimed:
        return False
    try:
        _send_email(invitation)
    except Exception:
        # Put it back so the next run retries; the log says why.
        logger.exception("sending invitation %s failed", invitation.pk)
        Invitation.objects.filter(pk=invitation.pk).update(
            status=Invitation.Status.PENDING, sent_at=None, updated_at=timezone.now()
        )
        return False
    return True


def invitations_send_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send pending invitations whose send_after has passed. Safe to run twice."""
    now = now or timezone.now()
    due = list(
        Invitation.objects.filter(status=Invitation.Status.PENDING, send_after__lte=now)
        .order_by("send_after")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in due:
        sent += invitation_send(invitation=Invitation(pk=pk), now=now)
    return sent


def invitation_mark_opened(*, invitation: Invitation, at: datetime | None = None) -> None:
    """Record when the invitation's link was first opened (the open rate counts it). Later opens
    keep the first time; the conditional update lets two simultaneous opens agree."""
    if invitation.opened_at is not None:
        return
    at = at or timezone.now()
    Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=at)


def post_ticket_survey_for(touchpoint_id: int) -> Survey | None:
    return (
        Survey.objects.filter(touchpoint_id=touchpoint_id, is_post_ticket=True, is_active=True)
        .order_by("pk")
        .first()
    )


def invitation_for_resolved_ticket(*, ticket_id: int, at: datetime) -> Invitation | None:
    """Create the post-ticket CSAT invitation for a resolved ticket (once per ticket, while one is
    alive), to be sent after the survey's delay. No post-ticket survey on the touchpoint: skip."""
    from tickets.models import Ticket

    ticket = Ticket.objects.select_related("customer", "channel").filter(pk=ticket_id).first()
    if ticket is None:
        return None
    survey = post_ticket_survey_for(ticket.touchpoint_id)
    if survey is None:
        return None
    live = Invitation.objects.filter(ticket=ticket).exclude(status=Invitation.Status.CANCELLED)
    if live.exists():
        return None
    try:
        with transaction.atomic():
            return invitation_create(
                survey=survey,
                customer=ticket.customer,
                channel=ticket.channel,
                ticket=ticket,
                send_after=at + timedelta(minutes=survey.post_ticket_delay_minutes),
            )
    except IntegrityError:
        # A parallel delivery of the same signal created it first.
        return None


@transaction.atomic
def invitations_cancel_for_ticket(*, ticket_id: int) -> int:
    """A reopened ticket is not done: its unanswered CSAT invitation is cancelled."""
    return (
        Invitation.objects.filter(
            ticket_id=ticket_id,
            responded_at__isnull=True,
            status__in=[
                Invitation.Status.PENDING,
                Invitation.Status.SENT,
                Invitation.Status.SUPPRESSED,
            ],
        )
        .exclude(response__isnull=False)
        .update(status=Invitation.Status.CANCELLED, updated_at=timezone.now())
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    if hasattr(invitation, "response"):
        raise ValidationError(_("An answered invitation cannot be revoked."))
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status", "updated_at"])
    return invitation


# Bulk sending lives in invitation_lists, which imports invitation_create from here; a lazy
# lookup keeps its names importable from this module without a circular import.
_MOVED_TO_LISTS = frozenset(
    {
        "CSV_EMPTY",
        "CSV_MAX_BYTES",
        "CSV_MAX_ROWS",
        "CSV_NO_COLUMN",
        "CSV_NOT_TEXT",
        "CSV_TOO_BIG",
        "BulkResult",
        "CsvRow",
        "invitation_csv_parse",
        "invitations_send_to_list",
    }
)


def __getattr__(name: str):
    if name in _MOVED_TO_LISTS:
        from surveys.services import invitation_lists

        return getattr(invitation_lists, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
