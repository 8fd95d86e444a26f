"""Order No. 506 deadlines counted from the moment the order names (docs/domain-kz.md).

The school's conversation is due 1 working day after the school RECEIVES the
information (p. 9), whenever the log step before it is done; the head is told within 1
day (p. 8); the education authority is told at registration, registers within 1 working
day and decides within 2 working days (p. 10). A case that started on an earlier
version keeps that version's rule.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from qamqor.cases import services as case_services
from qamqor.cases.models import Case
from qamqor.intake.models import Report
from qamqor.protocols import definitions
from qamqor.protocols.models import ProtocolVersion, Step
from qamqor.protocols.outputs import sample_output
from qamqor.protocols.services import complete_step, received_at, sync_versions
from qamqor.protocols.workdays import ALMATY
from tests.factories import CLASSIFICATION, World, submit_report

# The school receives the report on Friday afternoon; it is registered on Monday.
RECEIVED = datetime(2026, 11, 27, 15, 0, tzinfo=ALMATY)  # Friday
REGISTERED = datetime(2026, 11, 30, 10, 0, tzinfo=ALMATY)  # Monday


def end_of(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, tzinfo=ALMATY)


def registered_case(
    world: World,
    received: datetime = RECEIVED,
    registered: datetime = REGISTERED,
    **classification: object,
) -> Case:
    report = submit_report(world.a.school)
    Report.objects.filter(pk=report.pk).update(received_at=received)
    report.refresh_from_db()
    with time_machine.travel(registered, tick=False):
        return case_services.register_case(
            report=report,
            actor=world.coordinator_a,
            classification={**CLASSIFICATION, **classification},
        )


def steps_of(case: Case) -> dict[str, Step]:
    return {
        s.key: s
        for s in Step.objects.filter(case=case).select_related("run__protocol", "organisation")
    }


def complete_at(world: World, step: Step, moment: datetime, actor: object = None) -> None:
    with time_machine.travel(moment, tick=False):
        complete_step(
            step=step,
            actor=actor or world.coordinator_a,  # type: ignore[arg-type]
            output=sample_output(step.spec, "Done"),
        )


def test_the_conversation_is_due_one_working_day_after_the_school_received_the_information(
    world: World,
) -> None:
    case = registered_case(world)
    assert case.protocol_runs.get().protocol.version == 4  # v3 and the 6-month review
    assert received_at(case) == RECEIVED
    steps = steps_of(case)
    # p. 8: the head within 1 day (24 hours) of receipt, not of registration
    assert steps["school_log"].due_at == RECEIVED + timedelta(hours=24)
    # p. 9: the legal representatives are told before the conversation they take part in
    assert steps["legal_representatives_notice"].due_at == end_of(2026, 11, 30)
    assert steps["school_conversation"].status == Step.Status.WAITING

    # the log is done on Tuesday: the conversation opens then, but was due on Monday
    complete_at(world, steps["school_log"], datetime(2026, 12, 1, 9, 0, tzinfo=ALMATY))
    conversation = Step.objects.get(pk=steps["school_conversation"].pk)
    assert conversation.status == Step.Status.OPEN
    assert conversation.opened_at == datetime(2026, 12, 1, 9, 0, tzinfo=ALMATY)
    assert conversation.due_at == end_of(2026, 11, 30)  # Monday: 1 working day after Friday
    assert conversation.is_overdue(datetime(2026, 12, 1, 9, 1, tzinfo=ALMATY))

    # the report to the head is 1 working day after the conversation (p. 9), from its opening
    complete_at(world, conversation, datetime(2026, 12, 1, 12, 0, tzinfo=ALMATY))
    report_to_head = Step.objects.get(case=case, key="school_report_to_head")
    assert report_to_head.due_at == end_of(2026, 12, 2)


def test_the_education_authority_registers_in_one_working_day_and_decides_in_two(
    world: World,
) -> None:
    case = registered_case(world)
    steps = steps_of(case)
    registration = steps["education_registration"]
    assert registration.status == Step.Status.OPEN  # told at the case's registration
    assert registration.organisation == world.a.education
    assert registration.opened_at == REGISTERED
    assert registration.due_at == end_of(2026, 12, 1)
    assert steps["education_decision"].status == Step.Status.WAITING
    assert "school_report_to_head" not in steps["education_decision"].spec.after

    # registered late, on Wednesday: the decision is still due 2 working days after the
    # information reached the authority, not 2 after its own registration
    complete_at(
        world, registration, datetime(2026, 12, 2, 11, 0, tzinfo=ALMATY), actor=world.regional_a
    )
    decision = Step.objects.get(pk=steps["education_decision"].pk)
    assert decision.status == Step.Status.OPEN
    assert decision.due_at == end_of(2026, 12, 2)


def test_a_weekend_and_independence_day_are_not_working_days_for_the_conversation(
    world: World,
) -> None:
    case = registered_case(
        world,
        received=datetime(2026, 12, 15, 17, 0, tzinfo=ALMATY),  # Tuesday; 16 December off
        registered=datetime(2026, 12, 15, 18, 0, tzinfo=ALMATY),
    )
    steps = steps_of(case)
    assert steps["legal_representatives_notice"].due_at == end_of(2026, 12, 17)
    assert steps["education_decision"].spec.deadline.working_days == 2
    complete_at(world, steps["school_log"], datetime(2026, 12, 15, 19, 0, tzinfo=ALMATY))
    conversation = Step.objects.get(pk=steps["school_conversation"].pk)
    assert conversation.due_at == end_of(2026, 12, 17)


def test_the_suicide_risk_protocol_counts_the_bullying_log_from_receipt(world: World) -> None:
    case = registered_case(
        world, self_harm_risk=True, forms=["bullying"], setting="school", risk_level="high"
    )
    run = case.protocol_runs.get()
    assert (run.protocol.code, run.protocol.version) == ("suicide_risk", 2)
    assert steps_of(case)["school_log"].due_at == RECEIVED + timedelta(hours=24)


def test_a_case_opened_without_a_report_counts_from_its_registration(world: World) -> None:
    child = case_services.create_child(region=world.a.region, school=world.a.school)
    with time_machine.travel(REGISTERED, tick=False):
        case = case_services.open_alert_case(
            child=child, actor=world.psychologist_a, summary="ASQ acute positive (synthetic)."
        )
    assert received_at(case) == REGISTERED


def test_a_running_case_keeps_the_deadline_rule_of_its_version(world: World) -> None:
    sync_versions()
    ProtocolVersion.objects.filter(code="bullying_outside_family").update(published_at=None)
    ProtocolVersion.objects.filter(code="bullying_outside_family", version=2).update(
        published_at=REGISTERED
    )
    case = registered_case(world)
    assert case.protocol_runs.get().protocol.version == 2
    steps = steps_of(case)
    assert steps["school_log"].due_at == end_of(2026, 12, 1)  # v2: 1 working day from opening
    complete_at(world, steps["school_log"], datetime(2026, 12, 1, 9, 0, tzinfo=ALMATY))
    conversation = Step.objects.get(pk=steps["school_conversation"].pk)
    assert conversation.due_at == end_of(2026, 12, 2)  # v2: from the log, as it started


@pytest.mark.parametrize("anchor", ["opened", "received", "registered"])
def test_a_deadline_names_what_it_counts_from(anchor: str) -> None:
    deadline = definitions.Deadline.model_validate({"working_days": 1, "from": anchor})
    moments = {
        "opened_at": datetime(2026, 12, 3, 9, 0, tzinfo=ALMATY),
        "received_at": datetime(2026, 12, 1, 9, 0, tzinfo=ALMATY),
        "registered_at": datetime(2026, 12, 2, 9, 0, tzinfo=ALMATY),
    }
    assert deadline.starts_at(**moments) == moments[f"{anchor}_at"]
    assert definitions.Deadline.model_validate({"hours": 2}).from_ == "opened"
