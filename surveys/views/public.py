"""The respondent's pages: no login, mobile first, in the respondent's language.

Invitation links (/s/i/<token>/) put the token in the session and redirect to the token-free
survey URL, so the token never reaches a Referer header, an analytics script or a screenshot.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from surveys import selectors, services
from surveys.models import Invitation, Survey
from surveys.respondent import answers_from_post, question_views
from surveys.services import throttle

SESSION_KEY = "survey_invitations"


def _survey_or_404(slug: str) -> Survey:
    survey = selectors.survey_for_public(slug=slug)
    if survey is None:
        raise Http404
    return survey


def choose_language(
    *, survey: Survey, invitation: Invitation | None, accept_language: str, requested: str = ""
) -> str:
    """Respondent language: the one they picked, else the invitation's, else the browser's best
    match the survey offers, else the survey's default."""
    offered = survey.languages or [survey.default_language]
    if requested in offered:
        return requested
    if invitation is not None and invitation.language in offered:
        return invitation.language
    for code, _quality in parse_accept_lang_header(accept_language or ""):
        code = code.lower()
        if code in offered:
            return code
        base = code.split("-")[0]
        if base in offered:
            return base
    return survey.default_language


def _session_token(request: HttpRequest, survey: Survey) -> str:
    return (request.session.get(SESSION_KEY) or {}).get(survey.slug, "")


def _invitation_from_session(request: HttpRequest, survey: Survey) -> Invitation | None:
    token = _session_token(request, survey)
    if not token:
        return None
    try:
        return services.invitation_resolve(
            token=token, client_ip=throttle.client_ip(request), survey=survey
        )
    except services.InvitationNotFound:
        _forget_token(request, survey)
        return None


def _forget_token(request: HttpRequest, survey: Survey) -> None:
    tokens = dict(request.session.get(SESSION_KEY) or {})
    if tokens.pop(survey.slug, None) is not None:
        request.session[SESSION_KEY] = tokens


def _limited(request: HttpRequest, survey: Survey | None, limited: throttle.RateLimited):
    response = render(
        request,
        "surveys/public/message.html",
        {
            "survey": survey,
            "heading": _("Please wait a moment"),
            "message": _("Too many attempts from your connection. Please try again in a minute."),
        },
        status=429,
    )
    response["Retry-After"] = str(limited.retry_after)
    return response


@never_cache
@require_GET
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """Keep the token in the session and send the respondent to the token-free survey URL."""
    try:
        invitation = services.invitation_resolve(token=token, client_ip=throttle.client_ip(request))
    except throttle.RateLimited as limited:
        return _limited(request, None, limited)
    tokens = dict(request.session.get(SESSION_KEY) or {})
    tokens[invitation.survey.slug] = invitation.token
    request.session[SESSION_KEY] = tokens
    services.invitation_mark_opened(invitation=invitation)
    return redirect("surveys:public", slug=invitation.survey.slug)


def _closed_message(survey: Survey) -> str:
    try:
        services.survey_open_check(survey=survey, at=timezone.now())
    except ValidationError as error:
        return " ".join(str(message) for message in error.messages)
    return ""


def _render_form(
    request, survey, *, language, invitation, errors=None, values=None, status=200, preview=False
):
    context = {
        "survey": survey,
        "language": language,
        "languages": [
            (code, _language_name(code)) for code in survey.languages or [survey.default_language]
        ],
        "title": survey.title.get(language)
        or survey.title.get(survey.default_language)
        or survey.name,
        "intro": survey.intro.get(language) or survey.intro.get(survey.default_language, ""),
        "questions": question_views(survey, language, values or {}, errors or {}),
        "errors": errors or {},
        "invitation": invitation,
        "preview": preview,
    }
    return render(request, "surveys/public/survey.html", context, status=status)


def _language_name(code: str) -> str:
    from django.utils.translation import get_language_info

    return get_language_info(code)["name_local"]


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    return CsrfViewMiddleware(lambda _request: HttpResponse()).process_view(request, None, (), {})


@csrf_exempt
@xframe_options_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def survey_public(request: HttpRequest, slug: str) -> HttpResponse:
    """The survey as a respondent sees it; may be framed by the organisation's own pages.

    Browsers send no cookies to a cross-site iframe, so an embedded public survey cannot carry
    a CSRF cookie: an anonymous public answer has nothing a forged request could abuse (the
    throttle covers floods). Once an invitation sits in the session, the CSRF check applies."""
    survey = _survey_or_404(slug)
    if request.method == "POST" and _session_token(request, survey):
        failure = _csrf_failure(request)
        if failure is not None:
            return failure
    try:
        invitation = _invitation_from_session(request, survey)
    except throttle.RateLimited as limited:
        return _limited(request, survey, limited)
    language = choose_language(
        survey=survey,
        invitation=invitation,
        accept_language=request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
        requested=request.GET.get("lang") or request.POST.get("lang", ""),
    )
    with translation.override(language):
        closed = _closed_message(survey)
        if closed:
            return render(
                request,
                "surveys/public/message.html",
                {"survey": survey, "heading": _("This survey is closed"), "message": closed},
            )
        if invitation is not None and selectors.invitation_answered(invitation):
            return _already_answered(request, survey)
        if survey.invitation_only and invitation is None:
            return render(
                request,
                "surveys/public/message.html",
                {
                    "survey": survey,
                    "heading": _("By invitation only"),
                    "message": _("Please open the personal link from your invitation."),
                },
                status=403,
            )
        if request.method == "GET":
            return _render_form(request, survey, language=language, invitation=invitation)
        answers, errors = answers_from_post(survey, request.POST)
        if errors:
            return _render_form(
                request,
                survey,
                language=language,
                invitation=invitation,
                errors=errors,
                values=request.POST,
                status=400,
            )
        try:
            response = services.response_submit(
                survey=survey,
                answers=answers,
                invitation_token=invitation.token if invitation else None,
                language=language,
                user=request.user if request.user.is_authenticated else None,
                client_ip=throttle.client_ip(request),
            )
        except throttle.RateLimited as limited:
            return _limited(request, survey, limited)
        except services.AnswersInvalid as invalid:
            return _render_form(
                request,
                survey,
                language=language,
                invitation=invitation,
                errors=invalid.errors,
                values=request.POST,
                status=400,
            )
        except IntegrityError:
            return _already_answered(request, survey)
        except ValidationError as error:
            return render(
                request,
                "surveys/public/message.html",
                {
                    "survey": survey,
                    "heading": _("We could not save your answers"),
                    "message": " ".join(error.messages),
                },
                status=400,
            )
        request.session[f"survey_done:{survey.slug}"] = response.pk
        # The token stays in the session: opening the survey again says "already answered".
        request.session["survey_language"] = language
        return redirect("surveys:thanks", slug=survey.slug)


def _already_answered(request: HttpRequest, survey: Survey) -> HttpResponse:
    return render(
        request,
        "surveys/public/message.html",
        {
            "survey": survey,
            "heading": _("Already answered"),
            "message": _("This invitation has already been answered. Thank you for your feedback!"),
        },
        status=409,
    )


@xframe_options_exempt
@never_cache
@require_GET
def survey_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey_or_404(slug)
    language = request.session.get("survey_language") or survey.default_language
    if language not in (survey.languages or [survey.default_language]):
        language = survey.default_language
    with translation.override(language):
        text = survey.thank_you.get(language) or _("Thank you! Your feedback helps us improve.")
        return render(
            request,
            "surveys/public/message.html",
            {"survey": survey, "heading": _("Thank you"), "message": text, "done": True},
        )
