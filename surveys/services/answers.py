"""Validating answers against their questions: NPS 0-10, 1-5/1-7 scales, yes/no, choices, text
(length, NUL); unknown keys and missing required answers refused with the question named."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from surveys.models import Question

MAX_COMMENT = 5000
ANSWERS_NOT_OBJECT = _("Answers must be an object of question keys and values.")
ANSWER_UNKNOWN_QUESTION = _("Unknown question.")
ANSWER_REQUIRED = _("This question is required.")
ANSWER_NULL = _("Leave a question out to skip it; null is not an answer.")
ANSWER_NPS = _("Give a whole number from 0 to 10.")
ANSWER_SCALE = _("Give a whole number from 1 to %(max)s.")
ANSWER_YES_NO = _("Answer true or false.")
ANSWER_CHOICE = _("Choose one of the offered options.")
ANSWER_MULTI = _("Choose one or more of the offered options, each once.")
ANSWER_TEXT = _("Give a text of at most %(max)s characters.")
ANSWER_NUL = _("Text may not contain NUL characters.")


class AnswersInvalid(ValidationError):
    """Answers that do not fit their questions; `errors` maps each question key to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__({"answers": [f"{key}: {message}" for key, message in errors.items()]})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _scale_max(question: Question) -> int:
    if question.type == Question.Type.CES:
        return 7
    return question.scale or 5


def clean_answer(question: Question, value: Any) -> dict[str, Any]:
    """One answer as Answer fields, or ValueError(message). Types are strict: "7" and 7.5 are not
    an NPS answer (the page converts its form strings before calling)."""
    qtype = question.type
    if value is None:
        raise ValueError(str(ANSWER_NULL))
    if qtype == Question.Type.NPS:
        if not _is_int(value) or not 0 <= value <= 10:
            raise ValueError(str(ANSWER_NPS))
        return {"number": value}
    if qtype in (Question.Type.CSAT, Question.Type.CES, Question.Type.RATING):
        top = _scale_max(question)
        if not _is_int(value) or not 1 <= value <= top:
            raise ValueError(str(ANSWER_SCALE % {"max": top}))
        return {"number": value}
    if qtype == Question.Type.YES_NO:
        if not isinstance(value, bool):
            raise ValueError(str(ANSWER_YES_NO))
        return {"number": int(value)}
    values = [choice["value"] for choice in question.choices]
    if qtype == Question.Type.CHOICE:
        if not isinstance(value, str) or value not in values:
            raise ValueError(str(ANSWER_CHOICE))
        return {"text": value}
    if qtype == Question.Type.MULTI_CHOICE:
        if (
            not isinstance(value, list)
            or not value
            or len(set(map(str, value))) != len(value)
            or not all(isinstance(item, str) and item in values for item in value)
        ):
            raise ValueError(str(ANSWER_MULTI))
        return {"choices": [item for item in values if item in value]}
    if not isinstance(value, str) or len(value) > MAX_COMMENT:
        raise ValueError(str(ANSWER_TEXT % {"max": MAX_COMMENT}))
    if "\x00" in value:
        raise ValueError(str(ANSWER_NUL))
    return {"text": value.strip()}


def clean_answers(*, questions: list[Question], answers: Any) -> list[tuple[Question, dict]]:
    """Validate every answer; collect all problems so the respondent sees them at once."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": ANSWERS_NOT_OBJECT})
    by_key = {question.key: question for question in questions}
    errors: dict[str, str] = {}
    for key in answers:
        if key not in by_key:
            errors[str(key)[:60]] = str(ANSWER_UNKNOWN_QUESTION)
    cleaned: list[tuple[Question, dict]] = []
    for question in questions:
        if question.key not in answers:
            if question.required:
                errors[question.key] = str(ANSWER_REQUIRED)
            continue
        try:
            fields = clean_answer(question, answers[question.key])
        except ValueError as error:
            errors[question.key] = str(error)
            continue
        empty = fields.get("text") == "" and question.type == Question.Type.TEXT
        if empty:
            if question.required:
                errors[question.key] = str(ANSWER_REQUIRED)
            continue
        cleaned.append((question, fields))
    if errors:
        raise AnswersInvalid(errors)
    return cleaned
