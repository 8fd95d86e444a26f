"""Sweeps in several workers at once: one escalation and one reminder per step (1.3.3)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection

from qamqor.cases.models import CaseEvent
from qamqor.notify.models import Notification
from qamqor.protocols.models import Step
from qamqor.protocols.sweeps import escalate_overdue, send_reminders
from tests.factories import World, register_case

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("transactional_db")]

WORKERS = 4


def run_at_once(sweep: Callable[[], int]) -> list[int]:
    start = threading.Barrier(WORKERS, timeout=30)
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            results.append(sweep())
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_concurrent_sweeps_escalate_each_step_once(world: World) -> None:
    cases = [register_case(world) for _ in range(5)]
    open_steps = Step.objects.filter(case__in=cases, status=Step.Status.OPEN)
    count = open_steps.count()
    # one deadline for all, so that only the first level is due when the sweeps run
    due = max(step.due_at for step in open_steps if step.due_at)
    open_steps.update(due_at=due)
    results = run_at_once(lambda: escalate_overdue(now=due + timedelta(minutes=1)))
    assert sum(results) == count
    assert set(open_steps.values_list("escalation_level", flat=True)) == {1}
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.STEP_ESCALATED).count() == count
    notified = Notification.objects.filter(template="step_overdue", channel="in_app")
    assert notified.count() == count  # one regional coordinator, once per step


def test_concurrent_sweeps_remind_each_step_once(world: World) -> None:
    case = register_case(world)
    step = case.steps.get(key="psc_support")
    assert step.due_at is not None
    before_due = step.due_at - timedelta(minutes=30)
    results = run_at_once(lambda: send_reminders(now=before_due))
    reminded = Step.objects.filter(case=case, reminded_at__isnull=False).count()
    assert sum(results) == reminded >= 1
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.STEP_REMINDED).count() == reminded
