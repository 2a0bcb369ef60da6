"""RELIABILITY C4, D3, D5, D6, D10: races only a real database with real parallel connections shows.
Each test runs threads with their own PostgreSQL connection; SQLite serialises writers and would
hide exactly what is tested here."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from journeys.models import Customer
from metrics.models import ResponseDaily
from metrics.services import recompute
from surveys.models import Response
from tests import factories
from tests.surveys.factories import make_invitation, make_survey
from tests.tickets.factories import make_ticket
from tickets.models import StatusChange

pytestmark = [
    pytest.mark.skipif(
        not settings.IS_POSTGRES, reason="parallel-connection races need PostgreSQL"
    ),
    # serialized_rollback: the channels and roles rows from data migrations survive the flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_parallel(count: int, work: Callable[[int], object]) -> list[object]:
    """Start `count` threads at one barrier; return what each returned (exceptions included)."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:  # reported by the caller's assertions
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_twenty_parallel_submissions_of_one_token_give_one_201_and_no_500():
    survey = make_survey()
    invitation = make_invitation(survey=survey, deliver=False)
    url = f"/api/v1/surveys/{survey.slug}/responses/"

    def submit(i):
        return (
            factories.api_client()
            .post(url, {"answers": {"nps": i % 11}, "invitation": invitation.token}, format="json")
            .status_code
        )

    codes = run_parallel(20, submit)
    assert sorted(codes) == [201] + [409] * 19
    assert Response.objects.filter(invitation=invitation).count() == 1


def test_twenty_parallel_responses_naming_one_new_customer_make_one_customer_row():
    survey = make_survey()
    url = f"/api/v1/surveys/{survey.slug}/responses/"
    admin = factories.make_admin()  # exempt from the public budget: 20 posts from one address

    def submit(_i):
        return (
            factories.api_client(admin)
            .post(url, {"answers": {"nps": 9}, "customer": "c-1"}, format="json")
            .status_code
        )

    codes = run_parallel(20, submit)
    assert codes == [201] * 20
    assert Customer.objects.filter(external_id="c-1").count() == 1
    customer = Customer.objects.get(external_id="c-1")
    assert Response.objects.filter(survey=survey, customer=customer).count() == 20


def test_parallel_ticket_creation_for_one_new_customer_makes_one_customer_row():
    touchpoint = factories.make_touchpoint()
    admin = factories.make_admin()

    def create(i):
        return (
            factories.api_client(admin)
            .post(
                "/api/v1/tickets/",
                {
                    "subject": f"t{i}",
                    "customer": "c-race-t",
                    "channel": "web",
                    "touchpoint": touchpoint.slug,
                },
                format="json",
            )
            .status_code
        )

    codes = run_parallel(10, create)
    assert codes == [201] * 10
    assert Customer.objects.filter(external_id="c-race-t").count() == 1


def test_resolve_and_reopen_at_the_same_moment_leave_status_and_history_in_agreement():
    department = factories.make_department()
    ticket = make_ticket(department=department)
    agents = [factories.make_agent(departments=[department]) for _ in range(2)]
    clients = [factories.api_client(agent) for agent in agents]
    clients[0].post(f"/api/v1/tickets/{ticket.pk}/messages/", {"kind": "reply", "body": "hi"})
    clients[0].post(f"/api/v1/tickets/{ticket.pk}/status/", {"status": "resolved"})
    for _round in range(5):
        ticket.refresh_from_db()
        wanted = ["open", "resolved"] if ticket.status == "resolved" else ["resolved", "open"]

        def change(i, wanted=wanted):
            return (
                clients[i]
                .post(f"/api/v1/tickets/{ticket.pk}/status/", {"status": wanted[i]}, format="json")
                .status_code
            )

        codes = run_parallel(2, change)
        assert all(code in (200, 400, 409) for code in codes), codes
        ticket.refresh_from_db()
        history = list(StatusChange.objects.filter(ticket=ticket).order_by("at", "pk"))
        assert history[-1].to_status == ticket.status
        reopens = sum(
            1
            for change_ in history
            if change_.from_status in ("resolved", "closed")
            and change_.to_status not in ("resolved", "closed")
        )
        assert ticket.reopened_count == reopens


def test_fifty_parallel_requests_at_the_limit_accept_at_most_the_limit(settings):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("the shared throttle counter lives in Redis")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.CELERY_BROKER_URL,
            "KEY_PREFIX": f"rel-{uuid.uuid4().hex}",
        }
    }
    limit = 20
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], public_survey=f"{limit}/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    survey = make_survey()
    url = f"/api/v1/surveys/{survey.slug}/responses/"

    def submit(_i):
        return factories.api_client().post(url, {"answers": {"nps": 7}}, format="json").status_code

    codes = run_parallel(50, submit)
    assert set(codes) <= {201, 429}, codes
    # The Redis INCR counter is atomic: exactly the limit, no margin.
    assert codes.count(201) == limit
    assert Response.objects.filter(survey=survey).count() == limit
    from django.core.cache import cache

    cache.clear()


def test_a_reader_during_a_recompute_sees_old_or_new_totals_never_a_half_written_period():
    survey = make_survey()
    admin = factories.make_admin()
    start = timezone.localdate() - timedelta(days=30)
    end = timezone.localdate()

    def add_responses(count: int, score: int) -> None:
        for _ in range(count):
            factories.api_client(admin).post(
                f"/api/v1/surveys/{survey.slug}/responses/",
                {"answers": {"nps": score}},
                format="json",
            )

    add_responses(12, 10)
    recompute(full=True)

    def totals():
        # The rollup rows dashboards and the KPI API read: responses, promoters, detractors.
        sums = ResponseDaily.objects.filter(day__gte=start, day__lte=end).aggregate(
            n=Sum("responses"), promoters=Sum("nps_10"), detractors=Sum("nps_0")
        )
        return (sums["n"] or 0, sums["promoters"] or 0, sums["detractors"] or 0)

    old = totals()
    add_responses(8, 0)
    seen: set[tuple] = set()
    done = threading.Event()

    def slow_step(_name: str) -> None:
        time.sleep(0.15)  # between rollup builders, inside the recompute's transaction

    def writer():
        try:
            recompute(full=True, progress=slow_step)
        finally:
            done.set()
            connection.close()

    def reader():
        try:
            while not done.is_set():
                seen.add(totals())
                time.sleep(0.01)
            seen.add(totals())
        finally:
            connection.close()

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    new = totals()
    assert old[0] == 12 and new[0] == 20
    assert seen <= {old, new}, seen
    assert old in seen, "the reader ran while the recompute was still writing"
