"""RELIABILITY A8, A9, C6: invitation tokens are unguessable, bound to their survey, kept out of
URLs, Referer headers and logs, and cannot be brute-forced."""

from __future__ import annotations

import base64
import logging
import re
import secrets
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from surveys import services
from surveys.models import Invitation, Response
from tests import factories
from tests.surveys.factories import make_invitation

pytestmark = pytest.mark.django_db


def _bits(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def test_ten_thousand_issued_tokens_are_distinct_random_and_at_least_128_bits(world):
    customer = world.customer
    Invitation.objects.bulk_create(
        [Invitation(survey=world.survey, customer=customer) for _ in range(10_000)],
        batch_size=2000,
    )
    tokens = list(Invitation.objects.values_list("token", flat=True))
    assert len(tokens) >= 10_000
    assert len(set(tokens)) == len(tokens)
    raw = [_bits(token) for token in tokens]
    assert min(len(r) for r in raw) * 8 >= 128
    # Every bit position is set about half of the time: no counter, timestamp or id inside.
    width = min(len(r) for r in raw) * 8
    for position in range(width):
        ones = sum((r[position // 8] >> (position % 8)) & 1 for r in raw)
        assert 0.45 < ones / len(raw) < 0.55, position
    pks = {str(pk) for pk in Invitation.objects.values_list("pk", flat=True)}
    assert not any(token in pks for token in tokens)


def _open(client: Client, token: str):
    return client.get(f"/s/i/{token}/")


def test_token_of_survey_a_on_survey_b_revoked_and_unknown_all_give_the_same_404(world):
    other = make_invitation(survey=world.other_survey, deliver=False)
    revoked = make_invitation(survey=world.survey, deliver=False)
    services.invitation_revoke(invitation=revoked)
    unknown = secrets.token_urlsafe(32)

    pages = [_open(Client(), token) for token in (revoked.token, unknown)]
    assert [p.status_code for p in pages] == [404, 404]
    assert pages[0].content == pages[1].content

    def submit(slug, token):
        return APIClient().post(
            f"/api/v1/surveys/{slug}/responses/",
            {"answers": {"nps": 8}, "invitation": token},
            format="json",
        )

    answers = [
        submit(world.survey.slug, other.token),  # survey B's token on survey A
        submit(world.survey.slug, revoked.token),
        submit(world.survey.slug, unknown),
    ]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert not Response.objects.filter(invitation__in=[other, revoked]).exists()


def test_invitation_link_moves_the_token_to_the_session_and_redirects_without_it(world, caplog):
    caplog.set_level(logging.DEBUG)
    client = Client()
    token = world.invitation.token
    opened = _open(client, token)
    assert opened.status_code == 302
    assert opened["Location"] == f"/s/{world.survey.slug}/"
    assert token not in opened["Location"]
    page = client.get(opened["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert token not in html
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page.get("Cache-Control", "") or "max-age=0" in page.get(
        "Cache-Control", ""
    )
    for url in re.findall(r"""(?:src|href|action)\s*=\s*["']([^"']+)""", html):
        assert not re.match(r"^(https?:)?//", url) or url.startswith("http://testserver"), url
    # Answering with the token from the session, the token never travels in the form.
    form_fields = re.findall(r'name="([^"]+)"', html)
    assert "invitation" not in form_fields and "token" not in form_fields
    done = client.post(f"/s/{world.survey.slug}/", {"q_nps": "9"})
    assert done.status_code == 302, done.content.decode()[:500]
    assert Response.objects.filter(invitation=world.invitation).count() == 1
    assert token not in caplog.text


def test_guessing_tokens_from_one_address_is_throttled_with_retry_after(world):
    client = Client()
    statuses = []
    for _ in range(1000):
        response = _open(client, secrets.token_urlsafe(32))
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response["Retry-After"]) >= 1
    assert set(statuses) == {404, 429}
    first_429 = statuses.index(429)
    assert first_429 <= 61
    assert all(s == 429 for s in statuses[first_429:])
    # A genuine respondent from another address is not affected.
    fresh = Client(REMOTE_ADDR="10.9.9.9")
    assert _open(fresh, world.invitation.token).status_code == 302


def test_invitation_tokens_are_not_issued_to_roles_without_the_right(world):
    response = factories.api_client(world.agent_x).post(
        f"/api/v1/surveys/{world.survey.slug}/invitations/", {"customer": "c-1"}, format="json"
    )
    assert response.status_code == 403


def test_access_and_django_logs_redact_invitation_tokens(settings):
    from cxhub.logredact import RedactTokensFilter, redact

    token = secrets.token_urlsafe(32)
    assert token not in redact(f'127.0.0.1 "GET /s/i/{token}/ HTTP/1.1" 302 0 0.01s')
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/s/i/{token}/",), None
    )
    RedactTokensFilter().filter(record)
    assert token not in record.getMessage()
    handlers = settings.LOGGING["handlers"].values()
    assert all("redact_tokens" in handler.get("filters", []) for handler in handlers)
    gunicorn_conf = (Path(__file__).resolve().parents[2] / "gunicorn.conf.py").read_text()
    assert "RedactingGunicornLogger" in gunicorn_conf
