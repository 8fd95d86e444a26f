"""The library's API: a token of the coordinating body publishes over the real CSRF path
(the same service as the page), a psychologist's token acknowledges, the coverage answers
within the coordinator's regions; a session write without its CSRF token is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from qamqor.library.models import Acknowledgement
from tests.api.test_token_writes import token_client
from tests.library.conftest import BRIEFED, Library

pytestmark = pytest.mark.django_db

BASE = "/api/v1/library"

VERSION: dict[str, Any] = {
    "number": "Methodology 2026, edition 1",
    "summary_kk": "Қысқаша",
    "summary_ru": "Кратко",
    "summary_en": "In short",
    "affected_roles": ["school_psychologist", "psc_psychologist"],
    "effective_on": "2026-09-01",
}


def test_a_token_publishes_and_another_acknowledges(library: Library) -> None:
    world = library.world
    national = token_client(world.national)
    url = f"{BASE}/documents/{library.methodology.code}/versions"
    response = national.post(url, VERSION, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sequence"] == 1 and body["effective_on"] == "2026-09-01"
    assert sorted(body["affected_roles"]) == ["psc_psychologist", "school_psychologist"]
    refused = national.post(url, {**VERSION, "number": "2"}, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "changes_en"

    psychologist = token_client(world.psychologist_a)
    mine = psychologist.get(f"{BASE}/briefings").json()
    assert [item["number"] for item in mine] == ["Methodology 2026, edition 1"]
    assert mine[0]["acknowledged_at"] is None
    ack_url = f"{BASE}/briefings/{mine[0]['id']}/acknowledge"
    assert (
        psychologist.post(ack_url, {"read": False}, content_type="application/json").status_code
        == 422
    )
    done = psychologist.post(ack_url, {"read": True}, content_type="application/json")
    assert done.status_code == 200 and done.json()["acknowledged_at"]
    other = token_client(world.psychologist_b)
    assert other.post(ack_url, {"read": True}, content_type="application/json").status_code == 404

    coverage = f"{BASE}/coverage/{body['id']}"
    report = national.get(coverage).json()
    assert (report["due"], report["done"]) == (5, 1)
    assert {row["username"] for row in report["missing"]} == BRIEFED - {"psychologist_a"}
    regional = token_client(world.regional_b)
    assert {row["username"] for row in regional.get(coverage).json()["missing"]} == {
        "psychologist_b",
        "psc_b",
    }
    assert regional.get(coverage, {"region": "KZ-75"}).status_code == 404
    assert psychologist.get(coverage).status_code == 404


def test_only_the_coordinating_body_publishes_through_the_api(library: Library) -> None:
    url = f"{BASE}/documents/{library.methodology.code}/versions"
    response = token_client(library.world.regional_a).post(
        url, VERSION, content_type="application/json"
    )
    assert response.status_code == 404
    assert not Acknowledgement.objects.exists()


def test_a_session_write_needs_its_csrf_token(library: Library) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(library.world.national)
    url = f"{BASE}/documents/{library.methodology.code}/versions"
    assert client.post(url, VERSION, content_type="application/json").status_code == 403
    assert not Acknowledgement.objects.exists()


def test_materials_are_shared_and_searched_through_the_api(library: Library) -> None:
    world = library.world
    shared = token_client(world.regional_b).post(
        f"{BASE}/materials",
        {
            "title_kk": "Кибербуллинг туралы сынып сағаты",
            "topics": ["bullying"],
            "url": "https://example.invalid/k",
        },
        content_type="application/json",
    )
    assert shared.status_code == 201, shared.content
    assert shared.json()["region"] == "KZ-71"
    found = token_client(world.psc_a).get(f"{BASE}/materials", {"q": "КИБЕРБУЛЛИНГ"}).json()
    assert [item["id"] for item in found["items"]] == [shared.json()["id"]]
    refused = token_client(world.psychologist_a).post(
        f"{BASE}/materials",
        {"title_en": "x", "topics": ["bullying"], "url": "https://example.invalid/x"},
        content_type="application/json",
    )
    assert refused.status_code == 404
