from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

XSS = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def test_customer_pages_escape_customer_text(client, agent):
    factories.make_customer(external_id="c-x", name=XSS)
    client.force_login(agent)
    for url in ["/customers/", "/customers/c-x/"]:
        page = client.get(url).content.decode()
        assert "<script>alert(2)" not in page
        assert "&lt;script&gt;alert(2)" in page


def test_customer_list_paginates(client, agent):
    for _ in range(55):
        factories.make_customer()
    client.force_login(agent)
    page = client.get("/customers/").content.decode()
    assert "Page 1 of 2" in page


def test_plotly_is_served_locally(client):
    response = client.get("/static/vendor/plotly.min.js")
    assert response.status_code == 200


def test_healthz_answers(client):
    assert client.get("/healthz/").json() == {"status": "ok"}


def test_favicon_is_served_so_pages_log_no_console_errors(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert client.get(response["Location"]).status_code == 200
