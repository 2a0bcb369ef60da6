"""Races only PostgreSQL shows: one token submitted by 20 threads at once."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection

from surveys.models import Response
from tests import factories
from tests.surveys.factories import make_invitation, make_survey

pytestmark = pytest.mark.skipif(
    not settings.IS_POSTGRES, reason="row locks and unique-index races need PostgreSQL"
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_parallel_submissions_of_one_token_give_one_201_and_nineteen_409():
    survey = make_survey()
    invitation = make_invitation(survey=survey)
    url = f"/api/v1/surveys/{survey.slug}/responses/"
    barrier = threading.Barrier(20)
    codes: list[int] = []
    lock = threading.Lock()

    def submit(score: int) -> None:
        try:
            client = factories.api_client()
            barrier.wait(timeout=30)
            reply = client.post(
                url, {"answers": {"nps": score % 11}, "invitation": invitation.token}, format="json"
            )
            with lock:
                codes.append(reply.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [201] + [409] * 19
    assert Response.objects.filter(invitation=invitation).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_responses_naming_one_new_customer_share_one_row():
    survey = make_survey()
    url = f"/api/v1/surveys/{survey.slug}/responses/"
    barrier = threading.Barrier(10)
    codes: list[int] = []

    def submit() -> None:
        try:
            client = factories.api_client()
            barrier.wait(timeout=30)
            reply = client.post(url, {"answers": {"nps": 9}, "customer": "c-race"}, format="json")
            codes.append(reply.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == [201] * 10
    assert len(set(Response.objects.values_list("customer_id", flat=True))) == 1
