"""API error texts follow Accept-Language, DRF's own messages included (DRF ships no Malay)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ms", "Kelayakan pengesahan tidak diberikan."),
        ("id", "Kredensial autentikasi tidak diberikan."),
        ("it", "Credenziali di autenticazione non fornite."),
        ("en", "Authentication credentials were not provided."),
    ],
)
def test_an_unauthenticated_call_is_refused_in_the_callers_language(language, expected):
    response = APIClient().get("/api/v1/kpis/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 401
    assert response.json() == {"detail": expected}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("it", "Punto di contatto sconosciuto."),
        ("id", "Titik sentuh tidak dikenal."),
        ("ms", "Titik sentuh tidak dikenali."),
    ],
)
def test_a_bad_filter_is_explained_in_the_callers_language(manager, language, expected):
    client = factories.api_client(manager)
    response = client.get(
        "/api/v1/kpis/nps/series/?touchpoint=nowhere", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    assert response.json() == {"touchpoint": [expected]}


def test_the_kpi_catalogue_describes_kpis_in_the_callers_language(manager):
    client = factories.api_client(manager)
    rows = client.get("/api/v1/kpis/", HTTP_ACCEPT_LANGUAGE="it").json()
    kpis = {row["key"]: row for row in rows}
    assert kpis["nps"]["label"] == "Net Promoter Score"
    assert kpis["csat"]["label"] == "Soddisfazione del cliente"
    assert kpis["frt"]["label"] == "Tempo di prima risposta"
