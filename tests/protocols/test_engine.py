"""The protocol engine: definitions, deadlines, routing, dependencies, escalation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from pydantic import ValidationError

from qamqor.cases.models import Case, CaseEvent
from qamqor.directory.models import Organisation
from qamqor.errors import InvalidInput, NotAllowed
from qamqor.notify.models import Notification
from qamqor.protocols import definitions
from qamqor.protocols.models import ProtocolVersion, Step
from qamqor.protocols.outputs import sample_output
from qamqor.protocols.services import complete_step, publish
from qamqor.protocols.sweeps import escalate_overdue, reminder_lead, send_reminders
from qamqor.protocols.workdays import ALMATY, add_working_days, is_working_day
from tests.factories import World, complete_open_steps, register_case

SHIPPED = {
    "bullying_outside_family",
    "domestic_violence",
    "teacher_violence",
    "suicide_risk",
    "sexual_violence",
}


def test_shipped_definitions_validate() -> None:
    loaded = definitions.load_all()
    assert {code for code, _version in loaded} == SHIPPED
    for item in loaded.values():
        for step in item.spec.steps:
            assert step.title.kk and step.title.ru and step.title.en
            assert step.basis
            for field in step.output.fields:
                assert field.label.kk and field.label.ru and field.label.en


def test_a_broken_file_is_reported_with_file_step_and_reason() -> None:
    import copy

    raw = copy.deepcopy(definitions.latest("bullying_outside_family").raw)
    raw["steps"][3]["deadline"] = {"working_days": 1, "hours": 2}
    with pytest.raises(definitions.DefinitionError) as error:
        definitions.parse(raw, name="bullying_outside_family.v9.json")
    message = str(error.value)
    assert "bullying_outside_family.v9.json" in message
    assert f"step {raw['steps'][3]['key']!r}" in message
    assert "either working_days or hours" in message


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (lambda d: d["steps"][1].update(after=["nope"]), "not earlier steps"),
        (lambda d: d["steps"][0]["output"]["fields"][0].update(kind="choice"), "needs choices"),
        (lambda d: d.update(never_notify=["legal_representatives"]), "never notifies"),
        (lambda d: d["steps"][0]["deadline"].update(working_days=1), "either working_days or"),
        (lambda d: d["steps"][0]["deadline"].update({"from": "sent"}), "opened"),
        (lambda d: d["steps"][0].update(accountable="friend"), "accountable"),
        (lambda d: d["steps"][0]["title"].pop("kk"), "kk"),
        (lambda d: d["steps"].append(dict(d["steps"][0])), "unique"),
    ],
)
def test_invalid_definitions_are_refused(mutation, message: str) -> None:
    import copy

    raw = copy.deepcopy(definitions.latest("bullying_outside_family").raw)
    raw["steps"][1]["after"] = []
    mutation(raw)
    with pytest.raises(ValidationError, match=message):
        definitions.ProtocolSpec.model_validate(raw)


def test_working_days_skip_weekends_and_kazakhstan_holidays() -> None:
    # Friday 20 March 2026; 21-22 weekend, 23-25 March Nauryz holidays
    start = datetime(2026, 3, 20, 10, 0, tzinfo=ALMATY)
    assert add_working_days(start, 1) == datetime(2026, 3, 26, 23, 59, 59, tzinfo=ALMATY)
    assert not is_working_day(date(2026, 12, 16))  # Independence Day
    assert is_working_day(date(2026, 12, 15))


def test_registration_opens_steps_without_predecessors_and_skips_unneeded(world: World) -> None:
    case = register_case(world)
    steps = {s.key: s for s in case.steps.select_related("organisation")}
    assert steps["school_log"].status == Step.Status.OPEN
    assert steps["psc_support"].status == Step.Status.OPEN
    assert steps["school_conversation"].status == Step.Status.WAITING
    assert steps["school_conversation"].due_at is None
    assert steps["emergency_response"].status == Step.Status.SKIPPED  # not in danger now
    assert steps["school_log"].organisation == world.a.school
    assert steps["psc_support"].organisation == world.a.psc
    assert steps["police_127_2"].organisation == world.a.police
    assert steps["psc_support"].contact_person is not None
    assert case.protocol_runs.get().protocol.code == "bullying_outside_family"


def test_in_danger_now_opens_the_police_duty_step_in_hours(world: World) -> None:
    case = register_case(world, in_danger_now=True, risk_level="immediate")
    step = case.steps.get(key="emergency_response")
    assert step.status == Step.Status.OPEN
    assert step.organisation == world.a.police_duty
    assert step.due_at - step.opened_at == timedelta(hours=1)  # type: ignore[operator]


def test_completing_a_step_opens_the_next_with_its_own_deadline(world: World) -> None:
    case = register_case(world)
    step = case.steps.get(key="school_log")
    complete_step(
        step=step,
        actor=world.coordinator_a,
        output={"log_entry_number": "17", "head_informed_on": "2026-11-30"},
    )
    conversation = case.steps.get(key="school_conversation")
    assert conversation.status == Step.Status.OPEN
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS
    with time_machine.travel(datetime(2026, 11, 30, 6, 0, tzinfo=UTC)):  # Monday
        complete_step(
            step=conversation,
            actor=world.coordinator_a,
            output=sample_output(conversation.spec, "Held"),
        )
    following = case.steps.get(key="school_report_to_head")  # 1 working day after it opens
    assert following.status == Step.Status.OPEN
    assert following.due_at == datetime(2026, 12, 1, 23, 59, 59, tzinfo=ALMATY)


def test_structured_output_is_validated_field_by_field(world: World) -> None:
    case = register_case(world)
    step = case.steps.get(key="school_log")
    with pytest.raises(InvalidInput) as error:
        complete_step(
            step=step,
            actor=world.coordinator_a,
            output={"log_entry_number": "", "head_informed_on": "yesterday", "extra": "x"},
        )
    fields = {problem.field for problem in error.value.errors}
    assert fields == {"output.log_entry_number", "output.head_informed_on"}
    step.refresh_from_db()
    assert step.status == Step.Status.OPEN


def test_case_keeps_its_protocol_version(world: World) -> None:
    from qamqor.protocols.services import published_version, sync_versions

    sync_versions()
    old = ProtocolVersion.objects.get(code="bullying_outside_family", version=1)
    ProtocolVersion.objects.filter(code="bullying_outside_family").update(published_at=None)
    ProtocolVersion.objects.filter(pk=old.pk).update(published_at="2026-01-01T00:00:00Z")
    first = register_case(world)
    assert first.protocol_runs.get().protocol == old
    assert set(first.steps.values_list("key", flat=True)) == {
        "school_log",
        "school_conversation",
        "psc_support",
        "school_report_to_head",
    }
    publish(code="bullying_outside_family", version=2, actor=world.national)
    assert published_version("bullying_outside_family").version == 2
    second = register_case(world)
    assert second.protocol_runs.get().protocol.version == 2
    first.refresh_from_db()
    assert first.protocol_runs.get().protocol == old  # running cases keep theirs
    complete_open_steps(world, first)
    assert set(first.steps.values_list("status", flat=True)) == {"done"}


def test_only_the_national_coordinator_publishes(world: World) -> None:
    from qamqor.protocols.services import sync_versions

    sync_versions()
    with pytest.raises(NotAllowed):
        publish(code="bullying_outside_family", version=1, actor=world.regional_a)


def test_a_changed_file_for_a_stored_version_is_refused(world: World) -> None:
    from qamqor.protocols.services import sync_versions

    sync_versions()
    ProtocolVersion.objects.filter(code="suicide_risk").update(checksum="0" * 64)
    with pytest.raises(definitions.DefinitionError, match="new version number"):
        sync_versions()


def test_no_psc_in_the_region_is_an_error_at_registration(world: World) -> None:
    Organisation.objects.filter(pk=world.a.psc.pk).update(kind="clinic")
    with pytest.raises(InvalidInput, match="KZ-75"):
        register_case(world)
    assert Case.objects.count() == 0


def test_overdue_step_escalates_to_the_region_then_to_the_nation(world: World) -> None:
    case = register_case(world)
    step = case.steps.get(key="psc_support")
    due = step.due_at
    assert due is not None
    Step.objects.filter(case=case).exclude(pk=step.pk).update(status=Step.Status.DONE)
    assert escalate_overdue(now=due - timedelta(minutes=1)) == 0
    assert escalate_overdue(now=due + timedelta(minutes=1)) == 1
    assert escalate_overdue(now=due + timedelta(minutes=2)) == 0  # once per level
    step.refresh_from_db()
    assert step.escalation_level == 1
    to_region = Notification.objects.filter(template="step_overdue", channel="in_app")
    assert {n.recipient for n in to_region} == {world.regional_a}
    national_after = timedelta(hours=step.run.protocol.spec.escalation.national_after_hours)
    assert escalate_overdue(now=due + national_after - timedelta(minutes=1)) == 0
    assert escalate_overdue(now=due + national_after + timedelta(minutes=1)) == 1
    assert escalate_overdue(now=due + national_after + timedelta(hours=48)) == 0
    step.refresh_from_db()
    assert step.escalation_level == 2
    recipients = {
        n.recipient for n in Notification.objects.filter(template="step_overdue", channel="in_app")
    }
    assert recipients == {world.regional_a, world.national}
    levels = [e.payload["level"] for e in case.events.filter(kind=CaseEvent.Kind.STEP_ESCALATED)]
    assert levels == [1, 2]


def test_reminder_before_the_deadline_once(world: World) -> None:
    case = register_case(world)
    step = case.steps.get(key="psc_support")
    Step.objects.filter(case=case).exclude(pk=step.pk).update(status=Step.Status.DONE)
    due = step.due_at
    assert due is not None
    lead = reminder_lead(step)
    assert timedelta(hours=1) <= lead <= timedelta(hours=24)
    assert send_reminders(now=due - lead - timedelta(minutes=1)) == 0
    assert send_reminders(now=due - lead + timedelta(minutes=1)) == 1
    assert send_reminders(now=due - timedelta(minutes=1)) == 0
    reminders = Notification.objects.filter(template="step_reminder", channel="in_app")
    assert {n.recipient for n in reminders} == {world.psc_a}
    assert case.events.filter(kind=CaseEvent.Kind.STEP_REMINDED).count() == 1


def test_notifications_are_rendered_in_the_recipients_language(world: World) -> None:
    world.psc_a.preferred_language = "en"
    world.psc_a.save()
    case = register_case(world)
    note = Notification.objects.get(
        template="step_assigned", recipient=world.psc_a, channel="in_app"
    )
    assert case.number in note.subject
    assert "psychological" in note.body
    assert "&#x27;" not in note.body and "&amp;" not in note.body  # plain text, not HTML
