"""Forms: the respondent's answers (from a plain POST) and the survey editor."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journeys.models import Channel, Persona, Stage, Touchpoint
from surveys.models import Question, Survey
from surveys.services.responses import MAX_COMMENT
from surveys.services.surveys import available_languages

NO_NUL = [ProhibitNullCharactersValidator()]


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


class SurveyForm(forms.ModelForm):
    """The survey's own settings; questions come from QuestionFormSet."""

    languages = forms.MultipleChoiceField(
        choices=[], widget=forms.CheckboxSelectMultiple, label=gettext_lazy("Languages")
    )

    class Meta:
        model = Survey
        fields = [
            "name",
            "slug",
            "touchpoint",
            "stage",
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
        ]
        labels = {
            "name": gettext_lazy("Name"),
            "slug": gettext_lazy("Slug"),
            "touchpoint": gettext_lazy("Touchpoint"),
            "stage": gettext_lazy("Journey stage"),
            "is_active": gettext_lazy("Active"),
            "starts_at": gettext_lazy("Starts at"),
            "ends_at": gettext_lazy("Ends at"),
            "min_sample": gettext_lazy("Minimum sample"),
            "is_anonymous": gettext_lazy("Anonymous responses"),
            "invitation_only": gettext_lazy("Invitation only"),
            "is_post_ticket": gettext_lazy("Send after a ticket is resolved"),
            "post_ticket_delay_minutes": gettext_lazy("Delay after resolution (minutes)"),
            "follow_up_enabled": gettext_lazy("Follow up on low scores"),
            "follow_up_nps_max": gettext_lazy("Follow up when NPS is at most"),
            "follow_up_csat_bottom": gettext_lazy("Follow up on the lowest CSAT points"),
        }
        widgets = {
            "starts_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "ends_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from django.conf import settings

        choices = [(code, name) for code, name in settings.LANGUAGES]
        self.fields["languages"].choices = choices
        self.fields["default_language"] = forms.ChoiceField(
            choices=choices, label=gettext_lazy("Default language")
        )
        self.fields["touchpoint"].queryset = Touchpoint.objects.order_by("name")
        self.fields["stage"].queryset = Stage.objects.select_related("journey")
        self.fields["name"].validators += NO_NUL
        for lang in available_languages():
            for part, label in (
                ("title", gettext_lazy("Title shown to respondents")),
                ("intro", gettext_lazy("Introduction")),
                ("thank_you", gettext_lazy("Thank-you text")),
            ):
                initial = (
                    (getattr(self.instance, part, None) or {}).get(lang, "")
                    if self.instance.pk
                    else ""
                )
                widget = forms.Textarea(attrs={"rows": 2}) if part != "title" else forms.TextInput()
                self.fields[f"{part}_{lang}"] = forms.CharField(
                    required=False,
                    max_length=1000,
                    initial=initial,
                    label=f"{label} ({lang})",
                    widget=widget,
                    validators=NO_NUL,
                )

    def texts(self, part: str) -> dict[str, str]:
        return {
            lang: self.cleaned_data.get(f"{part}_{lang}", "")
            for lang in self.cleaned_data.get("languages", [])
            if self.cleaned_data.get(f"{part}_{lang}")
        }

    def lang_groups(self) -> list[dict]:
        return [
            {
                "code": lang,
                "fields": [self[f"{part}_{lang}"] for part in ("title", "intro", "thank_you")],
            }
            for lang in available_languages()
        ]

    def service_fields(self) -> dict[str, Any]:
        data = {
            name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data
        }
        for part in ("title", "intro", "thank_you"):
            data[part] = self.texts(part)
        return data


class QuestionForm(forms.Form):
    key = forms.SlugField(max_length=50, label=gettext_lazy("Key"))
    type = forms.ChoiceField(choices=Question.Type.choices, label=gettext_lazy("Type"))
    required = forms.BooleanField(required=False, label=gettext_lazy("Required"))
    scale = forms.TypedChoiceField(
        choices=[("", "—"), ("5", "1–5"), ("7", "1–7")],
        coerce=int,
        empty_value=None,
        required=False,
        label=gettext_lazy("Scale (CSAT, rating)"),
    )
    order = forms.IntegerField(
        min_value=0, max_value=100, required=False, label=gettext_lazy("Order")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for lang in available_languages():
            self.fields[f"text_{lang}"] = forms.CharField(
                required=False,
                max_length=1000,
                label=_("Question text (%(language)s)") % {"language": lang},
                widget=forms.TextInput(),
                validators=NO_NUL,
            )
            self.fields[f"choices_{lang}"] = forms.CharField(
                required=False,
                max_length=5000,
                label=_("Choices, one per line as value | label (%(language)s)")
                % {"language": lang},
                widget=forms.Textarea(attrs={"rows": 3}),
                validators=NO_NUL,
            )
            self.fields[f"low_{lang}"] = forms.CharField(
                required=False,
                max_length=200,
                label=_("Low end label (%(language)s)") % {"language": lang},
                validators=NO_NUL,
            )
            self.fields[f"high_{lang}"] = forms.CharField(
                required=False,
                max_length=200,
                label=_("High end label (%(language)s)") % {"language": lang},
                validators=NO_NUL,
            )

    def lang_groups(self) -> list[dict]:
        return [
            {
                "code": lang,
                "fields": [self[f"{p}_{lang}"] for p in ("text", "low", "high", "choices")],
            }
            for lang in available_languages()
        ]

    @staticmethod
    def initial_for(question: Question) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": question.key,
            "type": question.type,
            "required": question.required,
            "scale": question.scale,
            "order": question.order,
        }
        for lang in available_languages():
            data[f"text_{lang}"] = question.text.get(lang, "")
            data[f"low_{lang}"] = question.low_label.get(lang, "")
            data[f"high_{lang}"] = question.high_label.get(lang, "")
            lines = [
                f"{choice['value']} | {choice.get('label', {}).get(lang, '')}".rstrip(" |")
                for choice in question.choices
                if lang == "en" or choice.get("label", {}).get(lang)
            ]
            data[f"choices_{lang}"] = "\n".join(lines)
        return data

    def as_question(self, languages: list[str], default: str) -> dict[str, Any]:
        data = self.cleaned_data
        question: dict[str, Any] = {
            "key": data["key"],
            "type": data["type"],
            "required": bool(data.get("required")),
            "text": {
                lang: data.get(f"text_{lang}", "") for lang in languages if data.get(f"text_{lang}")
            },
            "low_label": {
                lang: data[f"low_{lang}"] for lang in languages if data.get(f"low_{lang}")
            },
            "high_label": {
                lang: data[f"high_{lang}"] for lang in languages if data.get(f"high_{lang}")
            },
        }
        if data["type"] in ("csat", "rating"):
            question["scale"] = data.get("scale") or 5
        if data["type"] in ("choice", "multi_choice"):
            choices: dict[str, dict[str, str]] = {}
            for lang in [default] + [x for x in languages if x != default]:
                for line in (data.get(f"choices_{lang}") or "").splitlines():
                    if not line.strip():
                        continue
                    value, _sep, label = line.partition("|")
                    value, label = value.strip(), label.strip() or value.strip()
                    if lang == default:
                        choices.setdefault(value, {})[lang] = label
                    elif value in choices:
                        choices[value][lang] = label
            question["choices"] = [{"value": v, "label": labels} for v, labels in choices.items()]
        return question


class BaseQuestionFormSet(forms.BaseFormSet):
    def ordered_questions(self, languages: list[str], default: str) -> list[dict]:
        rows = []
        for index, form in enumerate(self.forms):
            if not form.has_changed() and not form.initial:
                continue
            if self.can_delete and form.cleaned_data.get("DELETE"):
                continue
            if not form.cleaned_data:
                continue
            order = form.cleaned_data.get("order")
            rows.append((order if order is not None else 1000 + index, index, form))
        rows.sort(key=lambda row: (row[0], row[1]))
        return [form.as_question(languages, default) for _o, _i, form in rows]


QuestionFormSet = forms.formset_factory(
    QuestionForm,
    formset=BaseQuestionFormSet,
    extra=1,
    can_delete=True,
    max_num=50,
    validate_max=True,
)


class InviteForm(forms.Form):
    file = forms.FileField(
        required=False,
        label=gettext_lazy("Customer list (CSV)"),
        help_text=gettext_lazy("A header line with external_id and/or email (optional: name)."),
    )
    persona = forms.ModelChoiceField(
        queryset=Persona.objects.order_by("name"),
        required=False,
        label=gettext_lazy("Or a persona"),
    )
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.all(), required=False, label=gettext_lazy("Channel")
    )
    language = forms.ChoiceField(choices=[], required=False, label=gettext_lazy("Language"))
    send_after = forms.DateTimeField(
        required=False,
        label=gettext_lazy("Send after"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, survey: Survey, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Survey default"))] + [
            (code, code) for code in survey.languages or [survey.default_language]
        ]

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("persona")):
            raise forms.ValidationError(
                _("Upload a customer list or choose a persona (one of them).")
            )
        return data
