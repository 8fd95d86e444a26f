"""POST /api/v1/reports: public submission, validation, idempotency."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from qamqor.audit.models import AuditEvent
from qamqor.intake.models import Report
from qamqor.intake.services import followup_code_hash
from tests.factories import REPORT_DATA, World

URL = "/api/v1/reports"
CODE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){4}$")


def post(client: Client, body: dict, **headers: str):
    return client.post(URL, body, content_type="application/json", headers=headers)


def body_for(world: World, **overrides: object) -> dict:
    return {"school": world.a.school.code, **REPORT_DATA, **overrides}


def test_anonymous_report_is_accepted_with_a_followup_code(client: Client, world: World) -> None:
    response = post(client, body_for(world))
    assert response.status_code == 201, response.content
    data = response.json()
    assert CODE.match(data["followup_code"])
    report = Report.objects.get(public_id=data["id"])
    assert report.status == Report.Status.NEW
    assert report.school == world.a.school and report.region == world.a.region
    assert report.forms == ["bullying", "cyberbullying"]
    # only a hash of the code is kept
    assert report.followup_code_hash == followup_code_hash(data["followup_code"])
    assert data["followup_code"] not in str(Report.objects.values().get(pk=report.pk))
    assert AuditEvent.objects.filter(action="report.submit", object_id=data["id"]).exists()


def test_same_idempotency_key_gives_one_report_and_the_same_answer(
    client: Client, world: World
) -> None:
    first = post(client, body_for(world), **{"Idempotency-Key": "retry-123"})
    second = post(client, body_for(world), **{"Idempotency-Key": "retry-123"})
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert first.json() == second.json()
    assert Report.objects.count() == 1


def test_idempotency_key_reused_for_other_content_is_refused(client: Client, world: World) -> None:
    post(client, body_for(world), **{"Idempotency-Key": "k-1"})
    response = post(
        client,
        body_for(world, narrative="Something quite different happened."),
        **{"Idempotency-Key": "k-1"},
    )
    assert response.status_code == 409
    assert response.json()["detail"]
    assert Report.objects.count() == 1


def test_different_keys_give_different_codes(client: Client, world: World) -> None:
    a = post(client, body_for(world), **{"Idempotency-Key": "one"}).json()
    b = post(client, body_for(world), **{"Idempotency-Key": "two"}).json()
    assert a["followup_code"] != b["followup_code"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"narrative": "short"}, "narrative"),
        ({"narrative": ""}, "narrative"),
        ({"forms": ["not-a-form"]}, "forms"),
        ({"setting": "moon"}, "setting"),
        ({"anonymous": False, "reporter_name": ""}, "reporter_name"),
        ({"school": "no-such-school"}, "school"),
        ({"in_danger_now": "maybe"}, "in_danger_now"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_changes_nothing(
    client: Client, world: World, overrides: dict, field: str
) -> None:
    response = post(client, body_for(world, **overrides))
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"]
    assert field in [error["field"] for error in body["errors"]]
    assert all(error["message"] for error in body["errors"])
    assert Report.objects.count() == 0


def test_missing_field_is_named(client: Client, world: World) -> None:
    body = body_for(world)
    del body["narrative"]
    response = post(client, body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "narrative"


def test_a_report_to_a_non_school_is_refused(client: Client, world: World) -> None:
    response = post(client, body_for(world, school=world.a.psc.code))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "school"


def test_errors_are_in_the_requested_language(client: Client, world: World) -> None:
    english = post(client, body_for(world, narrative="x"), **{"Accept-Language": "en"}).json()
    russian = post(client, body_for(world, narrative="x"), **{"Accept-Language": "ru"}).json()
    kazakh = post(client, body_for(world, narrative="x"), **{"Accept-Language": "kk"}).json()
    messages = {
        english["errors"][0]["message"],
        russian["errors"][0]["message"],
        kazakh["errors"][0]["message"],
    }
    assert len(messages) == 3


def test_over_long_idempotency_key_is_422(client: Client, world: World) -> None:
    response = post(client, body_for(world), **{"Idempotency-Key": "x" * 101})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Report.objects.count() == 0
