"""B7 for the journey JSON import page: crafted files (deep nesting, other encodings, a BOM, a
file over the limit, huge strings) are a 400 with a message, never a 500, and write nothing."""

from __future__ import annotations

import codecs
import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from journeys.forms import MAX_IMPORT_BYTES
from journeys.models import Journey, Stage
from journeys.services import maps as services
from tests.journeys.factories import make_journey

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(client, manager):
    client.force_login(manager)
    document = services.journey_export(make_journey(slug="orig", stages=("one", "two")))

    def send(data: bytes):
        started = time.monotonic()
        reply = client.post(
            reverse("journeys:journey_import"),
            {"slug": "copy", "document": SimpleUploadedFile("j.json", data)},
        )
        assert time.monotonic() - started < 10
        return reply

    send.document = document
    return send


def refused(reply) -> None:
    assert reply.status_code == 400, reply.status_code
    assert not Journey.objects.filter(slug="copy").exists()
    assert Stage.objects.count() == 2


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 200_000 + b"]" * 200_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        b"\xff\xfe{\x00}\x00",
        b'{"name": "caf\xe9"}',
        b"\x00" * 1000,
        b"",
    ],
    ids=["deep-list", "deep-object", "utf-16", "latin-1", "nul", "empty"],
)
def test_crafted_bytes(post, data):
    refused(post(data))


def test_over_the_size_limit(post):
    refused(post(b" " * (MAX_IMPORT_BYTES + 1) + b"{}"))


def test_huge_and_formula_strings(post):
    document = dict(post.document)
    document["name"] = "x" * 900_000
    refused(post(json.dumps(document).encode()))
    document["name"] = '=HYPERLINK("http://evil.example","x")'
    document["stages"] = [dict(stage, name="@SUM(1+1)") for stage in document["stages"]]
    assert post(json.dumps(document).encode()).status_code == 302
    assert Journey.objects.get(slug="copy").name.startswith("=HYPERLINK")


def test_a_utf8_bom_is_accepted_or_refused_cleanly(post):
    reply = post(codecs.BOM_UTF8 + json.dumps(post.document).encode())
    assert reply.status_code in (302, 400)
