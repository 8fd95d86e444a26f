"""Recording a child a psychologist starts working with, through the page and the API:
both take the organisation from ``care.forms.child_arguments`` (where the user works as a
psychologist), so both record the child at the same place and refuse the same people."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from qamqor.care.models import CareClient
from qamqor.cases.models import Child
from tests.factories import CarePlaces, World


def csrf_client(world: World, persona: str) -> Client:
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(getattr(world, persona))
    client.get("/care/")  # sets the CSRF cookie for the posts that follow
    return client


def api_post(client: Client, body: dict[str, Any]) -> Any:
    return client.post(
        "/api/v1/care/children",
        body,
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )


@pytest.mark.parametrize("persona", ["psychologist_a", "psc_a"])
def test_the_page_and_the_api_record_the_child_at_the_same_organisation(
    world: World, care: CarePlaces, persona: str
) -> None:
    client = csrf_client(world, persona)
    page = client.get("/care/children/new/")
    assert page.status_code == 200
    offered = page.context["form"]["organisation"].value()
    token = client.cookies["csrftoken"].value

    posted = client.post(
        "/care/children/new/",
        {"organisation": offered, "sex": "girl", "class_label": "7B", "csrfmiddlewaretoken": token},
    )
    assert posted.status_code == 302
    response = api_post(client, {"sex": "boy"})
    assert response.status_code == 201, response.content

    children = list(Child.objects.order_by("pk"))
    assert len(children) == 2
    if persona == "psychologist_a":  # a school's pupil: the school is the child's
        assert response.json()["school"]["code"] == offered
        assert [child.school_id for child in children] == [world.a.school.pk] * 2
    else:  # a PSC's client: no school is told (2.3.8)
        assert response.json()["school"] is None
        clients = CareClient.objects.filter(organisation=world.a.psc, child__in=children)
        assert clients.count() == 2
    assert offered == (world.a.school if persona == "psychologist_a" else world.a.psc).code


def test_who_is_no_psychologist_records_no_child_on_the_page_or_the_api(
    world: World, care: CarePlaces
) -> None:
    client = csrf_client(world, "police_a")
    assert client.get("/care/children/new/").status_code == 404
    response = api_post(client, {"organisation": world.a.police.code, "sex": "boy"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "organisation", "message": "You do not work at this organisation."}
    ]
    assert not Child.objects.exists()


def test_another_schools_psychologist_cannot_record_a_pupil_of_school_a(
    world: World, care: CarePlaces
) -> None:
    client = csrf_client(world, "psychologist_b")
    response = api_post(client, {"organisation": world.a.school.code})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "organisation"
    posted = client.post(
        "/care/children/new/",
        {
            "organisation": world.a.school.code,
            "sex": "unknown",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert posted.status_code == 422
    assert posted.context["form"].errors["organisation"] == [
        "You do not work at this organisation."
    ]
    assert not Child.objects.exists()


def test_a_birth_date_in_the_future_is_refused_naming_the_field(
    world: World, care: CarePlaces
) -> None:
    client = csrf_client(world, "psychologist_a")
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = api_post(client, {"birth_date": tomorrow})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "birth_date", "message": "The birth date cannot be in the future."}
    ]
    posted = client.post(
        "/care/children/new/",
        {
            "organisation": world.a.school.code,
            "birth_date": tomorrow,
            "sex": "unknown",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert posted.status_code == 422
    assert posted.context["form"].errors["birth_date"] == [
        "The birth date cannot be in the future."
    ]
    assert not Child.objects.exists()
