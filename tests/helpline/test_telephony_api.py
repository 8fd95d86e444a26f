"""The telephony system opens and closes call records with a token; idempotent by its id."""

from __future__ import annotations

import pytest
from django.test import Client

from qamqor.accounts.models import ApiToken
from qamqor.audit.models import AuditEvent
from qamqor.helpline.models import CallRecord
from qamqor.intake.services import channel_ref
from tests.factories import World

pytestmark = pytest.mark.django_db

OPEN = {"external_id": "pbx-0001", "started_at": "2026-05-01T10:00:00+05:00"}


def token_client(user) -> Client:
    _token, raw = ApiToken.issue(user, "telephony")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_open_and_close_idempotent(world: World) -> None:
    client = token_client(world.operator)
    first = client.post(
        "/api/v1/helpline/calls",
        {**OPEN, "caller_number": "+7 701 555 12 34"},
        content_type="application/json",
    )
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/helpline/calls", OPEN, content_type="application/json")
    assert again.status_code == 200
    record = CallRecord.objects.get()
    assert record.helpline == world.helpline
    assert record.caller_ref and "5551234" not in record.caller_ref
    assert record.caller_ref == channel_ref("helpline_111", "+77015551234")
    close = {"ended_at": "2026-05-01T10:07:30+05:00"}
    done = client.post(
        "/api/v1/helpline/calls/pbx-0001/close", close, content_type="application/json"
    )
    assert done.status_code == 200
    assert done.json()["duration_seconds"] == 450
    assert (
        client.post(
            "/api/v1/helpline/calls/pbx-0001/close", close, content_type="application/json"
        ).status_code
        == 200
    )
    listed = client.get("/api/v1/helpline/calls").json()
    assert [c["external_id"] for c in listed] == ["pbx-0001"]
    read = AuditEvent.objects.get(action="call.list")
    assert read.actor_id == world.operator.pk and read.changes["ids"] == ["pbx-0001"]


def test_repeat_caller_is_flagged(world: World) -> None:
    client = token_client(world.operator)
    for n, number in enumerate(["87015551234", "+77015551234"]):
        answer = client.post(
            "/api/v1/helpline/calls",
            {"external_id": f"c{n}", "started_at": OPEN["started_at"], "caller_number": number},
            content_type="application/json",
        )
    assert answer.json()["repeat_caller"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**OPEN, "caller_number": "not a number"}, "caller_number"),
        ({"external_id": "x"}, "started_at"),
        ({**OPEN, "started_at": "yesterday"}, "started_at"),
        ({**OPEN, "started_at": "2026-05-01T10:00:00"}, "started_at"),
        ({**OPEN, "external_id": "x" * 101}, "external_id"),
    ],
)
def test_bad_input_names_the_field(world: World, body: dict, field: str) -> None:
    client = token_client(world.operator)
    answer = client.post("/api/v1/helpline/calls", body, content_type="application/json")
    assert answer.status_code == 422
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert not CallRecord.objects.exists()


def test_close_before_start_and_malformed_json(world: World) -> None:
    client = token_client(world.operator)
    client.post("/api/v1/helpline/calls", OPEN, content_type="application/json")
    answer = client.post(
        "/api/v1/helpline/calls/pbx-0001/close",
        {"ended_at": "2026-05-01T09:00:00+05:00"},
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "ended_at"
    answer = client.post("/api/v1/helpline/calls", "{not json", content_type="application/json")
    assert answer.status_code == 400


@pytest.mark.parametrize("persona", ["coordinator_a", "regional_a", "duty_a", "monitor"])
def test_other_tokens_get_404(world: World, persona: str) -> None:
    client = token_client(getattr(world, persona))
    assert (
        client.post("/api/v1/helpline/calls", OPEN, content_type="application/json").status_code
        == 404
    )
    assert client.get("/api/v1/helpline/calls").status_code == 404
    assert not CallRecord.objects.exists()


def test_no_token_is_401(world: World) -> None:
    answer = Client().post("/api/v1/helpline/calls", OPEN, content_type="application/json")
    assert answer.status_code == 401


def test_card_from_call(world: World) -> None:
    from django.urls import reverse

    from tests.helpline.test_console import client_for

    token_client(world.operator).post(
        "/api/v1/helpline/calls", OPEN, content_type="application/json"
    )
    client = client_for(world.operator)
    assert "pbx-0001" in client.get(reverse("helpline-console")).content.decode()
    response = client.post(reverse("helpline-card-new"), {"call": "pbx-0001"})
    assert response.status_code == 302
    assert CallRecord.objects.get().card.operator == world.operator
