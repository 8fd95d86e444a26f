"""Reads of lists of personal data are audited: one event per list served, naming every
object in it (docs/security.md), on the API and on the pages; outsiders' lists hold nothing of
the other region and their events name nothing of it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from qamqor.audit.models import AuditEvent
from qamqor.care import services as care_services
from qamqor.intake import services as intake_services
from tests.factories import CarePlaces, World, refer_to_psc, register_case

pytestmark = pytest.mark.django_db

REPORT = {
    "narrative": "Older pupils take my phone and laugh at me in the class chat.",
    "forms": ["bullying"],
    "setting": "school",
    "reporter_role": "child",
    "reporter_contact": "+7 701 000 0000",
}


def signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def list_events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def test_the_api_report_list_names_every_report_it_returns(world: World) -> None:
    reports = [
        intake_services.submit_report(school=world.a.school, data={**REPORT}).report
        for _ in range(3)
    ]
    response = signed_in(world.coordinator_a).get("/api/v1/reports?limit=2")
    assert response.status_code == 200
    returned = [item["id"] for item in response.json()["items"]]
    assert len(returned) == 2
    [event] = list_events("report.list")
    assert event.actor_id == world.coordinator_a.pk
    assert event.changes["ids"] == returned
    assert event.changes["total"] == 3
    assert set(returned) <= {str(r.public_id) for r in reports}


def test_an_outsiders_list_names_nothing_of_the_other_region(world: World) -> None:
    intake_services.submit_report(school=world.a.school, data={**REPORT})
    response = signed_in(world.coordinator_b).get("/api/v1/reports")
    assert response.json()["items"] == []
    assert list_events("report.list") == []  # an empty list shows nobody


def test_the_api_case_list_is_audited(world: World) -> None:
    case = register_case(world)
    assert signed_in(world.regional_a).get("/api/v1/cases").status_code == 200
    [event] = list_events("case.list")
    assert event.changes["ids"] == [case.number]
    assert signed_in(world.regional_b).get("/api/v1/cases").json()["items"] == []
    assert len(list_events("case.list")) == 1


@pytest.mark.parametrize(
    ("path", "action"), [("/reports/", "report.list"), ("/cases/", "case.list")]
)
def test_the_list_pages_are_audited(world: World, path: str, action: str) -> None:
    if action == "case.list":
        expected = [register_case(world).number]
    else:
        report = intake_services.submit_report(school=world.a.school, data={**REPORT}).report
        expected = [str(report.public_id)]
    assert signed_in(world.coordinator_a).get(path).status_code == 200
    [event] = list_events(action)
    assert event.changes["ids"] == expected


def test_the_consultations_list_is_audited(world: World, care: CarePlaces) -> None:
    referral = refer_to_psc(world)
    care_services.record_crisis_basis(
        actor=world.psc_a,
        child=referral.child,
        organisation=world.a.psc,
        ground="self_harm",
        justification="Cuts on the arm seen by the nurse today; parents abroad.",
    )
    consultation = care_services.record_consultation(
        actor=world.psc_a,
        organisation=world.a.psc,
        child=referral.child,
        format="online",
        topic="crisis",
        held_at=timezone.now(),
        duration_minutes=40,
        next_appointment_at=timezone.now() + timedelta(days=3),
    )
    response = signed_in(world.psc_a).get("/api/v1/care/consultations")
    assert response.status_code == 200
    [event] = list_events("consultation.list")
    assert event.changes["ids"] == [str(consultation.public_id)]
    assert signed_in(world.psc_b).get("/api/v1/care/consultations").json()["items"] == []


def test_the_referral_list_is_audited(world: World, care: CarePlaces) -> None:
    referral = refer_to_psc(world)
    assert signed_in(world.psc_a).get("/api/v1/referrals").status_code == 200
    assert signed_in(world.psc_a).get("/referrals/").status_code == 200
    events = list_events("referral.list")
    assert [e.changes["ids"] for e in events] == [[str(referral.public_id)]] * 2


def test_one_event_per_list_not_per_object(world: World) -> None:
    for _ in range(5):
        intake_services.submit_report(school=world.a.school, data={**REPORT})
    before = AuditEvent.objects.count()
    signed_in(world.coordinator_a).get("/api/v1/reports")
    assert AuditEvent.objects.count() == before + 1
