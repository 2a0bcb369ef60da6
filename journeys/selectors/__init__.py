"""Reads of the shared domain, with the per-user scope applied in one place."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from journeys.models import Customer, Touchpoint


def customer_list(*, user, search: str = "") -> QuerySet[Customer]:
    customers = Customer.objects.select_related("persona")
    if search:
        matches = Q(external_id__icontains=search) | Q(name__icontains=search)
        # Only readers who may see addresses search them: otherwise the search would tell which
        # customer owns an e-mail address it never shows.
        if user.has_perm("journeys.change_customer"):
            matches |= Q(email__icontains=search)
        customers = customers.filter(matches)
    return customers.order_by("external_id")


def touchpoint_list() -> QuerySet[Touchpoint]:
    return Touchpoint.objects.select_related("channel", "department").order_by("name")
