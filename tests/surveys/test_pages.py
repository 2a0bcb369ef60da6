"""Pages: escaping, access by role, languages, the respondent page and the survey editor."""

from __future__ import annotations

import pytest

from surveys import services
from surveys.models import Question, Response, Survey
from tests import factories
from tests.surveys.factories import make_invitation, make_survey

pytestmark = pytest.mark.django_db

XSS = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def _assert_escaped(html: str) -> None:
    assert "<script>alert(2)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(2)" in html


def test_html_in_titles_questions_choices_and_comments_is_escaped(client, manager, survey_admin):
    survey = make_survey(
        name=XSS,
        title={"en": XSS},
        questions=[
            {"key": "nps", "type": "nps", "text": XSS, "required": True},
            {
                "key": "pick",
                "type": "choice",
                "text": "Pick",
                "choices": [{"value": "a", "label": XSS}, "b"],
            },
            {"key": "comment", "type": "text", "text": "Why?"},
        ],
    )
    response = services.response_submit(
        survey=survey, answers={"nps": 2, "comment": XSS}, customer_ref="cust-x"
    )
    _assert_escaped(client.get(f"/s/{survey.slug}/").content.decode())
    client.force_login(survey_admin)
    for url in [
        "/surveys/",
        f"/surveys/{survey.slug}/",
        f"/surveys/{survey.slug}/preview/",
        f"/surveys/{survey.slug}/edit/",
        "/surveys/responses/",
        f"/surveys/responses/{response.pk}/",
    ]:
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        assert "<script>alert(2)" not in html, url
        assert "<img src=x" not in html, url
    client.force_login(manager)
    _assert_escaped(client.get(f"/surveys/responses/{response.pk}/").content.decode())
    # The customer's timeline shows the comment, escaped.
    timeline = client.get("/customers/cust-x/").content.decode()
    assert "&lt;script&gt;alert(2)" in timeline and "<script>alert(2)" not in timeline


def test_embed_snippet_escapes_the_name(client, survey_admin):
    survey = make_survey(name='A "quoted" <name>')
    client.force_login(survey_admin)
    html = client.get(f"/surveys/{survey.slug}/").content.decode()
    assert "&lt;iframe src=" in html
    assert "&amp;quot;quoted&amp;quot;" in html


def test_public_page_may_be_framed_but_admin_pages_may_not(client, survey_admin):
    survey = make_survey()
    public = client.get(f"/s/{survey.slug}/")
    assert "X-Frame-Options" not in public
    client.force_login(survey_admin)
    assert client.get(f"/surveys/{survey.slug}/")["X-Frame-Options"] == "DENY"


def test_public_page_is_accessible_markup(client):
    survey = make_survey(
        questions=[
            {"key": "nps", "type": "nps", "text": "Recommend?", "required": True},
            {"key": "ces", "type": "ces", "text": "Easy?"},
            {"key": "comment", "type": "text", "text": "Why?"},
        ]
    )
    html = client.get(f"/s/{survey.slug}/").content.decode()
    assert html.count('type="radio" name="q_nps"') == 11
    assert html.count('type="radio" name="q_ces"') == 7
    assert "<legend>Recommend?" in html
    assert "Not at all likely" in html and "Extremely likely" in html
    assert '<label for="q-comment"' in html
    assert 'name="viewport"' in html


def test_public_form_errors_are_shown_and_nothing_saved(client):
    survey = make_survey()
    reply = client.post(f"/s/{survey.slug}/", {"q_nps": "11", "q_comment": "x"})
    assert reply.status_code == 400
    assert "from 0 to 10" in reply.content.decode()
    reply = client.post(f"/s/{survey.slug}/", {"q_comment": "x"})
    assert reply.status_code == 400 and "required" in reply.content.decode()
    assert not Response.objects.exists()


def test_public_submit_then_thank_you_in_the_survey_language(client):
    survey = make_survey(
        languages=["en", "it"],
        thank_you={"en": "Thanks!", "it": "Grazie mille!"},
        questions=[
            {"key": "nps", "type": "nps", "text": {"en": "Recommend?", "it": "Consiglieresti?"}}
        ],
    )
    page = client.get(f"/s/{survey.slug}/", HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9,en;q=0.5")
    assert "Consiglieresti?" in page.content.decode()
    reply = client.post(f"/s/{survey.slug}/", {"q_nps": "10", "lang": "it"})
    assert reply.status_code == 302
    thanks = client.get(reply["Location"]).content.decode()
    assert "Grazie mille!" in thanks
    assert Response.objects.get().language == "it"


def test_language_order_invitation_then_browser_then_default(client):
    survey = make_survey(
        languages=["en", "id", "ms"],
        default_language="en",
        questions=[
            {"key": "nps", "type": "nps", "text": {"en": "EN-Q", "id": "ID-Q", "ms": "MS-Q"}}
        ],
    )
    # Browser language offered by the survey.
    assert "ID-Q" in client.get(f"/s/{survey.slug}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    # Browser language not offered: the survey's default.
    assert "EN-Q" in client.get(f"/s/{survey.slug}/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    # The invitation's language wins over the browser.
    invitation = make_invitation(survey=survey, language="ms")
    client.get(f"/s/i/{invitation.token}/")
    assert "MS-Q" in client.get(f"/s/{survey.slug}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    # The switcher wins over everything, and the response records it.
    assert "ID-Q" in client.get(f"/s/{survey.slug}/?lang=id").content.decode()
    client.post(f"/s/{survey.slug}/", {"q_nps": "7", "lang": "id"})
    assert Response.objects.get().language == "id"


def test_inactive_and_expired_public_pages_say_so(client):
    survey = make_survey()
    services.survey_set_active(survey=survey, active=False)
    html = client.get(f"/s/{survey.slug}/").content.decode()
    assert "not active" in html
    assert client.post(f"/s/{survey.slug}/", {"q_nps": "9"}).status_code == 200
    assert not Response.objects.exists()


def test_agent_cannot_see_or_edit_surveys(client, agent):
    survey = make_survey()
    client.force_login(agent)
    for url in [
        "/surveys/",
        f"/surveys/{survey.slug}/",
        f"/surveys/{survey.slug}/edit/",
        "/surveys/new/",
        "/surveys/responses/",
        f"/surveys/{survey.slug}/invite/",
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/surveys/{survey.slug}/active/", {"active": "0"}).status_code == 403
    api = factories.api_client(agent)
    assert (
        api.patch(f"/api/v1/surveys/{survey.slug}/", {"name": "x"}, format="json").status_code
        == 403
    )
    assert api.get("/api/v1/surveys/").status_code == 403
    survey.refresh_from_db()
    assert survey.is_active and survey.name != "x"


def test_manager_reads_but_cannot_change(client, manager):
    survey = make_survey()
    client.force_login(manager)
    assert client.get(f"/surveys/{survey.slug}/").status_code == 200
    assert client.get("/surveys/responses/").status_code == 200
    assert client.get(f"/surveys/{survey.slug}/edit/").status_code == 403
    assert "Edit</a>" not in client.get(f"/surveys/{survey.slug}/").content.decode()


def test_anonymous_is_sent_to_login_for_admin_pages(client):
    survey = make_survey()
    assert client.get("/surveys/").status_code == 302
    assert client.get(f"/surveys/{survey.slug}/").status_code == 302


def test_survey_admin_builds_a_three_question_survey_in_the_editor(client, survey_admin):
    touchpoint = factories.make_touchpoint()
    client.force_login(survey_admin)
    assert client.get("/surveys/new/").status_code == 200
    data = {
        "name": "Checkout NPS",
        "slug": "checkout-nps",
        "touchpoint": touchpoint.pk,
        "languages": ["en", "it"],
        "default_language": "en",
        "is_active": "on",
        "min_sample": "30",
        "post_ticket_delay_minutes": "60",
        "follow_up_enabled": "on",
        "follow_up_nps_max": "6",
        "follow_up_csat_bottom": "2",
        "title_en": "Tell us about checkout",
        "thank_you_it": "Grazie!",
        "questions-TOTAL_FORMS": "4",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "50",
        "questions-0-key": "comment",
        "questions-0-type": "text",
        "questions-0-order": "2",
        "questions-0-text_en": "Why?",
        "questions-1-key": "nps",
        "questions-1-type": "nps",
        "questions-1-order": "0",
        "questions-1-required": "on",
        "questions-1-text_en": "Would you recommend us?",
        "questions-1-text_it": "Ci consiglieresti?",
        "questions-2-key": "reason",
        "questions-2-type": "choice",
        "questions-2-order": "1",
        "questions-2-text_en": "Main reason?",
        "questions-2-choices_en": "price | Price\nspeed | Speed",
        "questions-2-choices_it": "price | Prezzo",
    }
    reply = client.post("/surveys/new/", data)
    assert reply.status_code == 302, reply.content.decode()[:3000]
    survey = Survey.objects.get(slug="checkout-nps")
    assert [q.key for q in survey.questions.all()] == ["nps", "reason", "comment"]
    nps = survey.questions.get(key="nps")
    assert nps.text == {"en": "Would you recommend us?", "it": "Ci consiglieresti?"}
    reason = survey.questions.get(key="reason")
    assert reason.choices[0] == {"value": "price", "label": {"en": "Price", "it": "Prezzo"}}
    assert survey.thank_you == {"it": "Grazie!"}
    # Edit: delete the comment question and rename the survey.
    page = client.get(f"/surveys/{survey.slug}/edit/")
    assert page.status_code == 200
    data.update({"name": "Checkout NPS v2", "questions-0-DELETE": "on", "questions-3-key": ""})
    reply = client.post(f"/surveys/{survey.slug}/edit/", data)
    assert reply.status_code == 302
    survey.refresh_from_db()
    assert survey.name == "Checkout NPS v2"
    assert list(survey.questions.values_list("key", flat=True)) == ["nps", "reason"]
    assert Question.objects.filter(survey=survey).count() == 2


def test_editor_shows_service_errors(client, survey_admin):
    touchpoint = factories.make_touchpoint()
    client.force_login(survey_admin)
    data = {
        "name": "Bad",
        "slug": "bad",
        "touchpoint": touchpoint.pk,
        "languages": ["en"],
        "default_language": "en",
        "min_sample": "30",
        "post_ticket_delay_minutes": "60",
        "follow_up_nps_max": "6",
        "follow_up_csat_bottom": "2",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "50",
        "questions-0-key": "pick",
        "questions-0-type": "choice",
        "questions-0-text_en": "Pick",
        "questions-0-choices_en": "only-one",
    }
    reply = client.post("/surveys/new/", data)
    assert reply.status_code == 400
    assert "at least two choices" in reply.content.decode()
    assert not Survey.objects.filter(slug="bad").exists()


def test_activate_and_deactivate(client, survey_admin):
    survey = make_survey()
    client.force_login(survey_admin)
    client.post(f"/surveys/{survey.slug}/active/", {"active": "0"})
    survey.refresh_from_db()
    assert not survey.is_active
    client.post(f"/surveys/{survey.slug}/active/", {"active": "1"})
    survey.refresh_from_db()
    assert survey.is_active


def test_response_list_filters_and_paginates(client, manager):
    survey = make_survey()
    for score in range(11):
        services.response_submit(survey=survey, answers={"nps": score}, client_ip=f"10.0.0.{score}")
    client.force_login(manager)
    html = client.get("/surveys/responses/?score_group=promoter").content.decode()
    assert "2 responses" in html
    html = client.get("/surveys/responses/?score_group=';drop&start=nonsense").content.decode()
    assert "11 responses" in html


def test_embedded_public_survey_posts_without_a_csrf_cookie_but_invitations_need_one():
    from django.test import Client

    survey = make_survey()
    framed = Client(enforce_csrf_checks=True)
    assert framed.post(f"/s/{survey.slug}/", {"q_nps": "8"}).status_code == 302
    invited = Client(enforce_csrf_checks=True)
    invitation = make_invitation(survey=survey)
    invited.get(f"/s/i/{invitation.token}/")
    assert invited.post(f"/s/{survey.slug}/", {"q_nps": "1"}).status_code == 403
    page = invited.get(f"/s/{survey.slug}/")
    token = page.cookies["csrftoken"].value
    reply = invited.post(f"/s/{survey.slug}/", {"q_nps": "1", "csrfmiddlewaretoken": token})
    assert reply.status_code == 302
    assert Response.objects.filter(invitation=invitation).count() == 1
