"""Survey definitions: create and update a survey with its questions, activate and deactivate."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journeys.models import Stage, Touchpoint
from surveys.models import Question, Survey

MAX_QUESTIONS = 50
# Page addresses under /surveys/ and /s/ that a survey slug must not shadow.
RESERVED_SLUGS = {"new", "responses", "i"}
MAX_CHOICES = 50
MAX_TEXT = 1000
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
SCALED_TYPES = {Question.Type.CSAT, Question.Type.RATING}
CHOICE_TYPES = {Question.Type.CHOICE, Question.Type.MULTI_CHOICE}

SURVEY_NEEDS_QUESTIONS = gettext_lazy("A survey needs at least one question.")
SURVEY_TOO_MANY_QUESTIONS = gettext_lazy("A survey has at most 50 questions.")
SURVEY_UNKNOWN_LANGUAGE = gettext_lazy("Unknown language '{value}'; use one of: {allowed}.")
SURVEY_DEFAULT_NOT_LISTED = gettext_lazy(
    "The default language must be one of the survey's languages."
)
SURVEY_WINDOW_ORDER = gettext_lazy("The survey must start before it ends.")
QUESTION_KEY_INVALID = gettext_lazy(
    "Question {n}: the key must be lower-case letters, digits, - or _."
)
QUESTION_KEY_DUPLICATE = gettext_lazy("Question {n}: the key '{key}' is used twice.")
QUESTION_TYPE_INVALID = gettext_lazy("Question {n}: unknown type '{value}'.")
QUESTION_TEXT_MISSING = gettext_lazy("Question {n}: the text in the default language is required.")
QUESTION_SCALE_INVALID = gettext_lazy("Question {n}: the scale must be 5 or 7.")
QUESTION_SCALE_NOT_ALLOWED = gettext_lazy(
    "Question {n}: only CSAT and rating questions have a scale."
)
QUESTION_CHOICES_NEEDED = gettext_lazy(
    "Question {n}: a choice question needs at least two choices."
)
QUESTION_CHOICES_NOT_ALLOWED = gettext_lazy("Question {n}: only choice questions have choices.")
QUESTION_CHOICE_INVALID = gettext_lazy("Question {n}: each choice needs a unique, non-empty value.")
QUESTION_BAD_FIELD = gettext_lazy("Question {n}: unknown field '{value}'.")
QUESTION_ANSWERED_REMOVED = gettext_lazy(
    "Question '{key}' already has answers and cannot be removed."
)
QUESTION_ANSWERED_RETYPED = gettext_lazy(
    "Question '{key}' already has answers; its type and scale are fixed."
)
TEXT_NUL = gettext_lazy("Text may not contain NUL characters.")
TEXT_TOO_LONG = gettext_lazy("Texts are at most 1000 characters.")
LANGUAGE_TEXTS_INVALID = gettext_lazy(
    "Give a text per language as {language: text} for the survey's languages."
)

QUESTION_FIELDS = {
    "key",
    "type",
    "text",
    "scale",
    "choices",
    "required",
    "low_label",
    "high_label",
    "order",
}
SURVEY_FIELDS = {
    "slug",
    "name",
    "touchpoint",
    "stage",
    "title",
    "intro",
    "thank_you",
    "languages",
    "default_language",
    "is_active",
    "starts_at",
    "ends_at",
    "min_sample",
    "is_anonymous",
    "invitation_only",
    "is_post_ticket",
    "post_ticket_delay_minutes",
    "follow_up_enabled",
    "follow_up_nps_max",
    "follow_up_csat_bottom",
}


def available_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _clean_text(value: Any, *, field: str, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: LANGUAGE_TEXTS_INVALID})
    if "\x00" in value:
        raise ValidationError({field: TEXT_NUL})
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise ValidationError({field: TEXT_TOO_LONG})
    return value


def localized(
    value: Any, *, field: str, languages: list[str], default: str, required: bool = False
) -> dict[str, str]:
    """A per-language text as {lang: text}; a plain string is the default language's text."""
    if value is None or value == "":
        value = {}
    if isinstance(value, str):
        value = {default: value}
    if not isinstance(value, dict):
        raise ValidationError({field: LANGUAGE_TEXTS_INVALID})
    result: dict[str, str] = {}
    for lang, text in value.items():
        if lang not in languages:
            raise ValidationError({field: LANGUAGE_TEXTS_INVALID})
        text = _clean_text(text, field=field)
        if text:
            result[lang] = text
    if required and not result.get(default):
        raise ValidationError({field: _("A text in the default language is required.")})
    return result


def _clean_languages(languages: Any, default_language: str) -> list[str]:
    allowed = available_languages()
    if not languages:
        languages = [default_language]
    if not isinstance(languages, list | tuple) or not all(isinstance(x, str) for x in languages):
        raise ValidationError({"languages": LANGUAGE_TEXTS_INVALID})
    for code in languages:
        if code not in allowed:
            raise ValidationError(
                {
                    "languages": SURVEY_UNKNOWN_LANGUAGE.format(
                        value=code, allowed=", ".join(allowed)
                    )
                }
            )
    if default_language not in languages:
        raise ValidationError({"default_language": SURVEY_DEFAULT_NOT_LISTED})
    # Keep the given order, without duplicates.
    return list(dict.fromkeys(languages))


def _clean_choices(raw: Any, n: int, languages: list[str], default: str) -> list[dict]:
    if not isinstance(raw, list) or len(raw) < 2 or len(raw) > MAX_CHOICES:
        raise ValidationError({"questions": QUESTION_CHOICES_NEEDED.format(n=n)})
    seen: set[str] = set()
    choices = []
    for item in raw:
        if isinstance(item, str):
            item = {"value": item, "label": item}
        if not isinstance(item, dict) or set(item) - {"value", "label"}:
            raise ValidationError({"questions": QUESTION_CHOICE_INVALID.format(n=n)})
        value = item.get("value")
        if not isinstance(value, str) or not value.strip() or len(value) > 100:
            raise ValidationError({"questions": QUESTION_CHOICE_INVALID.format(n=n)})
        value = _clean_text(value, field="questions")
        if value in seen:
            raise ValidationError({"questions": QUESTION_CHOICE_INVALID.format(n=n)})
        seen.add(value)
        label = localized(
            item.get("label") or value, field="questions", languages=languages, default=default
        )
        label.setdefault(default, value)
        choices.append({"value": value, "label": label})
    return choices


def clean_questions(raw: Any, *, languages: list[str], default: str) -> list[dict]:
    """Validate question definitions (PRODUCT.md types); returns normalised dicts in order."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError({"questions": SURVEY_NEEDS_QUESTIONS})
    if len(raw) > MAX_QUESTIONS:
        raise ValidationError({"questions": SURVEY_TOO_MANY_QUESTIONS})
    keys: set[str] = set()
    cleaned = []
    for index, item in enumerate(raw):
        n = index + 1
        if not isinstance(item, dict):
            raise ValidationError({"questions": QUESTION_TYPE_INVALID.format(n=n, value="?")})
        for name in item:
            if name not in QUESTION_FIELDS:
                raise ValidationError({"questions": QUESTION_BAD_FIELD.format(n=n, value=name)})
        key = item.get("key")
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise ValidationError({"questions": QUESTION_KEY_INVALID.format(n=n)})
        if key in keys:
            raise ValidationError({"questions": QUESTION_KEY_DUPLICATE.format(n=n, key=key)})
        keys.add(key)
        qtype = item.get("type")
        if qtype not in Question.Type.values:
            raise ValidationError({"questions": QUESTION_TYPE_INVALID.format(n=n, value=qtype)})
        try:
            text = localized(
                item.get("text"), field="questions", languages=languages, default=default
            )
        except ValidationError:
            raise ValidationError({"questions": QUESTION_TEXT_MISSING.format(n=n)}) from None
        if not text.get(default):
            raise ValidationError({"questions": QUESTION_TEXT_MISSING.format(n=n)})
        scale = item.get("scale")
        if qtype in SCALED_TYPES:
            scale = 5 if scale is None else scale
            if isinstance(scale, bool) or scale not in (5, 7):
                raise ValidationError({"questions": QUESTION_SCALE_INVALID.format(n=n)})
        elif scale is not None:
            raise ValidationError({"questions": QUESTION_SCALE_NOT_ALLOWED.format(n=n)})
        choices: list[dict] = []
        if qtype in CHOICE_TYPES:
            choices = _clean_choices(item.get("choices"), n, languages, default)
        elif item.get("choices"):
            raise ValidationError({"questions": QUESTION_CHOICES_NOT_ALLOWED.format(n=n)})
        required = item.get("required", False)
        if not isinstance(required, bool):
            raise ValidationError(
                {"questions": _("Question %(n)s: required is true or false.") % {"n": n}}
            )
        cleaned.append(
            {
                "key": key,
                "type": qtype,
                "text": text,
                "scale": scale,
                "choices": choices,
                "required": required,
                "low_label": localized(
                    item.get("low_label"), field="questions", languages=languages, default=default
                ),
                "high_label": localized(
                    item.get("high_label"), field="questions", languages=languages, default=default
                ),
                "order": index,
            }
        )
    return cleaned


def _check_window(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at and ends_at and starts_at >= ends_at:
        raise ValidationError({"ends_at": SURVEY_WINDOW_ORDER})


def _apply_fields(survey: Survey, fields: dict[str, Any]) -> None:
    unknown = set(fields) - SURVEY_FIELDS
    if unknown:
        raise ValidationError({name: _("This field is not accepted here.") for name in unknown})
    for name, value in fields.items():
        setattr(survey, name, value)
    if survey.slug in RESERVED_SLUGS:
        raise ValidationError({"slug": _("This address is reserved; choose another slug.")})
    if "\x00" in (survey.name or "") or "\x00" in (survey.slug or ""):
        raise ValidationError({"name": TEXT_NUL})
    survey.languages = _clean_languages(survey.languages, survey.default_language)
    for name in ("title", "intro", "thank_you"):
        setattr(
            survey,
            name,
            localized(
                getattr(survey, name),
                field=name,
                languages=survey.languages,
                default=survey.default_language,
            ),
        )
    if survey.follow_up_nps_max > 10:
        raise ValidationError({"follow_up_nps_max": _("Use a score from 0 to 10.")})
    if not 1 <= survey.follow_up_csat_bottom <= 3:
        raise ValidationError({"follow_up_csat_bottom": _("Use 1, 2 or 3 points.")})
    if survey.post_ticket_delay_minutes > 60 * 24 * 30:
        raise ValidationError({"post_ticket_delay_minutes": _("At most 30 days.")})
    _check_window(survey.starts_at, survey.ends_at)
    survey.full_clean(exclude=["created_by"])


def _save_questions(survey: Survey, cleaned: list[dict]) -> None:
    existing = {question.key: question for question in survey.questions.all()}
    answered = set(
        survey.questions.filter(answers__isnull=False).values_list("key", flat=True).distinct()
    )
    wanted = {item["key"] for item in cleaned}
    for key, question in existing.items():
        if key not in wanted:
            if key in answered:
                raise ValidationError({"questions": QUESTION_ANSWERED_REMOVED.format(key=key)})
            question.delete()
    for item in cleaned:
        question = existing.get(item["key"])
        if question is None:
            question = Question(survey=survey, key=item["key"])
        elif question.key in answered and (
            question.type != item["type"] or question.scale != item["scale"]
        ):
            raise ValidationError({"questions": QUESTION_ANSWERED_RETYPED.format(key=question.key)})
        for name, value in item.items():
            setattr(question, name, value)
        question.full_clean(exclude=["survey"])
        question.save()


@transaction.atomic
def survey_create(
    *,
    slug: str,
    name: str,
    touchpoint: Touchpoint,
    questions: list[dict],
    created_by=None,
    stage: Stage | None = None,
    **fields: Any,
) -> Survey:
    """Create a survey and its questions, all validated, in one transaction."""
    survey = Survey(slug=slug, name=name, touchpoint=touchpoint, stage=stage, created_by=created_by)
    _apply_fields(survey, fields)
    cleaned = clean_questions(
        questions, languages=survey.languages, default=survey.default_language
    )
    survey.save()
    _save_questions(survey, cleaned)
    return survey


@transaction.atomic
def survey_update(*, survey: Survey, questions: list[dict] | None = None, **fields: Any) -> Survey:
    """Change a survey; `questions`, when given, replaces the list (matched by key)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _apply_fields(survey, fields)
    if questions is not None:
        cleaned = clean_questions(
            questions, languages=survey.languages, default=survey.default_language
        )
    else:
        # Languages may have changed: existing texts must still fit them.
        current = [question_as_dict(q) for q in survey.questions.all()]
        cleaned = (
            clean_questions(current, languages=survey.languages, default=survey.default_language)
            if current
            else []
        )
    survey.save()
    if questions is not None or cleaned:
        _save_questions(survey, cleaned)
    return survey


@transaction.atomic
def survey_set_active(*, survey: Survey, active: bool) -> Survey:
    survey.is_active = active
    survey.save(update_fields=["is_active", "updated_at"])
    return survey


def question_as_dict(question: Question) -> dict:
    data: dict[str, Any] = {
        "key": question.key,
        "type": question.type,
        "text": question.text,
        "required": question.required,
    }
    if question.scale is not None:
        data["scale"] = question.scale
    if question.choices:
        data["choices"] = question.choices
    if question.low_label:
        data["low_label"] = question.low_label
    if question.high_label:
        data["high_label"] = question.high_label
    return data
