"""Each shipped protocol walked end to end: who is routed, who is told, who never is."""

from __future__ import annotations

from datetime import date

import pytest

from qamqor.cases import services as case_services
from qamqor.cases.models import Case, CaseEvent, CaseRepresentative, LegalRepresentative
from qamqor.notify.models import Notification
from qamqor.protocols import notices
from qamqor.protocols.models import RepresentativeNotice, Step
from qamqor.protocols.outputs import sample_output
from qamqor.protocols.services import (
    complete_step,
    notify_legal_representatives_of,
    reclassify,
)
from tests.factories import World, complete_open_steps, register_case

MOTHER = "mother@parents.qamqor.invalid"
FATHER = "father@parents.qamqor.invalid"


def with_child(world: World, case: Case, *, father_is_perpetrator: bool) -> Case:
    child = case_services.create_child(
        region=world.a.region, school=world.a.school, sex="girl", birth_date=date(2013, 5, 1)
    )
    LegalRepresentative.objects.create(
        child=child, full_name="Mother (synthetic)", relationship="mother", email=MOTHER
    )
    father = LegalRepresentative.objects.create(
        child=child, full_name="Father (synthetic)", relationship="father", email=FATHER
    )
    Case.objects.filter(pk=case.pk).update(child=child)
    if father_is_perpetrator:  # in this case, not on the child's permanent record
        CaseRepresentative.objects.create(
            case=case, representative=father, is_alleged_perpetrator=True
        )
    case.refresh_from_db()
    return case


def invite_to_the_conversation(world: World, case: Case) -> RepresentativeNotice:
    """The school arranges the Order No. 506 p.9 conversation and confirms the invitation."""
    step = case.steps.get(key="legal_representatives_notice", run__ended_at__isnull=True)
    output = {
        **sample_output(step.spec, "x"),
        "conversation_on": "2026-12-07",
        "conversation_time": "15:00",
        "conversation_place": "School No. 7, room 12",
    }
    complete_step(step=step, actor=world.coordinator_a, output=output)
    draft = RepresentativeNotice.objects.get(step=step)
    assert draft.status == RepresentativeNotice.Status.DRAFT
    return notices.confirm(notice=draft, actor=world.coordinator_a)


def protocol_of(case: Case) -> str:
    return case.protocol_runs.get(ended_at__isnull=True).protocol.code


def routed(case: Case) -> dict[str, str]:
    return {
        s.key: s.organisation.code
        for s in case.steps.exclude(status="skipped").select_related("organisation")
    }


def emails_to(address: str) -> int:
    return Notification.objects.to_address(address).count()


def test_bullying_tells_the_parents_but_never_the_alleged_perpetrator(world: World) -> None:
    case = register_case(world)
    assert protocol_of(case) == "bullying_outside_family"
    case = with_child(world, case, father_is_perpetrator=True)
    assert notify_legal_representatives_of(case) == 0  # nothing is due before the invitation
    assert emails_to(MOTHER) == emails_to(FATHER) == 0
    invite_to_the_conversation(world, case)
    assert notify_legal_representatives_of(case) == 0  # each person once
    assert emails_to(MOTHER) == 1
    assert emails_to(FATHER) == 0
    invitation = Notification.objects.to_address(MOTHER).get()
    assert invitation.template == "bullying_conversation_invitation"
    assert "07.12.2026" in invitation.body and "School No. 7, room 12" in invitation.body
    withheld = case.events.filter(kind=CaseEvent.Kind.NOTIFICATION_WITHHELD)
    assert {e.payload["reason"] for e in withheld} >= {"alleged_perpetrator"}
    done = complete_open_steps(world, case)
    assert {
        "school_log",
        "psc_support",
        "education_decision",
        "police_127_2",
        "cyber_evidence",
        "platform_report",
    } <= set(done)


def test_domestic_violence_never_notifies_legal_representatives(world: World) -> None:
    case = register_case(
        world,
        setting="family",
        perpetrator_relationship="primary_caregiver",
        forms=["physical"],
        risk_level="high",
        in_danger_now=True,
    )
    assert protocol_of(case) == "domestic_violence"
    case = with_child(world, case, father_is_perpetrator=True)
    assert notify_legal_representatives_of(case) == 0
    assert emails_to(MOTHER) == emails_to(FATHER) == 0
    steps = routed(case)
    assert steps["juvenile_police_response"] == world.a.police.code
    assert steps["guardianship_assessment"] == world.a.guardianship.code
    assert steps["emergency_response"] == world.a.police_duty.code
    assert steps["medical_examination"] == world.a.clinic.code
    # police, duty unit and guardianship are told at once, in hours
    police = case.steps.get(key="juvenile_police_response")
    assert (police.due_at - police.opened_at).total_seconds() == 2 * 3600  # type: ignore[operator]
    told = set(
        Notification.objects.filter(template="step_assigned", channel="in_app").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"police_a", "guardianship_a", "duty_a", "clinic_a", "psc_a"} <= told
    complete_open_steps(world, case)
    assert emails_to(MOTHER) == emails_to(FATHER) == 0
    assert not Notification.objects.filter(template="legal_representative_notice").exists()


def test_teacher_violence_goes_to_the_ethics_council(world: World) -> None:
    case = register_case(
        world,
        perpetrator_relationship="teacher_school_official",
        forms=["psychological_emotional"],
        repeated=False,
    )
    assert protocol_of(case) == "teacher_violence"
    steps = routed(case)
    assert steps["education_department_review"] == world.a.education.code
    assert "police_review" not in steps  # not an offence on these facts
    done = complete_open_steps(world, case)
    assert done.index("ethics_council") > done.index("education_department_review")
    council = case.steps.get(key="ethics_council")
    assert council.output  # the membership fields were recorded


def test_suicide_risk_runs_crisis_and_three_follow_ups(world: World) -> None:
    case = register_case(
        world, self_harm_risk=True, forms=["psychological_emotional"], risk_level="immediate"
    )
    assert protocol_of(case) == "suicide_risk"
    crisis = case.steps.get(key="crisis_psychologist")
    follow_ups = case.steps.filter(key__startswith="follow_up_")
    assert set(follow_ups.values_list("status", flat=True)) == {"waiting"}
    complete_step(step=crisis, actor=world.psc_a, output=sample_output(crisis.spec, "Seen"))
    hours = sorted(
        round((s.due_at - s.opened_at).total_seconds() / 3600)  # type: ignore[operator]
        for s in case.steps.filter(key__startswith="follow_up_")
    )
    assert hours == [24, 72, 720]


def test_sexual_violence_interview_needs_the_qualification_and_happens_once(
    world: World,
) -> None:
    from qamqor.errors import Conflict, InvalidInput

    case = register_case(world, forms=["sexual"], risk_level="high")
    assert protocol_of(case) == "sexual_violence"
    report = case.steps.get(key="police_report")
    complete_step(step=report, actor=world.police_a, output=sample_output(report.spec, "Filed"))
    interview = case.steps.get(key="interview")
    assert interview.status == Step.Status.OPEN
    with pytest.raises(InvalidInput) as error:  # the interviewer named lacks it (1.2.4)
        complete_step(
            step=interview,
            actor=world.police_a,
            output=sample_output(interview.spec, "Interview", staff="police_a"),
        )
    assert [p.field for p in error.value.errors] == ["output.interviewer"]
    world.police_a.interview_qualified = True
    world.police_a.save()
    complete_step(
        step=interview,
        actor=world.police_a,
        output=sample_output(interview.spec, "Interview", staff="police_a"),
    )
    with pytest.raises(Conflict):  # never repeated
        complete_step(
            step=interview,
            actor=world.police_a,
            output=sample_output(interview.spec, "Again", staff="police_a"),
        )
    assert Notification.objects.filter(
        template="step_notice", recipient__username="duty_a"
    ).exists()


def test_reclassification_to_domestic_keeps_done_steps_and_cancels_parent_notices(
    world: World,
) -> None:
    case = register_case(world)
    case = with_child(world, case, father_is_perpetrator=False)
    invite_to_the_conversation(world, case)
    assert (
        Notification.objects.filter(
            template="bullying_conversation_invitation", status="pending"
        ).count()
        == 2
    )
    log = case.steps.get(key="school_log")
    complete_step(step=log, actor=world.coordinator_a, output=sample_output(log.spec, "17"))

    reclassify(
        case=case,
        actor=world.coordinator_a,
        classification={"setting": "family", "perpetrator_relationship": "primary_caregiver"},
        reason="The child told the psychologist that her father beats her.",
    )
    assert protocol_of(case) == "domestic_violence"
    old_run = case.protocol_runs.get(ended_at__isnull=False)
    assert old_run.end_reason.startswith("The child told")
    assert set(
        old_run.steps.exclude(key__in=["school_log", "legal_representatives_notice"])
        .exclude(status="skipped")
        .values_list("status", flat=True)
    ) == {"cancelled"}
    assert old_run.steps.get(key="school_log").status == "done"  # finished steps stay
    assert (
        Notification.objects.filter(
            template="bullying_conversation_invitation", status="pending"
        ).count()
        == 0
    )
    assert (
        Notification.objects.filter(
            template="bullying_conversation_invitation", status="cancelled"
        ).count()
        == 2
    )
    event = case.events.get(kind=CaseEvent.Kind.RECLASSIFIED)
    assert event.payload["from"] == "bullying_outside_family"
    assert event.payload["to"] == "domestic_violence"
    assert case.steps.filter(
        run__ended_at__isnull=True, key="juvenile_police_response", status="open"
    ).exists()


def test_an_alert_opens_a_suicide_risk_case_at_once(world: World) -> None:
    child = case_services.create_child(region=world.a.region, school=world.a.school)
    case = case_services.open_alert_case(
        child=child, actor=world.psychologist_a, summary="ASQ acute positive (synthetic)."
    )
    assert case.number.startswith("KZ-75-")
    assert protocol_of(case) == "suicide_risk"
    assert case.child == child and case.self_harm_risk and case.risk_level == "immediate"
    assert case.steps.filter(key="immediate_safety", status="open").exists()


def test_ethics_council_must_include_the_prosecutor_and_quality_control(world: World) -> None:
    from qamqor.errors import InvalidInput

    case = register_case(
        world,
        perpetrator_relationship="teacher_school_official",
        forms=["psychological_emotional"],
        repeated=False,
    )
    review = case.steps.get(key="education_department_review")
    complete_step(step=review, actor=world.regional_a, output=sample_output(review.spec, "Seen"))
    council = case.steps.get(key="ethics_council")
    output = {**sample_output(council.spec, "Council"), "prosecutor_member": False}
    with pytest.raises(InvalidInput) as error:
        complete_step(step=council, actor=world.coordinator_a, output=output)
    assert [p.field for p in error.value.errors] == ["output.prosecutor_member"]
    complete_step(
        step=council, actor=world.coordinator_a, output=sample_output(council.spec, "Council")
    )
