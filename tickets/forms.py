"""Forms for the agent pages; QueueFilterForm also checks the API's list filters."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from journeys.models import Channel, Touchpoint
from tickets.models import Category, Message, Priority, Ticket
from tickets.selectors import SORTS, QueueFilters

NO_NUL = [ProhibitNullCharactersValidator()]
SORT_LABELS = {
    "newest": _("Newest first"),
    "oldest": _("Oldest first"),
    "priority": _("Priority"),
    "due": _("SLA due soonest"),
    "updated": _("Recently updated"),
}


def agent_choices() -> list[tuple[str, str]]:
    """People tickets can be assigned to: active users who may work tickets."""
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__codename="change_ticket")
            | Q(user_permissions__codename="change_ticket")
        )
        .distinct()
        .order_by("username")
    )
    return [(str(user.pk), user.get_full_name() or user.get_username()) for user in users]


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    touchpoint = forms.ChoiceField(label=_("Touchpoint"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    mine = forms.BooleanField(label=_("My tickets"), required=False)
    at_risk = forms.BooleanField(label=_("SLA at risk"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100, validators=NO_NUL)
    sort = forms.ChoiceField(label=_("Sort"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        anything = [("", _("Any"))]
        self.fields["status"].choices = [
            ("", _("Any")),
            ("active", _("Open (not resolved)")),
            *Ticket.Status.choices,
        ]
        self.fields["channel"].choices = anything + list(
            Channel.objects.values_list("slug", "name")
        )
        self.fields["touchpoint"].choices = anything + list(
            Touchpoint.objects.order_by("name").values_list("slug", "name")
        )
        self.fields["category"].choices = anything + list(
            Category.objects.values_list("slug", "name")
        )
        self.fields["priority"].choices = anything + list(Priority.choices)
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            ("none", _("Unassigned")),
            *agent_choices(),
        ]
        self.fields["sort"].choices = [(key, SORT_LABELS[key]) for key in SORTS]

    def filters(self) -> QueueFilters:
        data = self.cleaned_data
        return QueueFilters(
            status=data["status"],
            channel=data["channel"],
            touchpoint=data["touchpoint"],
            category=data["category"],
            priority=data["priority"],
            assignee=data["assignee"],
            mine=data["mine"],
            at_risk=data["at_risk"],
            search=data["q"].strip(),
            sort=data["sort"] or "newest",
        )


class TicketCreateForm(forms.Form):
    customer = forms.CharField(label=_("Customer external id"), max_length=100, validators=NO_NUL)
    subject = forms.CharField(label=_("Subject"), max_length=200, validators=NO_NUL)
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.all(), to_field_name="slug"
    )
    touchpoint = forms.ModelChoiceField(
        label=_("Touchpoint"),
        queryset=Touchpoint.objects.filter(is_active=True).order_by("name"),
        to_field_name="slug",
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), to_field_name="slug", required=False
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
        validators=NO_NUL,
        required=False,
    )
    opened_by_agent = forms.BooleanField(
        label=_("I am contacting the customer (the message is our reply to them)"),
        required=False,
    )


class MessageForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(Message.Kind.REPLY, _("Public reply")), (Message.Kind.NOTE, _("Internal note"))]
    )
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
        validators=NO_NUL,
    )

    then_status = forms.ChoiceField(
        label=_("Then set the status to"),
        required=False,
        choices=[
            ("", _("Keep the status")),
            (Ticket.Status.PENDING, _("Pending (waiting on the customer)")),
            (Ticket.Status.RESOLVED, _("Resolved")),
        ],
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Unassigned")), *agent_choices()]


class TriageForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), to_field_name="slug", required=False
    )
