"""The survey editor's forms: settings, questions with per-language texts, and invitations.
The respondent's side is in surveys.respondent."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journeys.models import Channel, Persona, Stage, Touchpoint
from surveys.models import Question, Survey
from surveys.services.surveys import available_languages

NO_NUL = [ProhibitNullCharactersValidator()]


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
