"""Supervision's host organisation is decided in one place (``care.forms.supervision_arguments``
and ``care.selectors.supervision_hosts``): the organisation the page offers is the one the
API records when the request names none, for every persona who records supervision."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from qamqor.care.models import SupervisionSession
from tests.factories import CarePlaces, World


def csrf_client(world: World, persona: str) -> tuple[Client, Any]:
    """A session that must pass the CSRF check, and the page it opened first."""
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(getattr(world, persona))
    page = client.get("/care/supervision/")
    assert page.status_code == 200
    return client, page


def session_fields(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "intervision",
        "level": "organisation",
        "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 60,
        "topic": "Case review without names",
        "participants": "psc_a",
        "guests": 0,
        **extra,
    }


@pytest.mark.parametrize("persona", ["psc_a", "psychologist_a", "regional_a", "national"])
def test_the_page_offers_the_organisation_the_api_records(
    world: World, care: CarePlaces, persona: str
) -> None:
    client, page = csrf_client(world, persona)
    offered = page.context["form"]["organisation"].value()
    assert offered, persona
    token = client.cookies["csrftoken"].value

    response = client.post(
        "/api/v1/care/supervision",
        {**session_fields(), "participants": ["psc_a"]},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201, response.content
    assert response.json()["organisation"]["code"] == offered

    posted = client.post(
        "/care/supervision/",
        {**session_fields(organisation=offered), "csrfmiddlewaretoken": token},
    )
    assert posted.status_code == 302, posted.context["form"].errors
    recorded = SupervisionSession.objects.order_by("pk").values_list(
        "organisation__code", flat=True
    )
    assert list(recorded) == [offered, offered]


def test_with_several_hosts_the_page_asks_and_the_api_asks_too(
    world: World, care: CarePlaces
) -> None:
    """A PSC head works at the PSC and its branch: the page offers both, the API wants one."""
    client, page = csrf_client(world, "psc_head_a")
    choices = [code for code, _label in page.context["form"].fields["organisation"].widget.choices]
    assert sorted(choices) == sorted([world.a.psc.code, care.branch_a.code])
    response = client.post(
        "/api/v1/care/supervision",
        {**session_fields(), "participants": ["psc_a"]},
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "organisation", "message": "Choose the organisation you act for."}
    ]
    assert not SupervisionSession.objects.exists()


def test_an_unknown_participant_is_refused_alike_on_the_page_and_the_api(
    world: World, care: CarePlaces
) -> None:
    client, _page = csrf_client(world, "psc_a")
    token = client.cookies["csrftoken"].value
    api = client.post(
        "/api/v1/care/supervision",
        {**session_fields(), "participants": ["psc_a", "ghost"]},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    shown = client.post(
        "/care/supervision/",
        {
            **session_fields(organisation=world.a.psc.code, participants="psc_a, ghost"),
            "csrfmiddlewaretoken": token,
        },
    )
    assert api.status_code == shown.status_code == 422
    assert api.json()["errors"] == [
        {"field": "participants", "message": "Unknown user names: ghost."}
    ]
    assert shown.context["form"].errors["participants"] == ["Unknown user names: ghost."]
    assert not SupervisionSession.objects.exists()
