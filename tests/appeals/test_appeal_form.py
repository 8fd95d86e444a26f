"""An anonymous appeal's region is read once (``appeals.forms.appeal_arguments``): the page
and the API keep a known region and refuse an unknown one naming the field, storing
nothing."""

from __future__ import annotations

from typing import Any

from django.test import Client

from qamqor.appeals.models import Appeal
from tests.factories import CarePlaces, World

TEXT = "The director makes me run the chess club and substitute maths teachers weekly."


def csrf_client(world: World) -> Client:
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(world.psychologist_a)
    assert client.get("/care/appeals/new/").status_code == 200  # sets the CSRF cookie
    return client


def both(client: Client, region: str) -> tuple[Any, Any]:
    token = client.cookies["csrftoken"].value
    fields = {"category": "workload", "text": TEXT, "region": region}
    api = client.post(
        "/api/v1/care/appeals",
        fields,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    page = client.post("/care/appeals/new/", {**fields, "csrfmiddlewaretoken": token})
    return api, page


def test_an_unknown_region_is_refused_on_the_page_and_the_api(
    world: World, care: CarePlaces
) -> None:
    api, page = both(csrf_client(world), "KZ-XXX")
    assert api.status_code == page.status_code == 422
    assert api.json()["errors"] == [{"field": "region", "message": "No region has this code."}]
    assert page.context["form"].errors["region"] == ["No region has this code."]
    assert not Appeal.objects.exists()


def test_a_known_region_is_kept_by_the_page_and_the_api(world: World, care: CarePlaces) -> None:
    code = world.a.region.code
    api, page = both(csrf_client(world), code.lower())
    assert api.status_code == 201 and page.status_code == 200
    assert "followup_code" in api.json() and page.context["code"].startswith("AP-")
    assert list(Appeal.objects.values_list("region__code", flat=True)) == [code, code]
