"""The respondent's side of a survey page: the questions as the template shows them (texts in the
chosen language, scales, kept values and errors) and the answers read back from a plain POST.
The survey editor's forms are in surveys.forms."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from surveys.models import Question, Survey
from surveys.services.answers import MAX_COMMENT


def _scale(question: Question) -> list[int]:
    if question.type == Question.Type.NPS:
        return list(range(0, 11))
    top = 7 if question.type == Question.Type.CES else (question.scale or 5)
    return list(range(1, top + 1))


def _default_labels(question: Question) -> tuple[str, str]:
    if question.type == Question.Type.NPS:
        return _("Not at all likely"), _("Extremely likely")
    if question.type == Question.Type.CSAT:
        return _("Very dissatisfied"), _("Very satisfied")
    if question.type == Question.Type.CES:
        return _("Very difficult"), _("Very easy")
    return _("Poor"), _("Excellent")


def _text(values: dict, language: str, default: str) -> str:
    return values.get(language) or values.get(default) or ""


def question_views(survey: Survey, language: str, values, errors: dict) -> list[dict]:
    """What the respondent's template needs per question, in the chosen language."""
    default = survey.default_language
    views = []
    for question in survey.questions.all():
        low, high = _default_labels(question)
        name = f"q_{question.key}"
        if hasattr(values, "getlist"):
            current = (
                values.getlist(name)
                if question.type == Question.Type.MULTI_CHOICE
                else values.get(name, "")
            )
        else:
            current = values.get(name, "")
        if question.type == Question.Type.CHOICE:
            # A list, so the template's "in" test never matches a substring.
            current = [current] if current else []
        views.append(
            {
                "question": question,
                "name": name,
                "id": f"q-{question.key}",
                "type": question.type,
                "text": _text(question.text, language, default),
                "low": _text(question.low_label, language, default) or low,
                "high": _text(question.high_label, language, default) or high,
                "points": [str(point) for point in _scale(question)]
                if question.type in ("nps", "csat", "ces", "rating")
                else [],
                "choices": [
                    {
                        "value": choice["value"],
                        "label": _text(choice.get("label") or {}, language, default)
                        or choice["value"],
                    }
                    for choice in question.choices
                ],
                "current": current,
                "error": errors.get(question.key, ""),
                "max_length": MAX_COMMENT,
            }
        )
    return views


def answers_from_post(survey: Survey, data) -> tuple[dict[str, Any], dict[str, str]]:
    """Turn the form's strings into typed answers; the service then validates them fully."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in survey.questions.all():
        name = f"q_{question.key}"
        if question.type == Question.Type.MULTI_CHOICE:
            picked = [value for value in data.getlist(name) if value]
            if picked:
                answers[question.key] = picked
            continue
        raw = (
            (data.get(name) or "").strip()
            if question.type != Question.Type.TEXT
            else data.get(name, "")
        )
        if raw == "" or (question.type == Question.Type.TEXT and not raw.strip()):
            continue
        if question.type in ("nps", "csat", "ces", "rating"):
            if not raw.lstrip("-").isdigit() or len(raw) > 3:
                errors[question.key] = _("Choose one of the points on the scale.")
                continue
            answers[question.key] = int(raw)
        elif question.type == Question.Type.YES_NO:
            if raw not in ("yes", "no"):
                errors[question.key] = _("Answer yes or no.")
                continue
            answers[question.key] = raw == "yes"
        else:
            answers[question.key] = raw
    for question in survey.questions.all():
        if question.required and question.key not in answers and question.key not in errors:
            errors[question.key] = _("This question is required.")
    return answers, errors
