"""Legal representatives per case and the notices the protocol sends them (brief 1.3.5):
alleged perpetrator and "do not contact" on the case link, notices by email and SMS,
review before sending, catch-up when a child or a representative is recorded later."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection

from qamqor.cases import parties
from qamqor.cases.models import Case, CaseEvent, CaseRepresentative, LegalRepresentative
from qamqor.classification import Relationship
from qamqor.errors import InvalidInput, NotAllowed
from qamqor.notify import sms
from qamqor.notify.models import Notification
from qamqor.ops.fields import TOKEN_PREFIX
from qamqor.protocols import definitions, notices
from qamqor.protocols import services as protocol_services
from qamqor.protocols.definitions import DefinitionError
from qamqor.protocols.models import RepresentativeNotice, Step
from qamqor.protocols.outputs import sample_output
from tests.factories import World, register_case

MOTHER = {
    "full_name": "Aigerim Mother",
    "relationship": "mother",
    "email": "mother@test.qamqor.invalid",
    "phone": "+77011234567",
    "language": "kk",
}
FATHER = {
    "full_name": "Bolat Father",
    "relationship": "father",
    "email": "father@test.qamqor.invalid",
    "phone": "+77017654321",
    "language": "ru",
}


def family(world: World, case: Case, **father: Any) -> tuple[LegalRepresentative, ...]:
    parties.attach_child(case=case, actor=world.coordinator_a, data={"sex": "girl"})
    case.refresh_from_db()
    mother = parties.add_legal_representative(case=case, actor=world.coordinator_a, data=MOTHER)
    dad = parties.add_legal_representative(
        case=case, actor=world.coordinator_a, data={**FATHER, **father}
    )
    return mother, dad


def arrange_conversation(world: World, case: Case) -> RepresentativeNotice:
    step = Step.objects.get(case=case, key="legal_representatives_notice", run__ended_at=None)
    output = {
        **sample_output(step.spec, "x"),
        "conversation_on": "2026-12-07",
        "conversation_time": "15:00",
        "conversation_place": "Room 12",
    }
    protocol_services.complete_step(step=step, actor=world.coordinator_a, output=output)
    return RepresentativeNotice.objects.get(step=step)


def to(address: str) -> list[Notification]:
    return list(Notification.objects.to_address(address).order_by("pk"))


# --- the notice: review, channels, texts --------------------------------------------------


def test_the_invitation_waits_for_review_then_goes_by_email_and_sms(world: World) -> None:
    case = register_case(world)
    mother, father = family(world, case)
    draft = arrange_conversation(world, case)
    assert draft.status == RepresentativeNotice.Status.DRAFT and draft.review
    assert "07.12.2026" in draft.texts["kk"]["body"] and "Room 12" in draft.texts["ru"]["sms"]
    assert to(mother.email) == [] and to(mother.phone) == []  # not before review
    asked = Notification.objects.get(
        template="representative_notice_review", recipient=world.coordinator_a, channel="in_app"
    )
    assert asked.link == f"/cases/{case.number}/notices/"

    notices.confirm(notice=draft, actor=world.coordinator_a)
    # both channels, each in the person's language: email with the full text, a short SMS
    [email] = to(mother.email)
    [text] = to(mother.phone)
    assert (email.channel, text.channel) == ("email", "sms")
    assert email.language == text.language == "kk"
    assert email.body == draft.texts["kk"]["body"]
    assert text.body == draft.texts["kk"]["sms"]
    assert {n.channel for n in to(father.email) + to(father.phone)} == {"email", "sms"}
    # each person once, however often the catch-up runs
    assert protocol_services.notify_legal_representatives_of(case) == 0


def test_staff_correct_the_text_before_it_goes(world: World) -> None:
    case = register_case(world)
    mother, _father = family(world, case)
    draft = arrange_conversation(world, case)
    too_long = "қ" * (sms.PART_LIMIT * sms.MAX_PARTS + 1)
    with pytest.raises(InvalidInput) as refused:
        notices.confirm(notice=draft, actor=world.coordinator_a, texts={"kk": {"sms": too_long}})
    assert refused.value.errors[0].field == "texts.kk.sms"
    draft.refresh_from_db()
    assert (
        draft.status == "draft"
        and not Notification.objects.filter(case=case)
        .filter(template="bullying_conversation_invitation")
        .exists()
    )

    short = "Мектеп: 07.12 сағ. 15:00 әңгімеге шақырамыз, 12-кабинет."
    notices.confirm(notice=draft, actor=world.coordinator_a, texts={"kk": {"sms": short}})
    draft.refresh_from_db()
    assert draft.edited and draft.confirmed_by == world.coordinator_a
    assert to(mother.phone)[0].body == short


def test_only_the_steps_organisation_reviews_and_a_cancellation_needs_a_reason(
    world: World,
) -> None:
    case = register_case(world)
    family(world, case)
    draft = arrange_conversation(world, case)
    for outsider in (world.psc_a, world.coordinator_b):
        with pytest.raises(NotAllowed):
            notices.confirm(notice=draft, actor=outsider)
    with pytest.raises(InvalidInput) as refused:
        notices.cancel(notice=draft, actor=world.coordinator_a, reason="  ")
    assert refused.value.errors[0].field == "reason"
    notices.cancel(notice=draft, actor=world.coordinator_a, reason="Told in person.")
    draft.refresh_from_db()
    assert draft.status == "cancelled"
    assert not Notification.objects.filter(template="bullying_conversation_invitation").exists()
    event = case.events.filter(kind=CaseEvent.Kind.NOTIFICATION_WITHHELD).last()
    assert event is not None and event.payload["reason"] == "cancelled_by_staff"


def test_kk_and_ru_sms_texts_fit_in_two_parts(world: World) -> None:
    """A school's long name included: the templates are designed short."""
    school = world.a.school
    school.name_kk = "№ 127 жалпы білім беретін мектеп-гимназиясы"
    school.name_ru = "Общеобразовательная школа-гимназия № 127"
    school.save()
    case = register_case(world)
    family(world, case)
    draft = arrange_conversation(world, case)
    for language in ("kk", "ru"):
        assert len(sms.split_text(draft.texts[language]["sms"])) <= 2, language


# --- who is never told ----------------------------------------------------------------------


def test_the_alleged_perpetrator_is_recorded_per_case_not_on_the_child(world: World) -> None:
    first = register_case(world)
    mother, father = family(world, first, is_alleged_perpetrator=True)
    second = register_case(world)
    parties.attach_child(
        case=second,
        actor=world.coordinator_a,
        data={"existing_code": first.child.code},  # type: ignore[union-attr]
    )
    second.refresh_from_db()

    notices.confirm(notice=arrange_conversation(world, first), actor=world.coordinator_a)
    notices.confirm(notice=arrange_conversation(world, second), actor=world.coordinator_a)
    # in the first case the father is the alleged perpetrator: never told; in the second
    # (an unrelated incident) he is a parent like any other
    assert {n.case_id for n in to(father.email)} == {second.pk}
    assert {n.case_id for n in to(father.phone)} == {second.pk}
    assert {n.case_id for n in to(mother.email)} == {first.pk, second.pk}
    assert parties.case_parties(first).alleged_perpetrators == [father]
    assert parties.case_parties(second).alleged_perpetrators == []
    withheld = first.events.filter(
        kind=CaseEvent.Kind.NOTIFICATION_WITHHELD, payload__reason="alleged_perpetrator"
    )
    assert withheld.count() == 1


def test_do_not_contact_needs_a_reason_withholds_and_cancels_what_waits(world: World) -> None:
    form = parties.LegalRepresentativeForm(data={**FATHER, "do_not_contact": "on"})
    assert not form.is_valid()
    assert "do_not_contact_reason" in form.errors

    case = register_case(world)
    mother, father = family(world, case)
    notices.confirm(notice=arrange_conversation(world, case), actor=world.coordinator_a)
    waiting = Notification.objects.to_address(father.email, father.phone).filter(status="pending")
    assert waiting.count() == 2
    with pytest.raises(InvalidInput) as refused:
        parties.update_legal_representative(
            case=case,
            actor=world.coordinator_a,
            representative=father,
            data={**FATHER, "do_not_contact": True, "do_not_contact_reason": ""},
        )
    assert refused.value.errors[0].field == "do_not_contact_reason"
    assert waiting.count() == 2  # nothing changed

    parties.update_legal_representative(
        case=case,
        actor=world.coordinator_a,
        representative=father,
        data={
            **FATHER,
            "do_not_contact": True,
            "do_not_contact_reason": "Covers for the older brother, who is the initiator.",
        },
    )
    assert not waiting.exists()
    assert {n.status for n in to(father.email) + to(father.phone)} == {"cancelled"}
    link = CaseRepresentative.objects.get(case=case, representative=father)
    assert link.do_not_contact and not link.is_alleged_perpetrator
    assert link.do_not_contact_reason.startswith("Covers for")
    with connection.cursor() as cursor:  # the reason may name family matters: encrypted
        cursor.execute(
            "SELECT do_not_contact_reason FROM cases_caserepresentative WHERE id = %s", [link.pk]
        )
        raw = cursor.fetchone()[0]
    assert raw.startswith(TOKEN_PREFIX) and "Covers" not in raw
    event = case.events.filter(payload__reason="do_not_contact").first()
    assert event is not None and event.payload["cancelled"] == 2
    assert {n.status for n in to(mother.email)} == {"pending"}  # the mother is still told

    # the mark lifted: the notice already due reaches him after all (once more, not twice)
    parties.update_legal_representative(
        case=case, actor=world.coordinator_a, representative=father, data=FATHER
    )
    assert CaseRepresentative.objects.get(pk=link.pk).may_be_notified
    assert waiting.count() == 2
    protocol_services.notify_legal_representatives_of(case)
    assert waiting.count() == 2


def test_new_relationships_are_offered_and_the_old_values_kept() -> None:
    values = set(Relationship.values)
    assert {"mother", "father", "guardian", "other"} <= values  # stored rows stay valid
    assert {"stepparent", "grandparent", "foster_parent", "other_relative"} <= values
    for value in ("stepparent", "grandparent", "foster_parent", "other_relative"):
        form = parties.LegalRepresentativeForm(
            data={"full_name": "A", "relationship": value, "language": "ru"}
        )
        assert form.is_valid(), (value, form.errors)


# --- recorded later -------------------------------------------------------------------------


def test_attaching_a_known_child_sends_the_notices_already_due(world: World) -> None:
    earlier = register_case(world)
    mother, _father = family(world, earlier)
    # a teacher case: its protocol drafts a notice as soon as it starts, and the school
    # confirms it before any child is recorded on it
    case = register_case(world, perpetrator_relationship="teacher_school_official")
    notices.confirm(
        notice=RepresentativeNotice.objects.get(case=case, status="draft"),
        actor=world.coordinator_a,
    )
    assert to(mother.email) == []
    assert case.events.filter(payload__reason="none_recorded").exists()
    parties.attach_child(
        case=case,
        actor=world.coordinator_a,
        data={"existing_code": earlier.child.code},  # type: ignore[union-attr]
    )
    assert [n.case_id for n in to(mother.email)] == [case.pk]
    assert [n.channel for n in to(mother.phone)] == ["sms"]


def test_a_representative_with_only_a_phone_gets_an_sms(world: World) -> None:
    case = register_case(world)
    parties.attach_child(case=case, actor=world.coordinator_a, data={})
    case.refresh_from_db()
    grandmother = parties.add_legal_representative(
        case=case,
        actor=world.coordinator_a,
        data={
            "full_name": "Gulnar Grandmother",
            "relationship": "grandparent",
            "phone": "+77051112233",
            "language": "ru",
        },
    )
    notices.confirm(notice=arrange_conversation(world, case), actor=world.coordinator_a)
    [text] = to(grandmother.phone)
    assert text.channel == "sms" and text.status == "pending"


# --- the definition schema ------------------------------------------------------------------


def _with_notice(notice: dict[str, Any], *, code: str = "bullying_outside_family") -> dict:
    raw = json.loads(json.dumps(definitions.latest(code).raw))
    step = next(s for s in raw["steps"] if s["key"] == "school_log")
    step["representative_notice"] = notice
    return raw


@pytest.mark.parametrize(
    ("notice", "reason"),
    [
        ({"template": "no_such_template"}, "has no subject text"),
        ({"template": "legal_representative_notice", "outputs": ["nope"]}, "unknown outputs"),
        (
            {
                "template": "legal_representative_notice",
                "trigger": "step_opened",
                "outputs": ["log_entry_number"],
            },
            "sent on completion",
        ),
        ({"template": "legal_representative_notice", "review": "maybe"}, "review"),
    ],
)
def test_a_wrong_representative_notice_is_refused_at_load(
    notice: dict[str, Any], reason: str
) -> None:
    with pytest.raises(DefinitionError) as error:
        definitions.parse(_with_notice(notice), name="test.json")
    assert reason in str(error.value)
    assert "school_log" in str(error.value)


def test_a_protocol_that_never_notifies_cannot_carry_a_representative_notice() -> None:
    raw = json.loads(json.dumps(definitions.latest("domestic_violence").raw))
    raw["steps"][0]["representative_notice"] = {"template": "legal_representative_notice"}
    with pytest.raises(DefinitionError) as error:
        definitions.parse(raw, name="domestic.json")
    assert "never notifies" in str(error.value)


def test_a_representative_marked_do_not_contact_is_never_sent_a_notice(world: World) -> None:
    case = register_case(world)
    mother, father = family(
        world, case, do_not_contact=True, do_not_contact_reason="Covers for the initiator."
    )
    notices.confirm(notice=arrange_conversation(world, case), actor=world.coordinator_a)
    assert to(father.email) == [] and to(father.phone) == []
    assert {n.channel for n in to(mother.email) + to(mother.phone)} == {"email", "sms"}
    withheld = case.events.get(payload__reason="do_not_contact")
    assert withheld.payload["representative"] == str(father.pk)
