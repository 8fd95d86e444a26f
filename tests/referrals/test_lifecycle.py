"""The referral lifecycle (brief 1.3.1): send → accept or decline before the deadline →
complete with feedback to the referrer; PSC → healthcare with the same lifecycle;
deadlines by urgency; overdue referrals escalated once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from qamqor.audit.models import AuditEvent
from qamqor.care import services as care_services
from qamqor.care.models import ChildShare
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.notify.models import Notification
from qamqor.protocols.workdays import ALMATY
from qamqor.referrals import services
from qamqor.referrals.models import Referral, ReferralEvent
from qamqor.worker import run_sweeps
from tests.factories import CarePlaces, World, record_parent_consent, refer_to_psc

FEEDBACK = "Five sessions held; she is stable now. Please watch for absences and tell us."


def client_for(world: World, persona: str) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(getattr(world, persona))
    return client


def in_app(user: Any, template: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, template=template, channel="in_app"))


def test_school_to_psc_from_sending_to_feedback(world: World, care: CarePlaces) -> None:
    referral = refer_to_psc(world)
    assert referral.kind == "school_to_psc" and referral.status == "sent"
    assert referral.share is not None and referral.share.basis == "legal_basis"
    assert referral.child.school == world.a.school  # a new pupil of the referring school
    # The PSC's staff are told, not the school's or anyone else.
    told = {n.recipient for n in Notification.objects.filter(template="referral_received")}
    assert {world.psc_a, world.psc_a2, world.psc_head_a} <= told
    assert world.psychologist_a not in told and world.psc_b not in told
    body = Notification.objects.filter(template="referral_received").first()
    assert body is not None and "Aigerim" not in body.body and referral.reference in body.subject

    with pytest.raises(NotAllowed):
        services.accept_referral(actor=world.psychologist_a, referral=referral)
    with pytest.raises(Conflict):
        services.complete_referral(actor=world.psc_a, referral=referral, feedback=FEEDBACK)
    services.accept_referral(actor=world.psc_head_a, referral=referral, assigned_to=world.psc_a)
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.assigned_to == world.psc_a
    assert in_app(world.psychologist_a, "referral_accepted")
    with pytest.raises(Conflict):
        services.accept_referral(actor=world.psc_a, referral=referral)

    with pytest.raises(InvalidInput) as long:
        services.complete_referral(actor=world.psc_a, referral=referral, feedback="x" * 1001)
    assert long.value.errors[0].field == "feedback"
    services.complete_referral(actor=world.psc_a, referral=referral, feedback=FEEDBACK)
    referral.refresh_from_db()
    assert referral.status == "completed" and referral.feedback == FEEDBACK
    # The referrer is told that feedback is there; the note itself stays in Qamqor.
    notes = in_app(world.psychologist_a, "referral_completed")
    assert notes and FEEDBACK not in notes[0].body
    page = client_for(world, "psychologist_a").get(f"/referrals/{referral.public_id}/")
    assert FEEDBACK in page.content.decode()
    kinds = list(ReferralEvent.objects.filter(referral=referral).values_list("kind", flat=True))
    assert kinds == ["sent", "accepted", "completed"]
    actions = set(
        AuditEvent.objects.filter(object_id=str(referral.public_id)).values_list(
            "action", flat=True
        )
    )
    assert {"referral.send", "referral.accept", "referral.complete", "referral.read"} <= actions


def test_declining_needs_a_reason_tells_the_referrer_and_ends_the_sharing(
    world: World, care: CarePlaces
) -> None:
    referral = refer_to_psc(world)
    with pytest.raises(InvalidInput) as bare:
        services.decline_referral(actor=world.psc_a, referral=referral, reason="no")
    assert bare.value.errors[0].field == "reason"
    services.decline_referral(
        actor=world.psc_a, referral=referral, reason="Outside our remit: needs a psychiatrist."
    )
    assert in_app(world.psychologist_a, "referral_declined")
    assert not ChildShare.objects.active().filter(pk=referral.share_id).exists()
    assert client_for(world, "psc_a").get(f"/referrals/{referral.public_id}/").status_code == 404
    school = client_for(world, "psychologist_a").get(f"/api/v1/referrals/{referral.public_id}")
    assert school.json()["status"] == "declined"
    assert school.json()["decline_reason"] == "Outside our remit: needs a psychiatrist."


def test_the_referrer_cancels(world: World, care: CarePlaces) -> None:
    referral = refer_to_psc(world)
    with pytest.raises(NotAllowed):
        services.cancel_referral(actor=world.psc_a, referral=referral, reason="not ours")
    services.cancel_referral(actor=world.psychologist_a, referral=referral, reason="Moved away")
    assert in_app(world.psc_a, "referral_cancelled")
    with pytest.raises(Conflict):
        services.cancel_referral(actor=world.psychologist_a, referral=referral, reason="again")


def test_psc_to_healthcare_has_the_same_lifecycle(world: World, care: CarePlaces) -> None:
    first = refer_to_psc(world)
    services.accept_referral(actor=world.psc_a, referral=first)
    child = first.child
    with pytest.raises(InvalidInput):  # no consent names the clinic yet
        services.send_referral(
            actor=world.psc_a,
            from_organisation=world.a.psc,
            to_organisation=care.clinic_a,
            child=child,
            concern="suicide_risk",
            urgency="urgent",
            share_basis="consent",
            reason="Needs a psychiatric assessment: persistent suicidal ideation.",
        )
    record_parent_consent(
        world, child, world.a.psc, world.psc_a, covers_sharing=True, share_with=[care.clinic_a]
    )
    referral = services.send_referral(
        actor=world.psc_a,
        from_organisation=world.a.psc,
        to_organisation=care.clinic_a,
        child=child,
        concern="suicide_risk",
        urgency="urgent",
        share_basis="consent",
        reason="Needs a psychiatric assessment: persistent suicidal ideation.",
    )
    assert referral.kind == "psc_to_health" and referral.share.basis == "consent"  # type: ignore[union-attr]
    health = client_for(world, "health_a")
    assert health.get(f"/api/v1/referrals/{referral.public_id}").status_code == 200
    assert health.get(f"/care/children/{child.code}/").status_code == 200
    accepted = health.post(
        f"/api/v1/referrals/{referral.public_id}/accept", {}, content_type="application/json"
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    done = health.post(
        f"/api/v1/referrals/{referral.public_id}/complete",
        {"feedback": "Assessed; outpatient follow-up every two weeks."},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert in_app(world.psc_a, "referral_completed")


@pytest.mark.parametrize(
    ("to", "field"), [("school2", "to_organisation"), ("psc_b", "to_organisation")]
)
def test_a_school_refers_only_to_a_psc_of_the_childs_region(
    world: World, care: CarePlaces, to: str, field: str
) -> None:
    target = world.a.school2 if to == "school2" else world.b.psc
    with pytest.raises(InvalidInput) as refused:
        refer_to_psc(world, to_organisation=target)
    assert refused.value.errors[0].field == field
    assert not Referral.objects.exists()


def test_deadlines_follow_the_urgency() -> None:
    friday = datetime(2026, 3, 20, 15, 0, tzinfo=ALMATY)  # Nauryz holidays follow
    assert services.respond_by("emergency", friday) == friday + timedelta(hours=4)
    urgent = services.respond_by("urgent", friday).astimezone(ALMATY)
    assert urgent.date().isoformat() == "2026-03-26"  # Mon to Wed, 23 to 25 March, are holidays
    routine = services.respond_by("routine", friday).astimezone(ALMATY)
    assert routine.date().isoformat() == "2026-03-30"


def test_an_unanswered_referral_is_escalated_once(world: World, care: CarePlaces) -> None:
    referral = refer_to_psc(world, urgency="emergency")
    later = timezone.now() + timedelta(hours=5)
    assert services.escalate_overdue_referrals(timezone.now()) == 0
    assert services.escalate_overdue_referrals(later) == 1
    assert services.escalate_overdue_referrals(later) == 0
    told = {n.recipient for n in Notification.objects.filter(template="referral_overdue")}
    assert told == {world.psc_head_a, world.regional_a}
    Referral.objects.filter(pk=referral.pk).update(escalation_level=0, respond_by=timezone.now())
    assert run_sweeps()["referrals_escalated"] == 1  # the worker runs the sweep
    list_page = client_for(world, "regional_a").get("/referrals/")
    assert referral.reference in list_page.content.decode()


def test_sending_through_the_page_and_the_api(world: World, care: CarePlaces) -> None:
    client = client_for(world, "psychologist_a")
    form = client.get("/referrals/new/")
    assert form.status_code == 200
    assert world.a.psc.code in form.content.decode() and world.b.psc.code not in (
        form.content.decode()
    )
    bad = client.post(
        "/referrals/new/",
        {
            "to_organisation": world.a.psc.code,
            "concern": "bullying",
            "urgency": "routine",
            "reason": "short",
            "share_basis": "override",
            "override_reason": "too short",
        },
    )
    assert bad.status_code == 422
    assert "reason" in bad.context["form"].errors
    api = client.post(
        "/api/v1/referrals",
        {
            "to_organisation": world.a.psc.code,
            "concern": "bullying",
            "urgency": "routine",
            "reason": "Classmates exclude and mock him daily; he stopped eating at school.",
            "actions_taken": "Talks with the class; parents informed.",
            "share_basis": "override",
            "override_reason": "too short",
        },
        content_type="application/json",
    )
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "override_reason"
    ok = client.post(
        "/api/v1/referrals",
        {
            "to_organisation": world.a.psc.code,
            "concern": "bullying",
            "urgency": "routine",
            "reason": "Classmates exclude and mock him daily; he stopped eating at school.",
            "actions_taken": "Talks with the class; parents informed.",
            "share_basis": "override",
            "override_reason": "Parents refuse any contact; the boy asks for help himself.",
            "child_name": "Test Boy",
            "child_class": "6B",
        },
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content
    body = ok.json()
    assert body["share_basis"] == "override" and body["status"] == "sent"
    # An override is reported to the coordinator.
    assert in_app(world.regional_a, "care_sharing_override")
    unknown_child = client.post(
        "/api/v1/referrals",
        {
            "to_organisation": world.a.psc.code,
            "concern": "bullying",
            "urgency": "routine",
            "reason": "Classmates exclude and mock him daily; he stopped eating at school.",
            "actions_taken": "Talks.",
            "share_basis": "legal_basis",
            "legal_ground": "duty_to_notify",
            "reference": "Order 506 p.15",
            "child": "CH-NOPE-NOPE",
        },
        content_type="application/json",
    )
    assert unknown_child.status_code == 422
    assert unknown_child.json()["errors"][0]["field"] == "child"


def test_a_child_from_another_school_cannot_be_referred(world: World, care: CarePlaces) -> None:
    other = care_services.register_child(actor=world.psychologist_b, organisation=world.b.school)
    response = client_for(world, "psychologist_a").post(
        "/api/v1/referrals",
        {
            "to_organisation": world.a.psc.code,
            "concern": "bullying",
            "urgency": "routine",
            "reason": "A child of another school that this user may not see at all.",
            "actions_taken": "none",
            "share_basis": "override",
            "override_reason": "Trying to reach a child outside my school.",
            "child": other.code,
        },
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "child"
