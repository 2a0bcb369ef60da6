"""The journey editor: settings, stages, lanes, touchpoints, opportunities, future-state copies
and revision restore/publish. Every page needs journeys.change_journey; the changes themselves are
made by journeys.services.maps, which records a revision for each."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from journeys.forms import (
    DuplicateForm,
    JourneyForm,
    OpportunityForm,
    RestoreForm,
    StageAddForm,
    StageLanesForm,
    TouchpointAddForm,
)
from journeys.models import StageTouchpoint
from journeys.selectors.maps import stage_list
from journeys.services import maps as services
from journeys.views.maps import _flash, _form_error, _journey, editor_required


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
    stages = stage_list(journey=journey)
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
