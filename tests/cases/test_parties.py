"""The child and legal representatives of a case (qamqor.cases.parties)."""

from __future__ import annotations

import pytest
from django import forms

from qamqor.accounts import access
from qamqor.audit.models import AuditEvent
from qamqor.cases import parties
from qamqor.cases.models import Case, CaseEvent, Child
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.notify.models import Notification
from qamqor.protocols import notices
from qamqor.protocols import services as protocol_services
from qamqor.protocols.models import RepresentativeNotice
from tests.factories import World, register_case


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("8 701 123 45 67", "+77011234567"),
        ("+7 (701) 123-45-67", "+77011234567"),
        ("7011234567", "+77011234567"),
        ("8 727 250 00 00", "+77272500000"),  # an Almaty landline
        ("+44 20 7946 0958", "+442079460958"),  # a parent working abroad
        ("  ", ""),
    ],
)
def test_phone_numbers_are_read_as_kazakhstan_numbers_and_stored_in_e164(
    typed: str, stored: str
) -> None:
    assert parties.normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "phone me", "+7 000 000 00 00"])
def test_invalid_phone_numbers_are_refused(typed: str) -> None:
    with pytest.raises(forms.ValidationError):
        parties.normalise_phone(typed)


def test_the_child_form_refuses_a_future_or_adult_birth_date() -> None:
    assert not parties.ChildForm(data={"sex": "boy", "birth_date": "2099-01-01"}).is_valid()
    assert not parties.ChildForm(data={"sex": "boy", "birth_date": "1990-01-01"}).is_valid()
    assert parties.ChildForm(data={"sex": "boy", "birth_date": "2014-01-01"}).is_valid()


def test_attaching_a_new_child_is_pseudonymous_and_audited(world: World) -> None:
    case = register_case(world)
    child = parties.attach_child(case=case, actor=world.coordinator_a, data={"sex": "girl"})
    case.refresh_from_db()
    assert case.child == child
    assert child.region == case.region and child.school == case.school
    assert child.full_name == "" and str(child) == child.code
    event = AuditEvent.objects.get(action="case.child.attach")
    assert event.changes == {"child": child.code, "created": True, "named": False}
    with pytest.raises(Conflict):
        parties.attach_child(case=case, actor=world.coordinator_a, data={"sex": "girl"})


def test_only_those_acting_on_the_case_record_its_parties(world: World) -> None:
    case = register_case(world)
    rows = Case.objects.filter(pk=case.pk)
    for allowed in ("coordinator_a", "psychologist_a", "psc_a", "police_a", "regional_a"):
        user = getattr(world, allowed)
        assert access.permits(user, "edit_parties", case), allowed
        assert rows.restrict(user, "edit_parties").exists(), allowed  # the rule agrees
    for refused in ("coordinator_b", "regional_b", "monitor", "guardianship_a"):
        user = getattr(world, refused)
        assert not access.permits(user, "edit_parties", case), refused
        assert not rows.restrict(user, "edit_parties").exists(), refused
    with pytest.raises(NotAllowed):
        parties.attach_child(case=case, actor=world.coordinator_b, data={})


def test_a_representative_needs_the_child_first(world: World) -> None:
    case = register_case(world)
    with pytest.raises(Conflict):
        parties.add_legal_representative(
            case=case,
            actor=world.coordinator_a,
            data={"full_name": "A", "relationship": "mother"},
        )


def test_marking_the_alleged_perpetrator_cancels_their_pending_emails(world: World) -> None:
    case = register_case(world)
    parties.attach_child(case=case, actor=world.coordinator_a, data={})
    case.refresh_from_db()
    father = parties.add_legal_representative(
        case=case,
        actor=world.coordinator_a,
        data={
            "full_name": "Bolat",
            "relationship": "father",
            "email": "father@test.qamqor.invalid",
        },
    )
    # the bullying protocol invites the parents once the conversation is arranged; the
    # teacher-violence protocol drafts its notice as soon as it starts, and it goes once
    # the school has reviewed it
    protocol_services.reclassify(
        case=case,
        actor=world.coordinator_a,
        classification={"perpetrator_relationship": "teacher_school_official"},
        reason="A teacher.",
    )
    draft = RepresentativeNotice.objects.get(case=case, status="draft")
    notices.confirm(notice=draft, actor=world.coordinator_a)
    pending = Notification.objects.to_address(father.email).filter(status="pending")
    assert pending.count() == 1

    data = {
        "full_name": "Bolat",
        "relationship": "father",
        "email": father.email,
        "is_alleged_perpetrator": True,
    }
    parties.update_legal_representative(
        case=case, actor=world.coordinator_a, representative=father, data=data
    )
    assert not pending.exists()
    assert set(Notification.objects.to_address(father.email).values_list("status", flat=True)) == {
        "cancelled"
    }
    withheld = CaseEvent.objects.filter(
        kind="notification_withheld", payload__has_key="cancelled"
    ).last()
    assert withheld is not None
    assert withheld.payload["reason"] == "alleged_perpetrator"
    assert withheld.payload["cancelled"] == 1
    audit = AuditEvent.objects.get(action="case.representative.update")
    assert audit.changes["after"]["is_alleged_perpetrator"] is True
    assert "father@" not in str(audit.changes)  # contact details stay out of the audit log


def test_an_existing_child_must_be_visible_to_the_actor(world: World) -> None:
    case = register_case(world)
    other = Child.objects.create(code="CH-ZZZZ-2222", region=world.b.region)
    with pytest.raises(InvalidInput):
        parties.attach_child(
            case=case, actor=world.coordinator_a, data={"existing_code": other.code}
        )
