"""The surveys part of seed_demo: surveys on many touchpoints, one in four languages, answers."""

from __future__ import annotations

from datetime import date

import pytest

from journeys.demo import make_context, seed_foundation
from surveys.models import Answer, FollowUp, Invitation, Response, Survey

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_surveys_responses_and_invitations():
    from surveys import demo
    from tickets import demo as tickets_demo

    ctx = make_context(
        seed=5, days=60, end=date(2026, 6, 30), progress=lambda items, desc="", total=None: items
    )
    seed_foundation(ctx, customers=120)
    tickets_demo.seed(ctx)
    demo.seed(ctx)
    assert Survey.objects.count() >= 12
    multilingual = Survey.objects.get(slug="relationship-nps")
    assert multilingual.languages == ["en", "id", "ms", "it"]
    for question in multilingual.questions.all():
        assert set(question.text) == {"en", "id", "ms", "it"}
    assert set(multilingual.thank_you) == {"en", "id", "ms", "it"}
    assert Survey.objects.filter(is_post_ticket=True, touchpoint__slug="help-desk").exists()
    responses = Response.objects.count()
    assert responses > 100
    assert Answer.objects.filter(response__survey__slug="checkout-csat").exists()
    sent = Invitation.objects.filter(status="sent").count()
    answered = Invitation.objects.filter(status="sent", response__isnull=False).count()
    assert 0.2 < answered / sent < 0.45
    assert set(Response.objects.values_list("language", flat=True)) >= {"en", "id"}
    assert FollowUp.objects.exists()
    assert all(f.ticket.priority == "high" for f in FollowUp.objects.select_related("ticket"))
    # Denormalised scores agree with the answers they come from.
    for response in Response.objects.filter(nps_score__isnull=False)[:50]:
        nps = response.answers.get(question__type="nps")
        assert nps.number == response.nps_score
