"""Who sees what in psychological support, persona by persona (pages and API).

- confidential consultation notes: the psychologist and their supervisor (the PSC head)
  only; a colleague sees the consultation without them; a school psychologist does not
  even see the PSC's consultations;
- every page and endpoint with a child's data answers 404 to outsiders;
- an appeal's author is visible to nobody, and nobody at their organisation sees it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from qamqor.audit.models import AuditEvent
from qamqor.care import services
from qamqor.care.models import Appeal, Consultation
from qamqor.notify.models import Notification
from qamqor.protocols.workdays import ALMATY
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
    assert client_for(world, "regional_b").get("/api/v1/care/crisis-bases").json()["items"] == []
    assert client_for(world, "psc_b").get("/api/v1/care/crisis-bases").json()["items"] == []


# --- anonymous appeals ---------------------------------------------------------------------------

APPEAL_TEXT = "The director makes me run the chess club and substitute maths teachers weekly."


def submit(world: World, persona: str = "psychologist_a", **extra: Any) -> dict[str, Any]:
    response = client_for(world, persona).post(
        "/api/v1/care/appeals",
        {"category": "non_specialist_duties", "text": APPEAL_TEXT, **extra},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def release() -> None:
    services.release_appeals(timezone.now().replace(hour=12) + timezone.timedelta(days=1))


AT_THE_AUTHORS_ORGANISATION = [
    "coordinator_a",
    "psychologist_a",
    "regional_a",
    "psc_head_a",
    "psc_a",
    "psychologist_a2",
    "monitor",
]


@pytest.mark.parametrize("persona", AT_THE_AUTHORS_ORGANISATION)
def test_an_appeal_is_invisible_at_the_authors_organisation(
    world: World, care: CarePlaces, persona: str
) -> None:
    submit(world, region="KZ-75", organisation_kind="school")
    release()
    appeal = Appeal.objects.get()
    client = client_for(world, persona)
    assert client.get("/api/v1/care/appeals").json()["items"] == []
    assert client.get(f"/api/v1/care/appeals/{appeal.pk}").status_code == 404
    assert client.get("/care/appeals/").status_code == 404
    assert client.get(f"/care/appeals/{appeal.pk}/").status_code == 404
    assert not Notification.objects.filter(
        template="care_appeal_digest", recipient=getattr(world, persona)
    ).exists()


def test_the_coordinating_body_reads_it_without_any_trace_of_the_author(
    world: World, care: CarePlaces
) -> None:
    sent = submit(world, region="KZ-75")
    assert set(sent) == {"followup_code", "week"}  # no identifier to correlate
    author = world.psychologist_a
    national = client_for(world, "national")
    assert national.get("/api/v1/care/appeals").json()["items"] == []  # not before release
    release()
    items = national.get("/api/v1/care/appeals").json()["items"]
    assert len(items) == 1
    item = items[0]
    assert set(item) == {
        "id",
        "category",
        "text",
        "region",
        "organisation_kind",
        "week",
        "status",
        "response",
    }
    assert item["week"] == services.week_start(services.local_today()).isoformat()
    dumped = json.dumps(items) + national.get(f"/care/appeals/{item['id']}/").content.decode()
    for trace in (author.username, str(author.pk), world.a.school.code, world.a.school.name):
        assert trace not in dumped.replace(item["id"], "")
    # The model has nowhere to put an author or an exact time.
    fields = {f.name for f in Appeal._meta.get_fields()}
    assert not fields & {"user", "author", "created_at", "submitted_at", "organisation"}
    # Its audit event has no actor, no address, no request id, no appeal id.
    event = AuditEvent.objects.get(action="appeal.submit")
    assert (event.actor_id, event.ip_address, event.request_id, event.object_id) == (
        None,
        None,
        "",
        "*",
    )
    assert not AuditEvent.objects.filter(actor_id=author.pk, action__startswith="appeal").exists()
    # The coordinating body hears of it once a day, as a count.
    digest = Notification.objects.get(template="care_appeal_digest", channel="in_app")
    assert digest.recipient == world.national and "1" in digest.subject
    assert APPEAL_TEXT not in digest.body


def test_appeals_are_released_once_a_day(world: World, care: CarePlaces) -> None:
    submit(world)
    morning = timezone.now().astimezone(ALMATY).replace(hour=7) + timezone.timedelta(days=1)
    assert services.release_appeals(morning) == 0  # before the release hour
    assert services.release_appeals(morning.replace(hour=10)) == 1
    submit(world, persona="psc_a")
    assert services.release_appeals(morning.replace(hour=15)) == 0  # today's is done
    assert services.release_appeals(morning.replace(hour=10) + timezone.timedelta(days=1)) == 1


def test_the_author_reads_the_answer_with_the_code(world: World, care: CarePlaces) -> None:
    code = submit(world)["followup_code"]
    release()
    appeal = Appeal.objects.get()
    national = client_for(world, "national")
    answered = national.post(
        f"/api/v1/care/appeals/{appeal.pk}/answer",
        {"status": "answered", "response": "We have asked the department to stop this."},
        content_type="application/json",
    )
    assert answered.status_code == 200
    author = client_for(world, "psychologist_a")
    status = author.post(
        "/api/v1/care/appeals/follow-up", {"code": code.lower()}, content_type="application/json"
    ).json()
    assert status == {
        "status": "answered",
        "response": "We have asked the department to stop this.",
        "week": appeal.week.isoformat(),
    }
    wrong = author.post(
        "/api/v1/care/appeals/follow-up", {"code": "AP-XXXX"}, content_type="application/json"
    )
    assert wrong.status_code == 404


def test_only_specialists_appeal_and_only_by_session(world: World, care: CarePlaces) -> None:
    response = client_for(world, "coordinator_a").post(
        "/api/v1/care/appeals",
        {"category": "pressure", "text": APPEAL_TEXT},
        content_type="application/json",
    )
    assert response.status_code == 403
    from qamqor.accounts.models import ApiToken

    _token, raw = ApiToken.issue(world.psychologist_a, "integration")
    by_token = Client().post(
        "/api/v1/care/appeals",
        {"category": "pressure", "text": APPEAL_TEXT},
        content_type="application/json",
        headers={"authorization": f"Bearer {raw}"},
    )
    assert by_token.status_code == 401
    assert not Appeal.objects.exists()


def test_the_appeal_page_keeps_nothing_in_the_session(world: World, care: CarePlaces) -> None:
    client = client_for(world, "psychologist_a")
    form = client.get("/care/appeals/new/")
    token = form.context["token"]
    before = dict(client.session.items())
    data = {"category": "pressure", "text": APPEAL_TEXT, "idempotency_token": token}
    sent = client.post("/care/appeals/new/", data)
    assert sent.status_code == 200 and sent.context["code"].startswith("AP-")
    again = client.post("/care/appeals/new/", data)  # a double click
    assert again.context["code"] == sent.context["code"]
    assert Appeal.objects.count() == 1
    assert dict(client.session.items()) == before
    assert "Set-Cookie" not in str(sent.cookies.get("messages", ""))
