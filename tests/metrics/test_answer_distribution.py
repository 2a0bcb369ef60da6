"""answer_distribution: counts per question and value from the rollup, multiple choices unnested."""

from __future__ import annotations

from datetime import date

import pytest

from metrics import selectors, services
from tests import factories
from tests.metrics import factories as mf

pytestmark = pytest.mark.django_db


def test_answer_distribution_counts_each_value_and_each_chosen_option():
    survey = mf.make_survey(factories.make_touchpoint(slug="checkout"), slug="checkout-survey")
    other = mf.make_survey(factories.make_touchpoint(slug="store"), slug="store-survey")
    nps = mf.make_question(survey, "recommend", "nps")
    pick = mf.make_question(survey, "reason", "choice")
    multi = mf.make_question(survey, "liked", "multi_choice")
    comment = mf.make_question(survey, "comment", "text")
    other_q = mf.make_question(other, "recommend", "nps")
    for score, reason, liked in (
        (9, "price", ["speed", "price"]),
        (9, "speed", ["speed"]),
        (3, "price", []),
    ):
        response = mf.make_response(survey, mf.at("2026-01-05"), nps=score)
        mf.make_answer(response, nps, number=score)
        mf.make_answer(response, pick, text=reason)
        mf.make_answer(response, comment, text="free words")
        answer = mf.make_answer(response, multi)
        answer.choices = liked
        answer.save()
    late = mf.make_response(survey, mf.at("2026-02-01"), nps=0)
    mf.make_answer(late, nps, number=0)
    mf.make_answer(mf.make_response(other, mf.at("2026-01-05"), nps=10), other_q, number=10)
    services.recompute(full=True)
    result = selectors.answer_distribution(
        start=date(2026, 1, 1), end=date(2026, 1, 31), survey="checkout-survey"
    )
    assert result == {
        "recommend": {"9": 2, "3": 1},
        "reason": {"price": 2, "speed": 1},
        "liked": {"speed": 2, "price": 1},
    }
    everything = selectors.answer_distribution(start=date(2026, 1, 1), end=date(2026, 2, 28))
    assert everything["recommend"] == {"9": 2, "3": 1, "0": 1, "10": 1}
    with pytest.raises(ValueError):
        selectors.answer_distribution(start=date(2026, 1, 1), end=date(2026, 1, 31), survey="nope")
