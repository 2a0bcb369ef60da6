"""The survey admin's pages (and the managers' read-only response pages). A survey admin never
needs the Django admin: build, preview, activate, share, invite and read responses here."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from journeys.selectors import touchpoint_list
from surveys import selectors, services
from surveys.forms import InviteForm, QuestionForm, QuestionFormSet, SurveyForm
from surveys.models import Invitation, Survey
from surveys.selectors import SCORE_GROUPS, ResponseFilters
from surveys.services.invitation_lists import CSV_MAX_BYTES
from surveys.views.public import _render_form, choose_language


def _survey(request: HttpRequest, slug: str) -> Survey:
    return get_object_or_404(selectors.survey_list(user=request.user), slug=slug)


@login_required
@permission_required("surveys.view_survey", raise_exception=True)
def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = selectors.survey_list(user=request.user).order_by("name")
    page = Paginator(surveys, 25).get_page(request.GET.get("page"))
    return render(request, "surveys/survey_list.html", {"page": page})


def _public_url(survey: Survey) -> str:
    return settings.CX_BASE_URL.rstrip("/") + reverse("surveys:public", args=[survey.slug])


@login_required
@permission_required("surveys.view_survey", raise_exception=True)
def survey_detail(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(request, slug)
    public_url = _public_url(survey)
    embed = (
        f'<iframe src="{escape(public_url)}" title="{escape(survey.name)}" '
        'width="100%" height="720" '
        'style="border:0" loading="lazy"></iframe>'
    )
    return render(
        request,
        "surveys/survey_detail.html",
        {
            "survey": survey,
            "questions": survey.questions.all(),
            "public_url": public_url,
            "embed": embed,
            "stats": selectors.invitation_stats(survey=survey),
            "recent": selectors.response_list(
                user=request.user, filters=ResponseFilters(survey=survey.slug)
            )[:10],
        },
    )


def _editor(request: HttpRequest, survey: Survey | None) -> HttpResponse:
    if request.method == "POST":
        form = SurveyForm(request.POST, instance=survey or Survey())
        formset = QuestionFormSet(request.POST, prefix="questions")
        if form.is_valid() and formset.is_valid():
            languages = form.cleaned_data["languages"]
            default = form.cleaned_data["default_language"]
            questions = formset.ordered_questions(languages, default)
            fields = form.service_fields()
            try:
                if survey is None:
                    survey = services.survey_create(
                        questions=questions, created_by=request.user, **fields
                    )
                    messages.success(request, _("Survey created."))
                else:
                    survey = services.survey_update(survey=survey, questions=questions, **fields)
                    messages.success(request, _("Survey saved."))
                return redirect("surveys:survey_detail", slug=survey.slug)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        target = field if field in form.fields else None
                        for message in errors:
                            form.add_error(target, message)
                else:
                    form.add_error(None, error)
    else:
        form = SurveyForm(instance=survey)
        initial = [QuestionForm.initial_for(q) for q in survey.questions.all()] if survey else []
        if survey is None:
            form.initial.update({"languages": ["en"], "default_language": "en"})
            initial = [
                {"key": "nps", "type": "nps", "required": True, "order": 0},
                {"key": "comment", "type": "text", "order": 1},
            ]
        else:
            form.initial["languages"] = survey.languages
        formset = QuestionFormSet(initial=initial, prefix="questions")
    return render(
        request,
        "surveys/survey_form.html",
        {"form": form, "formset": formset, "survey": survey},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@permission_required("surveys.add_survey", raise_exception=True)
def survey_create(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@login_required
@permission_required("surveys.change_survey", raise_exception=True)
def survey_edit(request: HttpRequest, slug: str) -> HttpResponse:
    return _editor(request, _survey(request, slug))


@login_required
@permission_required("surveys.change_survey", raise_exception=True)
@require_POST
def survey_toggle(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(request, slug)
    services.survey_set_active(survey=survey, active=request.POST.get("active") == "1")
    messages.success(
        request, _("Survey activated.") if survey.is_active else _("Survey deactivated.")
    )
    return redirect("surveys:survey_detail", slug=survey.slug)


@login_required
@permission_required("surveys.view_survey", raise_exception=True)
def survey_preview(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(request, slug)
    language = choose_language(
        survey=survey, invitation=None, accept_language="", requested=request.GET.get("lang", "")
    )
    from django.utils import translation

    with translation.override(language):
        return _render_form(request, survey, language=language, invitation=None, preview=True)


@login_required
@permission_required("surveys.add_invitation", raise_exception=True)
def survey_invite(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(request, slug)
    form = InviteForm(request.POST or None, request.FILES or None, survey=survey)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                rows = None
                if data.get("file"):
                    # One byte past the limit is enough to refuse it: an upload is not held in
                    # memory whole, whatever its size.
                    upload = data["file"].read(CSV_MAX_BYTES + 1)
                    rows = services.invitation_csv_parse(data=upload)
                result = services.invitations_send_to_list(
                    survey=survey,
                    rows=rows,
                    persona=data.get("persona"),
                    channel=data.get("channel"),
                    language=data.get("language") or "",
                    send_after=data.get("send_after"),
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _(
                        "%(created)s invitations queued, "
                        "%(suppressed)s suppressed by the contact-frequency rule."
                    )
                    % {"created": result.created, "suppressed": result.suppressed},
                )
                return redirect("surveys:survey_detail", slug=survey.slug)
    invitations = Paginator(selectors.invitation_list(survey=survey), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "surveys/survey_invite.html",
        {"survey": survey, "form": form, "page": invitations, "statuses": Invitation.Status},
        status=status,
    )


def _filters(request: HttpRequest) -> tuple[ResponseFilters, dict]:
    """Response filters from the query string; unknown values are dropped, never passed on."""
    get = request.GET
    languages = services.available_languages()
    values = {
        "survey": get.get("survey", "")[:60],
        "touchpoint": get.get("touchpoint", "")[:60],
        "score_group": get.get("score_group", "") if get.get("score_group") in SCORE_GROUPS else "",
        "language": get.get("language", "") if get.get("language") in languages else "",
        "start": parse_date(get.get("start", "")[:10]) if _is_date(get.get("start")) else None,
        "end": parse_date(get.get("end", "")[:10]) if _is_date(get.get("end")) else None,
    }
    return ResponseFilters(**values), values


def _is_date(value: str | None) -> bool:
    if not value:
        return False
    try:
        return parse_date(value[:10]) is not None
    except ValueError:
        return False


@login_required
@permission_required("surveys.view_response", raise_exception=True)
def response_list(request: HttpRequest) -> HttpResponse:
    filters, values = _filters(request)
    responses = selectors.response_list(user=request.user, filters=filters)
    page = Paginator(responses, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "surveys/response_list.html",
        {
            "page": page,
            "values": values,
            "surveys": selectors.survey_list(user=request.user).order_by("name"),
            "touchpoints": touchpoint_list(),
            "score_groups": sorted(SCORE_GROUPS),
            "languages": services.available_languages(),
        },
    )


@login_required
@permission_required("surveys.view_response", raise_exception=True)
def response_detail(request: HttpRequest, pk: int) -> HttpResponse:
    response = selectors.response_detail(user=request.user, pk=pk)
    if response is None:
        raise Http404
    return render(
        request,
        "surveys/response_detail.html",
        {
            "response": response,
            "answers": [
                (
                    answer.question.text.get(response.survey.default_language)
                    or answer.question.key,
                    answer,
                )
                for answer in response.answers.all()
            ],
            "loop": selectors.closed_loop_status(response),
            "follow_up": getattr(response, "follow_up", None),
        },
    )
