"""Journey pages: list, map, editor, history, import/export. Agents may look, only people with
journeys.change_journey may edit; every journey lookup goes through the scoped selector."""

from __future__ import annotations

import json
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journeys import overlay
from journeys.charts import EmotionPoint, emotion_figure, figure_data, funnel_figure
from journeys.forms import (
    ImportForm,
    PeriodForm,
)
from journeys.models import Journey, Persona
from journeys.selectors.funnels import journey_funnel, journey_gaps, marketing_engagement
from journeys.selectors.maps import journey_list as select_journeys
from journeys.selectors.maps import journey_map as select_map
from journeys.selectors.maps import journey_overview, published_baseline, revision_list
from journeys.services import maps as services

editor_required = permission_required("journeys.change_journey", raise_exception=True)
viewer_required = permission_required("journeys.view_journey", raise_exception=True)
DEFAULT_PERIOD_DAYS = 90
LANES = [
    ("goals", gettext_lazy("Customer goals")),
    ("actions", gettext_lazy("Customer actions")),
    ("thoughts", gettext_lazy("Thoughts and feelings")),
    ("pain_points", gettext_lazy("Pain points")),
    ("opportunities", gettext_lazy("Opportunities")),
]


def _journey(request, slug: str) -> Journey:
    return get_object_or_404(select_journeys(user=request.user), slug=slug)


def _form_error(form, error: ValidationError) -> None:
    """Put a service error on the form field it names, or on the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for message in errors:
                if field in form.fields:
                    form.add_error(field, message)
                else:
                    # Import errors name a place in the document, e.g. "stages[2].touchpoints".
                    text = " ".join(message.messages)
                    form.add_error(None, text if field == "__all__" else f"{field}: {text}")
    else:
        for message in error.messages:
            form.add_error(None, message)


def _flash(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@viewer_required
def journey_list(request):
    search = request.GET.get("q", "").strip()[:100]
    persona = request.GET.get("persona", "")
    personas = list(Persona.objects.order_by("name"))
    if persona not in {p.slug for p in personas}:
        persona = ""
    journeys = journey_overview(user=request.user, search=search, persona=persona)
    page = Paginator(journeys, 25).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "journeys/journey_list.html",
        {
            "page": page,
            "q": search,
            "persona": persona,
            "personas": personas,
            "overdue_ids": {j.pk for j in page if j.review_overdue(today)},
        },
    )


def _period(request) -> tuple[PeriodForm, object, object]:
    form = PeriodForm(request.GET or None)
    end = timezone.localdate()
    start = end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if form.is_bound and form.is_valid():
        end = form.cleaned_data.get("end") or end
        start = form.cleaned_data.get("start") or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if start > end:
            start = end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    return form, start, end


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


@login_required
@viewer_required
def journey_map(request, slug: str):
    try:
        journey = select_map(user=request.user, slug=slug)
    except Journey.DoesNotExist:
        raise Http404 from None
    period_form, start, end = _period(request)
    stages = list(journey.stages.all())
    opportunities = list(journey.opportunity_set.all())
    touchpoint_ids = sorted(
        {link.touchpoint_id for stage in stages for link in stage.stage_touchpoints.all()}
        | {tp.pk for opp in opportunities for tp in opp.touchpoints.all()}
    )
    kpis = overlay.touchpoint_overlay(touchpoint_ids, start, end)
    measured = overlay.stage_emotion([s.pk for s in stages], start, end)
    baseline_revision = published_baseline(journey=journey)
    baseline = (baseline_revision.baseline or {}).get("values", {}) if baseline_revision else {}
    funnel = {row.stage_id: row for row in journey_funnel(journey=journey, start=start, end=end)}

    points = [EmotionPoint(s.name, s.emotion_score, measured.get(s.pk)) for s in stages]
    columns = []
    for stage, point in zip(stages, points, strict=True):
        cards = []
        for link in stage.stage_touchpoints.all():
            frozen = baseline.get(link.touchpoint.slug, {})
            metrics = []
            for metric in kpis.get(link.touchpoint_id, []):
                before = frozen.get(metric.key)
                change = (
                    metric.value - before
                    if metric.value is not None and before is not None
                    else None
                )
                metrics.append({"metric": metric, "change": change})
            cards.append({"touchpoint": link.touchpoint, "metrics": metrics})
        columns.append(
            {"stage": stage, "cards": cards, "point": point, "funnel": funnel.get(stage.pk)}
        )

    opportunity_rows = []
    for opp in opportunities:
        current = _mean(
            [
                m.value
                for tp in opp.touchpoints.all()
                for m in kpis.get(tp.pk, [])
                if m.key == opp.kpi_key and m.value is not None
            ]
        )
        change = (
            current - opp.baseline_value
            if current is not None and opp.baseline_value is not None
            else None
        )
        opportunity_rows.append({"opportunity": opp, "current": current, "change": change})

    funnel_rows = [funnel[s.pk] for s in stages if s.pk in funnel]
    return render(
        request,
        "journeys/journey_map.html",
        {
            "journey": journey,
            "columns": columns,
            "lanes": LANES,
            "period_form": period_form,
            "start": start,
            "end": end,
            "has_overlay": bool(kpis) or overlay.has_providers(),
            "has_measured": any(p.measured is not None for p in points),
            "disagreements": [p for p in points if p.disagrees],
            "emotion_figure": figure_data(emotion_figure(points)),
            "funnel_figure": figure_data(funnel_figure([(r.name, r.reached) for r in funnel_rows])),
            "funnel_rows": funnel_rows,
            "gaps": journey_gaps(journey=journey, start=start, end=end, limit=10),
            "engagement": marketing_engagement(journey=journey, start=start, end=end),
            "opportunities": opportunity_rows,
            "baseline_revision": baseline_revision,
            "overdue": journey.review_overdue(),
            "can_edit": request.user.has_perm("journeys.change_journey"),
        },
    )


@login_required
@viewer_required
def journey_history(request, slug: str):
    journey = _journey(request, slug)
    page = Paginator(revision_list(journey=journey), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "journeys/journey_history.html",
        {
            "journey": journey,
            "page": page,
            "can_edit": request.user.has_perm("journeys.change_journey"),
        },
    )


@login_required
@viewer_required
def journey_export(request, slug: str):
    journey = _journey(request, slug)
    body = json.dumps(services.journey_export(journey), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="journey-{journey.slug}.json"'
    return response


@login_required
@editor_required
def journey_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                journey = services.journey_import(
                    data=form.cleaned_data["document"],
                    actor=request.user,
                    slug=form.cleaned_data["slug"] or None,
                )
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("Journey imported."))
                return redirect("journeys:journey_map", journey.slug)
        status = 400
    return render(request, "journeys/journey_import.html", {"form": form}, status=status)
