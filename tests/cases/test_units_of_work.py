"""An entry-point service of cases is a unit of work of its own: ``atomic(durable=True)``
refuses to run inside a caller's transaction, so its commit is the caller's answer."""

from __future__ import annotations

import pytest
from django.db import transaction

from qamqor.cases import parties, services, thread
from tests.factories import World, register_case, submit_report


def test_recording_the_child_refuses_to_run_inside_another_transaction(world: World) -> None:
    case = register_case(world)
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        parties.attach_child(case=case, actor=world.coordinator_a, data={"sex": "girl"})
    case.refresh_from_db()
    assert case.child_id is None
    child = parties.attach_child(case=case, actor=world.coordinator_a, data={"sex": "girl"})
    case.refresh_from_db()
    assert case.child == child


def test_posting_to_the_thread_refuses_to_run_inside_another_transaction(world: World) -> None:
    case = register_case(world)
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        thread.post_message(case=case, author=world.coordinator_a, body="Parents called.")
    message = thread.post_message(case=case, author=world.coordinator_a, body="Parents called.")
    assert message.case_id == case.pk


def test_linking_a_report_refuses_to_run_inside_another_transaction(world: World) -> None:
    case = register_case(world)
    report = submit_report(world.a.school)
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        services.link_report(report=report, case=case, actor=world.coordinator_a)
    report.refresh_from_db()
    assert report.case_id is None
    linked = services.link_report(report=report, case=case, actor=world.coordinator_a)
    assert linked.case_id == case.pk
