"""Builders for surveys tests, on top of tests/factories.py."""

from __future__ import annotations

import itertools

from surveys import services
from surveys.models import Invitation, Survey
from tests import factories

_seq = itertools.count(1)

ALL_TYPES = [
    {"key": "nps", "type": "nps", "text": "How likely are you to recommend us?", "required": True},
    {"key": "csat", "type": "csat", "text": "How satisfied are you?", "scale": 5},
    {"key": "csat7", "type": "csat", "text": "And on seven points?", "scale": 7},
    {"key": "ces", "type": "ces", "text": "How easy was it?"},
    {"key": "rating", "type": "rating", "text": "Rate the staff", "scale": 5},
    {"key": "yes", "type": "yes_no", "text": "Did we solve it?"},
    {"key": "pick", "type": "choice", "text": "Main reason?", "choices": ["price", "speed"]},
    {
        "key": "many",
        "type": "multi_choice",
        "text": "What did you use?",
        "choices": ["app", "web", "store"],
    },
    {"key": "comment", "type": "text", "text": "Anything else?"},
]


def make_survey(*, questions: list[dict] | None = None, touchpoint=None, **overrides) -> Survey:
    number = next(_seq)
    if touchpoint is None:
        department = factories.make_department()
        touchpoint = factories.make_touchpoint(department=department)
    data = {
        "slug": f"survey-{number}",
        "name": f"Survey {number}",
        "touchpoint": touchpoint,
        "questions": questions
        if questions is not None
        else [
            {"key": "nps", "type": "nps", "text": "How likely…?", "required": True},
            {"key": "comment", "type": "text", "text": "Why?"},
        ],
    }
    data.update(overrides)
    return services.survey_create(**data)


def make_invitation(*, survey: Survey, customer=None, **overrides) -> Invitation:
    customer = customer or factories.make_customer(email="someone@example.com")
    return services.invitation_create(survey=survey, customer=customer, **overrides)
