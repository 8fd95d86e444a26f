"""The protocol engine: definitions, deadlines, routing, dependencies, escalation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from pydantic import ValidationError

from qamqor.cases.models import Case, CaseEvent
from qamqor.directory.models import Organisation
from qamqor.errors import InvalidInput
from qamqor.notify.models import Notification
from qamqor.protocols import definitions
from qamqor.protocols.models import ProtocolVersion, Step
from qamqor.protocols.services import complete_step, escalate_overdue
from qamqor.protocols.workdays import ALMATY, add_working_days, is_working_day
from tests.factories import World, register_case


def test_shipped_definitions_validate() -> None:
    loaded = definitions.load_all()
    assert ("bullying_outside_family", 1) in loaded
    spec = loaded[("bullying_outside_family", 1)].spec
    assert all(step.title.kk and step.title.ru and step.title.en for step in spec.steps)


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (lambda d: d["steps"][1].update(after=["nope"]), "not earlier steps"),
        (lambda d: d["steps"][0]["deadline"].update(hours=4), "either working_days or hours"),
        (lambda d: d["steps"][0].update(accountable="friend"), "accountable"),
        (lambda d: d["steps"][0]["title"].pop("kk"), "kk"),
        (lambda d: d["steps"].append(dict(d["steps"][0])), "unique"),
    ],
)
def test_invalid_definitions_are_refused(mutation, message: str) -> None:  # type: ignore[no-untyped-def]
    import copy

    raw = copy.deepcopy(definitions.latest("bullying_outside_family").raw)
    mutation(raw)
    with pytest.raises(ValidationError, match=message):
        definitions.ProtocolSpec.model_validate(raw)


def test_working_days_skip_weekends_and_kazakhstan_holidays() -> None:
    # Friday 20 March 2026; 21-22 weekend, 23-25 March Nauryz holidays
    start = datetime(2026, 3, 20, 10, 0, tzinfo=ALMATY)
    assert add_working_days(start, 1) == datetime(2026, 3, 26, 23, 59, 59, tzinfo=ALMATY)
    assert not is_working_day(date(2026, 12, 16))  # Independence Day
    assert is_working_day(date(2026, 12, 15))


def test_registration_opens_steps_without_predecessors(world: World) -> None:
    case = register_case(world)
    steps = {s.key: s for s in case.steps.select_related("organisation")}
    assert steps["school_log"].status == Step.Status.OPEN
    assert steps["psc_support"].status == Step.Status.OPEN
    assert steps["school_conversation"].status == Step.Status.WAITING
    assert steps["school_conversation"].due_at is None
    assert steps["school_log"].organisation == world.a.school
    assert steps["psc_support"].organisation == world.a.psc
    assert steps["psc_support"].contact_person is not None
    assert case.protocol_runs.get().protocol.version == 1


def test_completing_a_step_opens_the_next_with_its_own_deadline(world: World) -> None:
    case = register_case(world)
    step = case.steps.get(key="school_log")
    with time_machine.travel(datetime(2026, 11, 30, 6, 0, tzinfo=UTC)):  # Monday
        complete_step(step=step, actor=world.coordinator_a, output_text="Log entry 17.")
    following = case.steps.get(key="school_conversation")
    assert following.status == Step.Status.OPEN
    assert following.due_at == datetime(2026, 12, 1, 23, 59, 59, tzinfo=ALMATY)
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS


def test_case_keeps_its_protocol_version(world: World) -> None:
    case = register_case(world)
    version = case.protocol_runs.get().protocol
    ProtocolVersion.objects.filter(pk=version.pk).update(definition={**version.definition})
    assert ProtocolVersion.objects.count() == 1
    second = register_case(world)
    assert second.protocol_runs.get().protocol == version


def test_no_psc_in_the_region_is_an_error_at_registration(world: World) -> None:
    Organisation.objects.filter(pk=world.a.psc.pk).update(kind="clinic")
    with pytest.raises(InvalidInput, match="KZ-75"):
        register_case(world)
    assert Case.objects.count() == 0


def test_overdue_step_escalates_once_to_the_regional_coordinator(world: World) -> None:
    case = register_case(world)
    first_due = case.steps.get(key="school_log").due_at
    step = case.steps.get(key="psc_support")
    later = step.due_at + timedelta(minutes=1)  # type: ignore[operator]
    assert escalate_overdue(now=first_due - timedelta(minutes=1)) == 0  # type: ignore[operator]
    assert escalate_overdue(now=later) == 2  # school_log and psc_support are both overdue
    assert escalate_overdue(now=later) == 0
    step.refresh_from_db()
    assert step.escalation_level == 1
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.STEP_ESCALATED).count() == 2
    notified = Notification.objects.filter(template="step_overdue", channel="in_app")
    assert {n.recipient for n in notified} == {world.regional_a}
    assert not Notification.objects.filter(template="step_overdue", recipient=world.regional_b)


def test_notifications_are_rendered_in_the_recipients_language(world: World) -> None:
    world.psc_a.preferred_language = "en"
    world.psc_a.save()
    case = register_case(world)
    note = Notification.objects.get(
        template="step_assigned", recipient=world.psc_a, channel="in_app"
    )
    assert case.number in note.subject
    assert "psychological support center" in note.body
