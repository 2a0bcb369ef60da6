"""Journey pages: list, map, editor, history, import/export. Agents may look, only people with
journeys.change_journey may edit; every journey lookup goes through the scoped selector."""

from __future__ import annotations

import json
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from journeys import overlay
from journeys.charts import EmotionPoint, emotion_figure, figure_data, funnel_figure
from journeys.forms import (
    DuplicateForm,
    ImportForm,
    JourneyForm,
    OpportunityForm,
    PeriodForm,
    RestoreForm,
    StageAddForm,
    StageLanesForm,
    TouchpointAddForm,
)
from journeys.models import Journey, Persona, StageTouchpoint
from journeys.selectors.funnels import journey_funnel, journey_gaps, marketing_engagement
from journeys.selectors.maps import journey_list as select_journeys
from journeys.selectors.maps import journey_map as select_map
from journeys.selectors.maps import published_baseline, revision_list
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
    journeys = select_journeys(user=request.user, search=search, persona=persona).annotate(
        open_opportunities=Count(
            "opportunity_set", filter=~Q(opportunity_set__status="solved"), distinct=True
        )
    )
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


@login_required
@editor_required
def journey_create(request):
    form = JourneyForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            journey = services.journey_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Journey created. Add its stages next."))
            return redirect("journeys:journey_edit", journey.slug)
    return render(request, "journeys/journey_form.html", {"form": form})


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
@editor_required
def journey_edit(request, slug: str):
    journey = _journey(request, slug)
    form = JourneyForm(request.POST or None, instance=journey)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.fields}
        journey.refresh_from_db()  # the form wrote onto the instance; let the service do it
        try:
            services.journey_update(journey=journey, actor=request.user, **changes)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Journey saved."))
            return redirect("journeys:journey_edit", journey.slug)
    stages = journey.stages.annotate(touchpoint_count=Count("stage_touchpoints")).order_by(
        "order", "id"
    )
    return render(
        request,
        "journeys/journey_edit.html",
        {
            "journey": journey,
            "form": form,
            "stages": stages,
            "stage_form": StageAddForm(),
            "opportunities": journey.opportunity_set.select_related("owner"),
        },
    )


@login_required
@editor_required
def stage_add(request, slug: str):
    journey = _journey(request, slug)
    form = StageAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            stage = services.stage_add(journey=journey, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Stage added. Fill its lanes and touchpoints."))
            return redirect("journeys:stage_edit", journey.slug, stage.slug)
    return render(request, "journeys/stage_add.html", {"journey": journey, "form": form})


@login_required
@editor_required
@require_POST
def stage_move(request, slug: str, stage: str):
    journey = _journey(request, slug)
    stage_obj = get_object_or_404(journey.stages, slug=stage)
    try:
        services.stage_move(
            stage=stage_obj, direction=request.POST.get("direction", ""), actor=request.user
        )
    except ValidationError as error:
        _flash(request, error)
    return redirect("journeys:journey_edit", journey.slug)


@login_required
@editor_required
@require_POST
def stage_remove(request, slug: str, stage: str):
    journey = _journey(request, slug)
    stage_obj = get_object_or_404(journey.stages, slug=stage)
    try:
        services.stage_remove(stage=stage_obj, actor=request.user)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Stage removed."))
    return redirect("journeys:journey_edit", journey.slug)


@login_required
@editor_required
def stage_edit(request, slug: str, stage: str):
    journey = _journey(request, slug)
    stage_obj = get_object_or_404(journey.stages, slug=stage)
    form = StageLanesForm(request.POST or None, instance=stage_obj)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.fields}
        stage_obj.refresh_from_db()
        try:
            services.stage_update(stage=stage_obj, actor=request.user, **changes)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Lanes saved."))
            return redirect("journeys:stage_edit", journey.slug, stage_obj.slug)
    links = stage_obj.stage_touchpoints.select_related("touchpoint__channel").order_by(
        "order", "id"
    )
    return render(
        request,
        "journeys/stage_edit.html",
        {
            "journey": journey,
            "stage": stage_obj,
            "form": form,
            "links": links,
            "touchpoint_form": TouchpointAddForm(stage=stage_obj),
        },
    )


@login_required
@editor_required
@require_POST
def stage_touchpoint_add(request, slug: str, stage: str):
    journey = _journey(request, slug)
    stage_obj = get_object_or_404(journey.stages, slug=stage)
    form = TouchpointAddForm(request.POST, stage=stage_obj)
    if form.is_valid():
        try:
            services.stage_touchpoint_add(
                stage=stage_obj, touchpoint=form.cleaned_data["touchpoint"], actor=request.user
            )
        except ValidationError as error:
            _flash(request, error)
    else:
        messages.error(request, _("Choose a touchpoint from the catalogue."))
    return redirect("journeys:stage_edit", journey.slug, stage_obj.slug)


def _link(request, slug: str, stage: str, link: int) -> StageTouchpoint:
    journey = _journey(request, slug)
    return get_object_or_404(
        StageTouchpoint.objects.select_related("stage__journey", "touchpoint"),
        pk=link,
        stage__slug=stage,
        stage__journey=journey,
    )


@login_required
@editor_required
@require_POST
def stage_touchpoint_move(request, slug: str, stage: str, link: int):
    link_obj = _link(request, slug, stage, link)
    try:
        services.stage_touchpoint_move(
            link=link_obj, direction=request.POST.get("direction", ""), actor=request.user
        )
    except ValidationError as error:
        _flash(request, error)
    return redirect("journeys:stage_edit", slug, stage)


@login_required
@editor_required
@require_POST
def stage_touchpoint_remove(request, slug: str, stage: str, link: int):
    link_obj = _link(request, slug, stage, link)
    services.stage_touchpoint_remove(link=link_obj, actor=request.user)
    messages.success(request, _("Touchpoint removed from the stage."))
    return redirect("journeys:stage_edit", slug, stage)


@login_required
@editor_required
def opportunity_edit(request, slug: str, pk: int | None = None):
    journey = _journey(request, slug)
    opportunity = get_object_or_404(journey.opportunity_set, pk=pk) if pk else None
    form = OpportunityForm(request.POST or None, instance=opportunity, journey=journey)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if opportunity is not None:
            opportunity.refresh_from_db()
        try:
            services.opportunity_save(
                journey=journey,
                actor=request.user,
                opportunity=opportunity,
                title=data["title"],
                how_might_we=data["how_might_we"],
                stages=list(data["stages"]),
                touchpoints=list(data["touchpoints"]),
                owner=data["owner"],
                status=data["status"],
                kpi_key=data["kpi_key"],
                target_change=data["target_change"],
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Opportunity saved."))
            return redirect("journeys:journey_edit", journey.slug)
    return render(
        request,
        "journeys/opportunity_form.html",
        {"journey": journey, "form": form, "opportunity": opportunity},
    )


@login_required
@editor_required
@require_POST
def opportunity_delete(request, slug: str, pk: int):
    journey = _journey(request, slug)
    opportunity = get_object_or_404(journey.opportunity_set, pk=pk)
    services.opportunity_delete(opportunity=opportunity, actor=request.user)
    messages.success(request, _("Opportunity removed."))
    return redirect("journeys:journey_edit", journey.slug)


@login_required
@editor_required
def journey_duplicate(request, slug: str):
    journey = _journey(request, slug)
    form = DuplicateForm(
        request.POST or None,
        initial={
            "name": _("%(name)s (future state)") % {"name": journey.name},
            "slug": f"{journey.slug}-future"[:60],
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.journey_duplicate(
                journey=journey, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Future-state version created."))
            return redirect("journeys:journey_edit", copy.slug)
    return render(request, "journeys/journey_duplicate.html", {"journey": journey, "form": form})


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


def _revision(request, slug: str):
    journey = _journey(request, slug)
    form = RestoreForm(request.POST)
    if not form.is_valid():
        raise Http404
    return journey, get_object_or_404(journey.revisions, number=form.cleaned_data["number"])


@login_required
@editor_required
@require_POST
def revision_restore(request, slug: str):
    journey, revision = _revision(request, slug)
    try:
        services.revision_restore(revision=revision, actor=request.user)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Revision %(number)s restored.") % {"number": revision.number})
    return redirect("journeys:journey_history", journey.slug)


@login_required
@editor_required
@require_POST
def revision_publish(request, slug: str):
    journey, revision = _revision(request, slug)
    services.revision_publish(revision=revision, actor=request.user)
    messages.success(
        request,
        _("Revision %(number)s published; its KPI baseline is frozen.")
        % {"number": revision.number},
    )
    return redirect("journeys:journey_history", journey.slug)


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
