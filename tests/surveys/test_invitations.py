"""Invitations: one response per token, token scope, the session redirect, contact frequency,
CSV lists, e-mail sending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from journeys.models import Customer
from surveys import services
from surveys.models import ContactPolicy, Invitation, Response
from tests import factories
from tests.surveys.factories import make_invitation, make_survey

pytestmark = pytest.mark.django_db


def _post(survey, payload):
    return factories.api_client().post(
        f"/api/v1/surveys/{survey.slug}/responses/", payload, format="json"
    )


def test_tokens_are_long_random_and_distinct():
    survey = make_survey()
    tokens = {
        make_invitation(survey=survey, customer=factories.make_customer()).token for _ in range(50)
    }
    assert len(tokens) == 50
    assert all(len(token) >= 43 for token in tokens)


def test_reused_invitation_gives_409_and_keeps_the_first_response():
    survey = make_survey()
    invitation = make_invitation(survey=survey)
    first = _post(
        survey, {"answers": {"nps": 9, "comment": "great"}, "invitation": invitation.token}
    )
    assert first.status_code == 201
    before = Response.objects.values().get()
    second = _post(
        survey, {"answers": {"nps": 0, "comment": "changed"}, "invitation": invitation.token}
    )
    assert second.status_code == 409
    assert Response.objects.count() == 1
    assert Response.objects.values().get() == before
    invitation.refresh_from_db()
    assert invitation.responded_at is not None


def test_reused_invitation_on_the_page_says_already_answered(client):
    survey = make_survey()
    invitation = make_invitation(survey=survey)
    client.get(f"/s/i/{invitation.token}/")
    assert client.post(f"/s/{survey.slug}/", {"q_nps": "9"}).status_code == 302
    again = client.post(f"/s/{survey.slug}/", {"q_nps": "1"})
    assert again.status_code == 409
    assert "already been answered" in again.content.decode()
    other_browser = factories.api_client()
    assert other_browser.get(f"/s/i/{invitation.token}/").status_code == 302
    assert Response.objects.get().nps_score == 9


def test_invitation_only_survey_refuses_responses_without_a_token(client):
    survey = make_survey(invitation_only=True)
    for payload in ({"answers": {"nps": 5}}, {"answers": {"nps": 5}, "invitation": None}):
        reply = _post(survey, payload)
        assert reply.status_code == 400
        assert "invitation" in reply.json()
    page = client.get(f"/s/{survey.slug}/")
    assert page.status_code == 403
    assert client.post(f"/s/{survey.slug}/", {"q_nps": "5"}).status_code == 403
    assert not Response.objects.exists()


def test_token_of_another_survey_or_revoked_or_unknown_is_404():
    survey_a, survey_b = make_survey(), make_survey()
    invitation = make_invitation(survey=survey_a)
    foreign = _post(survey_b, {"answers": {"nps": 5}, "invitation": invitation.token})
    assert foreign.status_code == 404
    unknown = _post(survey_a, {"answers": {"nps": 5}, "invitation": "x" * 43})
    assert unknown.status_code == 404
    services.invitation_revoke(invitation=invitation)
    revoked = _post(survey_a, {"answers": {"nps": 5}, "invitation": invitation.token})
    assert revoked.status_code == 404
    assert revoked.json() == unknown.json()
    assert not Response.objects.exists()


def test_invitation_link_keeps_the_token_in_the_session_and_redirects_without_it(client):
    survey = make_survey()
    invitation = make_invitation(survey=survey)
    reply = client.get(f"/s/i/{invitation.token}/")
    assert reply.status_code == 302
    assert reply["Location"] == f"/s/{survey.slug}/"
    assert invitation.token not in reply["Location"]
    page = client.get(reply["Location"])
    assert page.status_code == 200
    assert invitation.token not in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"
    client.post(f"/s/{survey.slug}/", {"q_nps": "4"})
    response = Response.objects.get()
    assert response.invitation == invitation
    assert response.customer == invitation.customer
    invitation.refresh_from_db()
    assert invitation.opened_at is not None


def test_unknown_invitation_link_is_404(client):
    assert client.get(f"/s/i/{'y' * 43}/").status_code == 404


def test_contact_frequency_suppresses_a_second_invitation_within_30_days():
    customer = factories.make_customer(email="c@example.com")
    nps_a, nps_b = make_survey(), make_survey()
    first = make_invitation(survey=nps_a, customer=customer)
    second = make_invitation(survey=nps_b, customer=customer)
    assert first.status == Invitation.Status.PENDING
    assert second.status == Invitation.Status.SUPPRESSED
    assert "30 days" in second.suppressed_reason
    later = make_invitation(
        survey=nps_b, customer=customer, send_after=timezone.now() + timedelta(days=31)
    )
    assert later.status == Invitation.Status.PENDING
    services.invitations_send_due(now=timezone.now())
    assert len(mail.outbox) == 1


def test_post_ticket_csat_has_priority_over_relationship_nps():
    customer = factories.make_customer(email="c@example.com")
    relationship = make_survey()
    touchpoint = factories.make_touchpoint()
    csat = make_survey(
        touchpoint=touchpoint,
        is_post_ticket=True,
        questions=[{"key": "csat", "type": "csat", "text": "Satisfied?"}],
    )
    assert make_invitation(survey=relationship, customer=customer).status == "pending"
    assert make_invitation(survey=csat, customer=customer).status == "pending"
    # Once the CSAT went out, the queued relationship survey gives way.
    other = make_survey()
    assert make_invitation(survey=other, customer=customer).status == "suppressed"


def test_contact_policy_row_overrides_the_default():
    ContactPolicy.objects.create(frequency_days=0)
    customer = factories.make_customer()
    survey = make_survey()
    assert make_invitation(survey=survey, customer=customer).status == "pending"
    assert make_invitation(survey=survey, customer=customer).status == "pending"


def test_send_due_invitations_sends_once_with_a_link_to_the_base_url(settings):
    settings.CX_BASE_URL = "https://cx.example.com"
    survey = make_survey()
    due = make_invitation(survey=survey)
    not_yet = make_invitation(
        survey=survey,
        customer=factories.make_customer(email="x@example.com"),
        send_after=timezone.now() + timedelta(hours=2),
    )
    from surveys.tasks import send_due_invitations

    assert send_due_invitations() == 1
    assert send_due_invitations() == 0
    assert len(mail.outbox) == 1
    assert f"https://cx.example.com/s/i/{due.token}/" in mail.outbox[0].body
    due.refresh_from_db()
    not_yet.refresh_from_db()
    assert due.status == "sent" and due.sent_at is not None
    assert not_yet.status == "pending"


def test_api_invitation_returns_token_and_url(survey_admin, agent):
    survey = make_survey()
    client = factories.api_client(survey_admin)
    reply = client.post(
        f"/api/v1/surveys/{survey.slug}/invitations/",
        {"customer": "ext-1", "channel": "sms"},
        format="json",
    )
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert body["url"].endswith(f"/s/i/{body['token']}/")
    invitation = Invitation.objects.get(token=body["token"])
    assert invitation.customer.external_id == "ext-1" and invitation.status == "sent"
    again = client.post(
        f"/api/v1/surveys/{survey.slug}/invitations/", {"customer": "ext-1"}, format="json"
    )
    assert again.status_code == 409
    denied = factories.api_client(agent).post(
        f"/api/v1/surveys/{survey.slug}/invitations/", {"customer": "ext-2"}, format="json"
    )
    assert denied.status_code == 403


CSV_OK = b"external_id,email,name\nknown-1,,\nnew-1,new1@example.com,New One\n"


def test_csv_upload_invites_known_and_new_customers(client, survey_admin):
    factories.make_customer(external_id="known-1", email="k@example.com")
    survey = make_survey()
    client.force_login(survey_admin)
    from django.core.files.uploadedfile import SimpleUploadedFile

    reply = client.post(
        f"/surveys/{survey.slug}/invite/",
        {"file": SimpleUploadedFile("list.csv", CSV_OK, content_type="text/csv")},
    )
    assert reply.status_code == 302, reply.content.decode()[:2000]
    assert Invitation.objects.filter(survey=survey).count() == 2
    assert Customer.objects.filter(external_id="new-1", email="new1@example.com").exists()


def test_bad_csv_names_the_line_and_writes_nothing(client, survey_admin):
    survey = make_survey()
    client.force_login(survey_admin)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = b"external_id,email\nok-1,ok@example.com\nok-2,not-an-email\n,\n"
    reply = client.post(
        f"/surveys/{survey.slug}/invite/",
        {"file": SimpleUploadedFile("list.csv", bad, content_type="text/csv")},
    )
    assert reply.status_code == 400
    assert "Line 3" in reply.content.decode()
    assert not Invitation.objects.exists()
    assert not Customer.objects.filter(external_id="ok-1").exists()
    unknown = b"external_id\nnobody\n"
    reply = client.post(
        f"/surveys/{survey.slug}/invite/",
        {"file": SimpleUploadedFile("list.csv", unknown, content_type="text/csv")},
    )
    assert reply.status_code == 400 and "Line 2" in reply.content.decode()
    assert not Invitation.objects.exists()


def test_persona_invitations(client, survey_admin):
    persona = factories.make_persona()
    for _ in range(3):
        factories.make_customer(persona=persona, email="p@example.com")
    survey = make_survey()
    client.force_login(survey_admin)
    reply = client.post(f"/surveys/{survey.slug}/invite/", {"persona": persona.pk})
    assert reply.status_code == 302
    assert Invitation.objects.filter(survey=survey, status="pending").count() == 3


def test_opening_an_invitation_link_again_keeps_the_first_open_time(client):
    survey = make_survey()
    invitation = make_invitation(survey=survey)
    first = timezone.now() - timedelta(hours=2)
    services.invitation_mark_opened(invitation=invitation, at=first)
    assert client.get(f"/s/i/{invitation.token}/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.opened_at == first
