"""The work log is saved for the organisation ``care.forms.care_organisation`` names, on the
page and through the API alike: the school or PSC where the user works as a psychologist,
never another one, and never silently a different one."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client

from qamqor.care import services
from qamqor.care.models import WorkWeek
from tests.factories import CarePlaces, World

LAST_MONDAY = services.week_start(services.local_today()) - timedelta(days=7)


def csrf_client(world: World, persona: str) -> Client:
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(getattr(world, persona))
    assert client.get("/care/worklog/").status_code == 200  # sets the CSRF cookie
    return client


def test_a_week_for_an_organisation_one_does_not_work_at_is_refused_on_page_and_api(
    world: World, care: CarePlaces
) -> None:
    client = csrf_client(world, "psychologist_a")
    token = client.cookies["csrftoken"].value
    page = client.post(
        "/care/worklog/",
        {
            "organisation": world.b.school.code,
            "week": LAST_MONDAY.isoformat(),
            "consultation": "6",
            "csrfmiddlewaretoken": token,
        },
    )
    api = client.put(
        f"/api/v1/care/work-log/{LAST_MONDAY.isoformat()}",
        {"organisation": world.b.school.code, "hours": {"consultation": "6"}},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert page.status_code == api.status_code == 422
    assert page.context["form"].errors["organisation"] == ["You do not work at this organisation."]
    assert api.json()["errors"] == [
        {"field": "organisation", "message": "You do not work at this organisation."}
    ]
    assert not WorkWeek.objects.exists()


def test_the_page_and_the_api_save_the_week_for_the_psychologists_school(
    world: World, care: CarePlaces
) -> None:
    client = csrf_client(world, "psychologist_a")
    token = client.cookies["csrftoken"].value
    page = client.post(
        "/care/worklog/",
        {
            "organisation": world.a.school.code,
            "week": LAST_MONDAY.isoformat(),
            "consultation": "6",
            "csrfmiddlewaretoken": token,
        },
    )
    assert page.status_code == 302
    api = client.put(
        f"/api/v1/care/work-log/{(LAST_MONDAY - timedelta(days=7)).isoformat()}",
        {"hours": {"consultation": "4,5"}},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert api.status_code == 200, api.content
    assert api.json()["organisation"] == world.a.school.code
    weeks = WorkWeek.objects.order_by("week_start").values_list("organisation__code", flat=True)
    assert list(weeks) == [world.a.school.code, world.a.school.code]
