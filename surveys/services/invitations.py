"""Invitations: created under the contact-frequency rule, sent by e-mail when due, sent in bulk to
a CSV list or a persona, and created or cancelled automatically around ticket resolution."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journeys.models import Channel, Customer, Persona
from surveys.models import ContactPolicy, Invitation, Survey

logger = logging.getLogger(__name__)

CSV_MAX_BYTES = 2_000_000
CSV_MAX_ROWS = 10_000
INVITATION_LANGUAGE_UNKNOWN = gettext_lazy("This survey is not offered in that language.")
CSV_EMPTY = gettext_lazy("The file has no customers.")
CSV_TOO_BIG = gettext_lazy("The file is too large (at most 10,000 rows and 2 MB).")
CSV_NOT_TEXT = gettext_lazy("The file is not a UTF-8 text (CSV) file.")
CSV_NO_COLUMN = gettext_lazy("The first line must name an external_id or email column.")


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


@dataclass
class BulkResult:
    created: int = 0
    suppressed: int = 0
    customers_added: int = 0
    invitations: list[Invitation] = field(default_factory=list)


@dataclass(frozen=True)
class CsvRow:
    line: int
    external_id: str
    email: str
    name: str


def invitation_csv_parse(*, data: bytes) -> list[CsvRow]:
    """Read a customer list (columns external_id and/or email, optional name). Every row is
    checked before anything is written; errors name their line."""
    if len(data) > CSV_MAX_BYTES:
        raise ValidationError({"file": CSV_TOO_BIG})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": CSV_NOT_TEXT}) from None
    if "\x00" in text:
        raise ValidationError({"file": CSV_NOT_TEXT})
    reader = csv.reader(io.StringIO(text))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except StopIteration:
        raise ValidationError({"file": CSV_EMPTY}) from None
    except csv.Error:
        raise ValidationError({"file": CSV_NOT_TEXT}) from None
    if "external_id" not in header and "email" not in header:
        raise ValidationError({"file": CSV_NO_COLUMN})
    columns = {
        name: header.index(name) for name in ("external_id", "email", "name") if name in header
    }
    rows: list[CsvRow] = []
    errors: list[str] = []
    seen: set[str] = set()
    try:
        for line, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= CSV_MAX_ROWS:
                raise ValidationError({"file": CSV_TOO_BIG})

            def cell(name: str, cells=cells) -> str:
                index = columns.get(name)
                return cells[index].strip() if index is not None and index < len(cells) else ""

            external_id, email, name = cell("external_id"), cell("email"), cell("name")
            if not external_id and not email:
                errors.append(
                    _("Line %(line)s: give an external id or an e-mail.") % {"line": line}
                )
                continue
            if len(external_id) > 100 or len(name) > 200:
                errors.append(_("Line %(line)s: a value is too long.") % {"line": line})
                continue
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    errors.append(
                        _("Line %(line)s: “%(value)s” is not an e-mail address.")
                        % {"line": line, "value": email[:80]}
                    )
                    continue
            identity = external_id or email.lower()
            if identity in seen:
                errors.append(_("Line %(line)s: this customer is listed twice.") % {"line": line})
                continue
            seen.add(identity)
            rows.append(CsvRow(line=line, external_id=external_id, email=email, name=name))
    except csv.Error:
        raise ValidationError({"file": CSV_NOT_TEXT}) from None
    if errors:
        raise ValidationError({"file": errors[:20]})
    if not rows:
        raise ValidationError({"file": CSV_EMPTY})
    return rows


def _customers_for_rows(rows: list[CsvRow]) -> tuple[list[Customer], int, list[str]]:
    by_id = Customer.objects.in_bulk(
        [r.external_id for r in rows if r.external_id], field_name="external_id"
    )
    emails = [r.email.lower() for r in rows if r.email and not r.external_id]
    by_email: dict[str, Customer] = {}
    for customer in Customer.objects.filter(email__in=emails).order_by("pk"):
        by_email.setdefault(customer.email.lower(), customer)
    customers: list[Customer] = []
    to_create: list[CsvRow] = []
    errors: list[str] = []
    for row in rows:
        if row.external_id:
            customer = by_id.get(row.external_id)
            if customer is None:
                if not row.email:
                    errors.append(
                        _("Line %(line)s: no customer “%(value)s”; add an e-mail to create them.")
                        % {"line": row.line, "value": row.external_id[:80]}
                    )
                    continue
                to_create.append(row)
                continue
        else:
            customer = by_email.get(row.email.lower())
            if customer is None:
                errors.append(
                    _("Line %(line)s: no customer with e-mail %(value)s; add an external id.")
                    % {"line": row.line, "value": row.email[:80]}
                )
                continue
        customers.append(customer)
    created = []
    if not errors:
        for row in to_create:
            customer = Customer(external_id=row.external_id, email=row.email, name=row.name)
            customer.full_clean()
            customer.save()
            created.append(customer)
    return customers + created, len(created), errors


@transaction.atomic
def invitations_send_to_list(
    *,
    survey: Survey,
    rows: list[CsvRow] | None = None,
    persona: Persona | None = None,
    channel: Channel | None = None,
    language: str = "",
    send_after: datetime | None = None,
) -> BulkResult:
    """Invite a CSV list or a persona's active customers; one transaction, nothing written on
    a bad list."""
    result = BulkResult()
    if rows is not None:
        customers, result.customers_added, errors = _customers_for_rows(rows)
        if errors:
            raise ValidationError({"file": errors[:20]})
    elif persona is not None:
        customers = list(Customer.objects.filter(persona=persona, churned_at__isnull=True))
    else:
        raise ValidationError({"persona": _("Upload a customer list or choose a persona.")})
    if not customers:
        raise ValidationError({"persona": _("No active customers to invite.")})
    email = channel or Channel.objects.filter(slug="email").first()
    for customer in customers:
        invitation = invitation_create(
            survey=survey,
            customer=customer,
            channel=email,
            language=language,
            send_after=send_after,
        )
        result.invitations.append(invitation)
        if invitation.status == Invitation.Status.SUPPRESSED:
            result.suppressed += 1
        else:
            result.created += 1
    return result


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
