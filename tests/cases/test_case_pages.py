"""The case list and the case page through Django's test client: filters, completing
steps with and without htmx, closing, and who may close."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from qamqor.accounts.models import Role
from qamqor.audit.models import AuditEvent
from qamqor.protocols.models import Step
from tests.cases.forms import step_post
from tests.place import Place, build_place, english_client, member, new_case, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def place() -> Place:
    return build_place()


@pytest.fixture
def client() -> Client:
    """A visitor whose browser asks for English (the source language of the texts)."""
    return english_client()


def test_case_list_with_filters(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    bullying = new_case(place, coordinator, forms=["bullying"])
    physical = new_case(place, coordinator, forms=["physical"])
    client = signed_in(coordinator)
    html = client.get(reverse("case-list")).content.decode()
    assert bullying.number in html and physical.number in html
    html = client.get(reverse("case-list"), {"form": "physical"}).content.decode()
    assert physical.number in html and bullying.number not in html
    html = client.get(reverse("case-list"), {"status": "closed"}).content.decode()
    assert bullying.number not in html
    assert client.get(reverse("case-list"), {"status": "bogus"}).status_code == 200


def test_case_detail_shows_steps_and_completes_one_without_javascript(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    case = new_case(place, coordinator)
    client = signed_in(coordinator)
    url = reverse("case-detail", args=[case.number])

    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="steps"' in html
    assert "Contact school-75-1" in html
    complete = reverse("case-step-complete", args=[case.number, "school_log"])
    assert f'action="{complete}"' in html
    assert f'hx-post="{complete}"' in html
    # the PSC's step is not the school's to complete
    assert reverse("case-step-complete", args=[case.number, "psc_support"]) not in html
    assert AuditEvent.objects.filter(action="case.read", object_id=case.number).exists()

    # the structured form: one field per output field, prefixed by the step
    assert 'name="step-school_log-log_entry_number"' in html
    assert 'name="step-school_log-head_informed_on"' in html
    assert 'type="date"' in html

    step = case.steps.get(key="school_log")
    response = client.post(complete, step_post(step, log_entry_number="Entry 12/2026"))
    assert response.status_code == 302
    assert response["Location"] == url + "#step-school_log"
    step.refresh_from_db()
    assert step.status == Step.Status.DONE
    assert step.output["log_entry_number"] == "Entry 12/2026"
    html = client.get(url).content.decode()
    assert "Entry 12/2026" in html
    assert "Log entry number" in html or "log entry" in html.lower()


def test_step_completion_with_htmx_returns_the_partial(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    case = new_case(place, coordinator)
    client = signed_in(coordinator)
    complete = reverse("case-step-complete", args=[case.number, "school_log"])
    step = case.steps.get(key="school_log")

    blank = step_post(step, log_entry_number="  ")
    response = client.post(complete, blank, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="steps"')
    assert "<html" not in html
    assert 'aria-invalid="true"' in html
    assert "This field is required." in html

    bad_date = step_post(step, head_informed_on="yesterday")
    response = client.post(complete, bad_date, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()

    response = client.post(
        complete, step_post(step, log_entry_number="Entry 7"), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="case-status" hx-swap-oob="true"' in html
    assert "Entry 7" in html
    assert response["X-Qamqor-Swap-Errors"] == "1"

    response = client.post(complete, step_post(step, "Again"), HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "already done" in response.content.decode()


def test_completing_a_waiting_step_is_a_conflict_not_a_500(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    case = new_case(place, coordinator)
    url = reverse("case-step-complete", args=[case.number, "school_conversation"])
    step = case.steps.get(key="school_conversation")
    response = signed_in(coordinator).post(url, step_post(step, "Talked"))
    assert response.status_code == 409
    assert "waits for an earlier step" in response.content.decode()


def test_closing_a_case(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    clients = {
        place.school.pk: signed_in(coordinator),
        place.psc.pk: signed_in(member("psc", place.psc, Role.PSC_PSYCHOLOGIST)),
        place.police.pk: signed_in(member("police", place.police, Role.POLICE_INSPECTOR)),
        place.education.pk: signed_in(
            member("regional", place.education, Role.REGIONAL_COORDINATOR)
        ),
    }
    case = new_case(place, coordinator)
    client = clients[place.school.pk]
    close = reverse("case-close", args=[case.number])

    response = client.post(close, {"outcome": "rights_restored"})
    assert response.status_code == 409
    assert "Steps are not done yet" in response.content.decode()

    # every step, as it opens, through the page by its accountable organisation
    for _round in range(10):
        open_steps = list(
            case.steps.filter(status=Step.Status.OPEN).select_related("run__protocol")
        )
        if not open_steps:
            break
        for step in open_steps:
            url = reverse("case-step-complete", args=[case.number, step.key])
            response = clients[step.organisation_id].post(url, step_post(step, f"{step.key} ok"))
            assert response.status_code == 302, (step.key, response.content.decode()[:500])
    assert set(case.steps.values_list("status", flat=True)) == {"done", "skipped"}

    response = client.post(close, {"outcome": "rights_restored", "note": "Bullying stopped."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.is_closed
    html = client.get(reverse("case-detail", args=[case.number])).content.decode()
    assert "Bullying stopped." in html
    assert f'action="{close}"' not in html


def test_psc_user_cannot_close(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    psc_user = member("psc", place.psc, Role.PSC_PSYCHOLOGIST)
    case = new_case(place, coordinator)
    client = signed_in(psc_user)
    html = client.get(reverse("case-detail", args=[case.number])).content.decode()
    assert reverse("case-close", args=[case.number]) not in html
    assert reverse("case-step-complete", args=[case.number, "psc_support"]) in html
    response = client.post(reverse("case-close", args=[case.number]), {"outcome": "other"})
    assert response.status_code == 403
