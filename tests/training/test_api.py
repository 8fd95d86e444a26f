"""Training in the API: the coordinating body's catalogue writes and a specialist's
completion with a token (CSRF enforced, and once over a real HTTP connection), a session
without its CSRF token refused, records and days outside the caller's scope 404."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from django.test import Client
from django.test.client import encode_multipart
from django.utils.timezone import localdate

from qamqor.accounts.models import ApiToken, User
from qamqor.training.models import Attendance, Enrolment, MethodologicalDay, Programme
from tests.factories import World, build_world
from tests.pdfs import clean_pdf
from tests.training.conftest import add_programme, complete

BASE = "/api/v1/training"

PROGRAMME = {
    "code": "violence-response",
    "title_kk": "Зорлық-зомбылыққа жауап",
    "title_ru": "Реагирование на насилие",
    "title_en": "Responding to violence",
    "provider_kind": "state",
    "provider_name": "Orken",
    "hours": 10,
    "format": "in_person",
    "topics": ["violence"],
    "target_roles": ["psc_psychologist"],
    "modules": [
        {"hours": 4, "title_kk": "a", "title_ru": "б", "title_en": "Law"},
        {"hours": 6, "title_kk": "c", "title_ru": "д", "title_en": "Practice"},
    ],
}


def _token(user: User) -> Client:
    _key, raw = ApiToken.issue(user, "training")
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})


@pytest.mark.django_db
def test_the_coordinating_body_keeps_the_catalogue_with_a_token(world: World) -> None:
    client = _token(world.national)
    created = client.post(f"{BASE}/programmes", PROGRAMME, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert [m["title"]["en"] for m in body["modules"]] == ["Law", "Practice"]
    changed = client.patch(
        f"{BASE}/programmes/violence-response",
        {
            "hours": 12,
            "modules": [{"hours": 12, "title_kk": "x", "title_ru": "y", "title_en": "All"}],
        },
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["hours"] == 12 and changed.json()["provider_name"] == "Orken"
    bad = client.patch(
        f"{BASE}/programmes/violence-response", {"hours": 3}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "modules"
    retired = client.post(f"{BASE}/programmes/violence-response/retire")
    assert retired.status_code == 200 and retired.json()["retired"] is True
    assert client.post(f"{BASE}/programmes/violence-response/retire").status_code == 409
    listing = _token(world.psc_a).get(f"{BASE}/programmes", {"retired": True})
    assert listing.json()["count"] == 1
    refused = _token(world.regional_a).post(
        f"{BASE}/programmes", {**PROGRAMME, "code": "other"}, content_type="application/json"
    )
    assert refused.status_code == 404
    assert Programme.objects.count() == 1


@pytest.mark.django_db
def test_a_specialist_adds_a_completion_with_a_certificate(world: World) -> None:
    programme = add_programme(world, provider_kind="alternative", provider_name="NGO")
    client = _token(world.psc_a)
    fields: dict[str, Any] = {
        "programme": programme.code,
        "status": "completed",
        "completed_on": localdate().isoformat(),
    }
    missing = client.post(f"{BASE}/me/enrolments", fields)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "certificate"
    boundary = "training-boundary"
    body = encode_multipart(boundary, {**fields, "certificate": _pdf_file()})
    done = client.post(
        f"{BASE}/me/enrolments", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert done.status_code == 201, done.content
    assert done.json()["certificate"].startswith("/training/certificates/")
    record = client.get(f"{BASE}/me").json()
    assert record["hours_by_year"] == [{"year": localdate().year, "hours": 24}]
    assert Enrolment.objects.get().certificate is not None


def _pdf_file() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("certificate.pdf", clean_pdf(), content_type="application/pdf")


@pytest.mark.django_db
def test_a_session_write_needs_its_csrf_token(world: World) -> None:
    programme = add_programme(world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.psc_a)
    data = {"programme": programme.code, "status": "planned"}
    assert client.post(f"{BASE}/me/enrolments", data).status_code == 403
    client.cookies["csrftoken"] = "k" * 32
    accepted = client.post(f"{BASE}/me/enrolments", data, headers={"X-CSRFToken": "k" * 32})
    assert accepted.status_code == 201, accepted.content


@pytest.mark.django_db
def test_records_outside_the_scope_are_404(world: World) -> None:
    complete(world.psychologist_a, add_programme(world), localdate())
    url = f"{BASE}/specialists/{world.psychologist_a.pk}"
    assert _token(world.regional_a).get(url).json()["enrolments"][0]["hours"] == 24
    assert _token(world.regional_b).get(url).status_code == 404
    assert _token(world.coordinator_a2).get(url).status_code == 404
    listing = _token(world.coordinator_a).get(f"{BASE}/specialists").json()
    assert [(row["name"], row["hours"]) for row in listing["items"]] == [("psychologist_a", 24)]
    assert _token(world.monitor).get(f"{BASE}/specialists").status_code == 404


@pytest.mark.django_db
def test_days_and_attendance(world: World) -> None:
    client = _token(world.regional_a)
    created = client.post(
        f"{BASE}/days",
        {"psc": world.a.psc.code, "held_on": localdate().isoformat(), "topic": "bullying"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    day_id = created.json()["id"]
    assert created.json()["attendance"] == [
        {"specialist": "psc_a", "name": "psc_a", "present": None}
    ]
    other = client.post(
        f"{BASE}/days",
        {"psc": world.b.psc.code, "held_on": localdate().isoformat(), "topic": "bullying"},
        content_type="application/json",
    )
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "psc"
    marked = client.post(
        f"{BASE}/days/{day_id}/attendance", {"present": ["psc_a"]}, content_type="application/json"
    )
    assert marked.status_code == 200, marked.content
    assert Attendance.objects.get().present
    assert _token(world.psc_a).get(f"{BASE}/days").json()["count"] == 1
    assert _token(world.psc_b).get(f"{BASE}/days").json()["count"] == 0
    refused = _token(world.regional_b).post(
        f"{BASE}/days/{day_id}/attendance", {"present": []}, content_type="application/json"
    )
    assert refused.status_code == 404


@pytest.mark.django_db
def test_coverage(world: World) -> None:
    complete(world.psychologist_a, add_programme(world), localdate())
    body = _token(world.monitor).get(f"{BASE}/coverage").json()
    assert (body["specialists"], body["trained"], body["hours"]) == (15, 1, 24)
    assert [table["key"] for table in body["tables"]] == ["region", "kind", "role", "schools"]
    assert _token(world.psc_a).get(f"{BASE}/coverage").status_code == 404


def test_a_token_write_over_a_real_http_connection(
    transactional_db: None, live_server: Any
) -> None:
    """A coordinator's integration schedules a day through a socket, no test client."""
    world = build_world()
    _key, raw = ApiToken.issue(world.regional_a, "planner")
    request = urllib.request.Request(  # noqa: S310 (the live test server's http URL)
        f"{live_server.url}{BASE}/days",
        data=json.dumps(
            {"psc": world.a.psc.code, "held_on": localdate().isoformat(), "topic": "violence"}
        ).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 201
    assert MethodologicalDay.objects.get().scheduled_by == world.regional_a
