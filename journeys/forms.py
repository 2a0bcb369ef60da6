"""Forms of the journey editor. Django's CharField already refuses NUL bytes; choices and
querysets make every select an allowlist."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from journeys.models import Department, Journey, Opportunity, Persona, Stage, Touchpoint
from journeys.services.documents import KPI_KEYS, KPI_LABELS

MAX_IMPORT_BYTES = 1_000_000


def _editors():
    """People who may own a journey or an opportunity: those who may edit journeys."""
    users = get_user_model().objects.filter(is_active=True)
    return (
        users.filter(
            Q(is_superuser=True)
            | Q(groups__permissions__codename="change_journey")
            | Q(user_permissions__codename="change_journey")
        )
        .distinct()
        .order_by("username")
    )


class JourneyForm(forms.ModelForm):
    class Meta:
        model = Journey
        fields = [
            "name",
            "slug",
            "persona",
            "state",
            "conversion_window_days",
            "owner",
            "review_due",
            "description",
        ]
        widgets = {"review_due": forms.DateInput(attrs={"type": "date"})}
        labels = {
            "name": _("Name"),
            "slug": _("Slug"),
            "persona": _("Persona"),
            "state": _("State"),
            "conversion_window_days": _("Conversion window (days)"),
            "owner": _("Owner"),
            "review_due": _("Review due"),
            "description": _("Description"),
        }
        help_texts = {
            "conversion_window_days": _("Days a customer has to reach the next stage."),
            "review_due": _("Customer behaviour changes; maps need regular review."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _editors()
        self.fields["persona"].queryset = Persona.objects.order_by("name")
        if self.instance.pk:
            # The slug is the API's and the events' name for the journey: fixed once created.
            del self.fields["slug"]


class DuplicateForm(forms.Form):
    name = forms.CharField(max_length=150, label=_("Name of the future-state version"))
    slug = forms.SlugField(max_length=60, label=_("Slug"))

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Journey.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("A journey with this slug already exists."))
        return slug


class StageAddForm(forms.Form):
    name = forms.CharField(max_length=120, label=_("Stage name"))
    slug = forms.SlugField(max_length=60, label=_("Stage slug"))


class StageLanesForm(forms.ModelForm):
    emotion_score = forms.TypedChoiceField(
        choices=[("", "—"), (2, "+2"), (1, "+1"), (0, "0"), (-1, "-1"), (-2, "-2")],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Emotion (-2 to +2)"),
    )

    class Meta:
        model = Stage
        fields = [
            "name",
            "goals",
            "actions",
            "thoughts",
            "emotion_score",
            "pain_points",
            "opportunities",
            "owner_department",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("goals", "actions", "thoughts", "pain_points", "opportunities")
        }
        labels = {
            "name": _("Stage name"),
            "goals": _("Customer goals"),
            "actions": _("Customer actions"),
            "thoughts": _("Thoughts and feelings"),
            "pain_points": _("Pain points"),
            "opportunities": _("Opportunities"),
            "owner_department": _("Owning department"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_department"].queryset = Department.objects.order_by("name")


class TouchpointAddForm(forms.Form):
    touchpoint = forms.ModelChoiceField(
        queryset=Touchpoint.objects.none(), label=_("Touchpoint from the catalogue")
    )

    def __init__(self, *args, stage: Stage, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["touchpoint"].queryset = (
            Touchpoint.objects.filter(is_active=True)
            .exclude(pk__in=stage.stage_touchpoints.values("touchpoint_id"))
            .select_related("channel")
            .order_by("name")
        )
        self.fields["touchpoint"].label_from_instance = lambda tp: f"{tp.name} ({tp.channel})"


class OpportunityForm(forms.ModelForm):
    kpi_key = forms.ChoiceField(
        choices=[("", "—")] + [(key, KPI_LABELS.get(key, key)) for key in KPI_KEYS],
        required=False,
        label=_("KPI it should move"),
    )

    class Meta:
        model = Opportunity
        fields = [
            "title",
            "how_might_we",
            "stages",
            "touchpoints",
            "owner",
            "status",
            "kpi_key",
            "target_change",
        ]
        widgets = {
            "how_might_we": forms.Textarea(attrs={"rows": 3}),
            "stages": forms.CheckboxSelectMultiple,
            "touchpoints": forms.SelectMultiple(attrs={"size": 8}),
        }
        labels = {
            "title": _("Title"),
            "stages": _("Stages"),
            "touchpoints": _("Touchpoints"),
            "owner": _("Owner"),
            "status": _("Status"),
            "how_might_we": _("How might we …?"),
            "target_change": _("Target change of the KPI"),
        }

    def __init__(self, *args, journey: Journey, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stages"].queryset = journey.stages.order_by("order", "id")
        self.fields["touchpoints"].queryset = (
            Touchpoint.objects.filter(stages__journey=journey).distinct().order_by("name")
        )
        self.fields["owner"].queryset = _editors()


class RestoreForm(forms.Form):
    number = forms.IntegerField(min_value=1)


class ImportForm(forms.Form):
    slug = forms.SlugField(
        max_length=60, required=False, help_text=_("Leave empty to use the slug in the file.")
    )
    document = forms.FileField(label=_("Journey JSON file"))

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        try:
            data = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            # RecursionError: json gives up on deep nesting ([[[[...) - bad input, not a 500.
            raise forms.ValidationError(_("The file is not valid JSON.")) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("The file must hold one journey object."))
        return data


class PeriodForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end is before the start."))
            if (end - start).days > 3 * 366:
                raise forms.ValidationError(_("Choose at most three years."))
        return data
