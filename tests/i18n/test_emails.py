"""E-mails go out in the recipient's language, whatever language the sending worker runs in."""

from __future__ import annotations

import pytest
from django.utils import translation

from surveys.services.invitations import invitation_send
from tests import factories
from tests.surveys.factories import make_invitation, make_survey

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "subject", "sentence"),
    [
        ("id", "Kami ingin mendengar pendapat Anda", "Bisakah Anda meluangkan waktu sebentar"),
        ("ms", "Kami ingin mendengar maklum balas anda", "Bolehkah anda luangkan seminit"),
        ("it", "Ci piacerebbe conoscere la tua opinione", "Puoi dedicarci un minuto"),
    ],
)
def test_a_survey_invitation_is_written_in_the_invitations_language(
    mailoutbox, language, subject, sentence
):
    questions = [{"key": "nps", "type": "nps", "text": {"en": "How likely?", language: "?"}}]
    survey = make_survey(questions=questions, languages=["en", language], default_language="en")
    customer = factories.make_customer(name="Sari", email="sari@example.com")
    invitation = make_invitation(survey=survey, customer=customer, language=language)
    with translation.override("en"):  # a worker's own language must not leak into the e-mail
        assert invitation_send(invitation=invitation)
    [email] = mailoutbox
    assert email.subject.startswith(subject)
    assert sentence in email.body
