from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from journeys.models import Channel
from tests import factories
from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import Ticket

# Serialized rollback like the other transactional tests: a plain flush re-runs post_migrate,
# which re-creates the role groups that the next serialized test then restores again (409 on
# auth_group on PostgreSQL).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _channels():
    """A transactional test before this one flushed the rows the data migrations made."""
    Channel.objects.get_or_create(slug="web", defaults={"name": "Web"})


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; the race needs PostgreSQL"
)
def test_concurrent_resolve_and_reopen_keep_status_and_history_consistent():
    agent = factories.make_agent()
    ticket = make_ticket()
    services.ticket_transition(ticket=ticket, status="open", actor=agent)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def work(status: str) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                try:
                    services.ticket_transition(ticket=ticket, status=status, actor=agent)
                    outcomes.append(status)
                except ValidationError:
                    outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=("resolved" if n % 2 else "open",)) for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    ticket = Ticket.objects.get(pk=ticket.pk)
    chain = list(ticket.status_changes.order_by("at", "id").values_list("from_status", "to_status"))
    # Every accepted change follows the one before it: no update was lost or applied twice.
    assert len(chain) == 1 + sum(1 for o in outcomes if o != "refused")
    previous = "new"
    for from_status, to_status in chain:
        assert from_status == previous
        previous = to_status
    assert ticket.status == previous
    reopens = sum(1 for f, t in chain if f == "resolved" and t == "open")
    assert ticket.reopened_count == reopens
    assert outcomes.count("resolved") == reopens + (1 if ticket.status == "resolved" else 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
def test_parallel_creations_get_distinct_references():
    touchpoint = factories.make_touchpoint()
    customer = factories.make_customer()
    barrier = threading.Barrier(6)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                make_ticket(touchpoint=touchpoint, customer=customer)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    references = list(Ticket.objects.values_list("reference", flat=True))
    assert len(references) == 18 == len(set(references))
    assert all(ref.startswith("T-") and len(ref) == 8 for ref in references)
