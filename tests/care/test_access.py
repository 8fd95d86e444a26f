"""Who sees what in psychological support, persona by persona (pages and API).

- confidential consultation notes: the psychologist and their supervisor (the PSC head)
  only; a colleague sees the consultation without them; a school psychologist does not
  even see the PSC's consultations;
- every page and endpoint with a child's data answers 404 to outsiders.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from qamqor.audit.models import AuditEvent
from qamqor.care import services
from qamqor.care.models import Consultation
from qamqor.notify.models import Notification
from tests.factories import CarePlaces, World, record_parent_consent, refer_to_psc

NOTES = "Talks about the stepfather; fears going home. CONFIDENTIAL-MARKER"


def client_for(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(getattr(world, persona))
    return client


@pytest.fixture
def psc_session(world: World, care: CarePlaces) -> Consultation:
    """A PSC consultation with confidential notes, for a child the school referred."""
    referral = refer_to_psc(world)
    record_parent_consent(world, referral.child, world.a.psc, world.psc_a)
    return services.record_consultation(
        actor=world.psc_a,
        organisation=world.a.psc,
        child=referral.child,
        format="in_person",
        topic="first meeting",
        held_at=timezone.now(),
        duration_minutes=50,
        notes=NOTES,
        next_steps="Weekly sessions.",
    )


# --- confidential notes -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["psc_a", "psc_head_a"])
def test_the_psychologist_and_their_supervisor_read_the_notes(
    world: World, psc_session: Consultation, persona: str
) -> None:
    client = client_for(world, persona)
    code = psc_session.child.code  # type: ignore[union-attr]
    api = client.get(f"/api/v1/care/consultations/{psc_session.public_id}").json()
    assert api["notes"] == NOTES
    assert NOTES in client.get(f"/care/consultations/{psc_session.public_id}/").content.decode()
    assert NOTES in client.get(f"/care/children/{code}/").content.decode()
    listed = client.get("/api/v1/care/consultations").json()["items"]
    assert [item["notes"] for item in listed] == [NOTES]


def test_a_colleague_sees_the_consultation_but_not_the_notes(
    world: World, psc_session: Consultation
) -> None:
    client = client_for(world, "psc_a2")
    api = client.get(f"/api/v1/care/consultations/{psc_session.public_id}").json()
    assert api["topic"] == "first meeting" and api["notes"] is None
    response = client.get(f"/care/consultations/{psc_session.public_id}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "first meeting" in page and "Weekly sessions." in page
    assert "CONFIDENTIAL-MARKER" not in page
    listed = client.get("/api/v1/care/consultations").json()
    assert [(item["topic"], item["notes"]) for item in listed["items"]] == [("first meeting", None)]
    assert "CONFIDENTIAL-MARKER" not in json.dumps(listed)


def test_the_head_reads_the_notes_of_the_branch_staff(
    world: World, care: CarePlaces, psc_session: Consultation
) -> None:
    child = psc_session.child
    branch = services.record_consultation(
        actor=world.psc_branch_a,
        organisation=care.branch_a,
        child=child,
        format="online",
        topic="branch session",
        held_at=timezone.now(),
        duration_minutes=40,
        notes="BRANCH-NOTES",
    )
    head = client_for(world, "psc_head_a").get(f"/api/v1/care/consultations/{branch.public_id}")
    assert head.json()["notes"] == "BRANCH-NOTES"
    # the branch psychologist is not the supervisor of the PSC's own staff
    other = client_for(world, "psc_branch_a").get(
        f"/api/v1/care/consultations/{psc_session.public_id}"
    )
    assert other.status_code == 404


def test_a_school_psychologist_cannot_read_psc_consultation_notes(
    world: World, psc_session: Consultation
) -> None:
    client = client_for(world, "psychologist_a")  # the referring school's own psychologist
    code = psc_session.child.code  # type: ignore[union-attr]
    assert client.get(f"/api/v1/care/consultations/{psc_session.public_id}").status_code == 404
    assert client.get(f"/care/consultations/{psc_session.public_id}/").status_code == 404
    page = client.get(f"/care/children/{code}/")
    assert page.status_code == 200  # their pupil, but not the PSC's record
    assert "CONFIDENTIAL-MARKER" not in page.content.decode()
    assert "first meeting" not in page.content.decode()
    child = client.get(f"/api/v1/care/children/{code}").json()
    assert child["consultations"] == []
    listed = client.get("/api/v1/care/consultations")
    assert listed.status_code == 200 and listed.json()["items"] == []
    assert "CONFIDENTIAL-MARKER" not in json.dumps(listed.json())


@pytest.mark.parametrize("persona", ["regional_a", "national", "coordinator_a", "monitor"])
def test_coordinators_never_read_consultations(
    world: World, psc_session: Consultation, persona: str
) -> None:
    client = client_for(world, persona)
    assert client.get(f"/api/v1/care/consultations/{psc_session.public_id}").status_code == 404
    assert client.get("/api/v1/care/consultations").json()["items"] == []


def test_notes_never_reach_the_audit_log_or_notifications(
    world: World, psc_session: Consultation
) -> None:
    psc_session.refresh_from_db()
    assert psc_session.notes == NOTES  # stored, and the recording itself is audited:
    assert AuditEvent.objects.filter(
        action="consultation.record",
        object_id=psc_session.child.code,  # type: ignore[union-attr]
    ).exists()
    assert not [
        e for e in AuditEvent.objects.all() if "CONFIDENTIAL-MARKER" in json.dumps(e.changes)
    ]
    bodies = [n.subject + n.body for n in Notification.objects.all()]  # decrypted
    assert not [text for text in bodies if "CONFIDENTIAL-MARKER" in text]


# --- outsiders get 404 -------------------------------------------------------------------------

OUTSIDERS = [
    "psc_b",
    "psc_head_b",
    "psychologist_b",
    "psychologist_a2",
    "coordinator_a2",
    "regional_b",
    "monitor",
    "police_a",
    "operator",
    "health_a",
]


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_404_on_every_care_page_and_endpoint(
    world: World, psc_session: Consultation, persona: str
) -> None:
    child = psc_session.child
    assert child is not None
    basis_child = services.register_child(actor=world.psc_a, organisation=world.a.psc)
    basis = services.record_crisis_basis(
        actor=world.psc_a,
        child=basis_child,
        organisation=world.a.psc,
        ground="self_harm",
        justification="Fresh cuts on both arms; the father is the suspected abuser.",
    )
    consent = child.consents.get()
    client = client_for(world, persona)
    gets = [
        f"/care/children/{child.code}/",
        f"/api/v1/care/children/{child.code}",
        f"/care/consultations/{psc_session.public_id}/",
        f"/api/v1/care/consultations/{psc_session.public_id}",
        f"/care/children/{basis_child.code}/",
        f"/care/consents/{consent.public_id}/document/",
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        f"/care/consents/{consent.public_id}/withdraw/",
        f"/care/crisis/{basis.public_id}/close/",
        f"/care/children/{child.code}/consultations/",
        f"/care/children/{child.code}/consents/",
        f"/care/children/{child.code}/crisis/",
        f"/care/children/{child.code}/shares/",
    ]
    for url in posts:
        assert client.post(url, {}).status_code == 404, url
    api_posts = [
        f"/api/v1/care/consents/{consent.public_id}/withdraw",
        f"/api/v1/care/crisis-bases/{basis.public_id}/close",
        f"/api/v1/care/children/{child.code}/crisis-bases",
        f"/api/v1/care/children/{child.code}/shares",
    ]
    for url in api_posts:
        body = {
            "ground": "suicide_risk",
            "justification": "x" * 30,
            "to_organisation": "x",
            "basis": "override",
        }
        assert client.post(url, body, content_type="application/json").status_code == 404, url
    crisis = client.get("/api/v1/care/crisis-bases")
    assert crisis.status_code == 200 and crisis.json()["items"] == []
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_the_regional_coordinator_oversees_crisis_exceptions_of_the_region(
    world: World, care: CarePlaces
) -> None:
    child = services.register_child(actor=world.psc_a, organisation=world.a.psc)
    services.record_crisis_basis(
        actor=world.psc_a,
        child=child,
        organisation=world.a.psc,
        ground="violence_by_representative",
        justification="Bruises; says her father beats her; mother not reachable.",
    )
    items = client_for(world, "regional_a").get("/api/v1/care/crisis-bases").json()["items"]
    assert [item["ground"] for item in items] == ["violence_by_representative"]
    assert (
        "mother not reachable"
        in client_for(world, "regional_a").get("/care/crisis/").content.decode()
    )
    # The page's list read is audited once, naming the basis; the API's, once per page.
    listed = AuditEvent.objects.filter(action="crisis_basis.list", actor_id=world.regional_a.pk)
    assert listed.count() == 2
    assert all(len(event.changes["ids"]) == 1 for event in listed)
    assert client_for(world, "regional_b").get("/api/v1/care/crisis-bases").json()["items"] == []
    assert client_for(world, "psc_b").get("/api/v1/care/crisis-bases").json()["items"] == []
