"""Escalation cannot starve (brief 1.3.3).

Steps already escalated to the region that wait for the national level used to fill the
sweep's batch, so newer overdue steps were never escalated while the batch was full.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from qamqor.protocols import sweeps
from qamqor.protocols.models import Step
from tests.factories import World, register_case


def test_every_due_step_is_escalated_with_a_small_batch(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweeps, "BATCH", 2)
    now = timezone.now()
    waiting = [register_case(world) for _ in range(2)]
    fresh = [register_case(world) for _ in range(2)]
    national_due = register_case(world)
    # escalated to the region an hour ago; the national level is due after 24 hours
    Step.objects.filter(case__in=waiting, status=Step.Status.OPEN).update(
        escalation_level=1, due_at=now - timedelta(hours=2)
    )
    # overdue since a minute ago, never escalated: later deadlines, so last in due_at order
    Step.objects.filter(case__in=fresh, status=Step.Status.OPEN).update(
        escalation_level=0, due_at=now - timedelta(minutes=1)
    )
    # escalated to the region two days ago: the national level is due
    Step.objects.filter(case=national_due, status=Step.Status.OPEN).update(
        escalation_level=1, due_at=now - timedelta(hours=48)
    )
    waiting_count = Step.objects.filter(case__in=waiting, status=Step.Status.OPEN).count()
    fresh_steps = Step.objects.filter(case__in=fresh, status=Step.Status.OPEN)
    national_steps = Step.objects.filter(case=national_due, status=Step.Status.OPEN)
    assert waiting_count > sweeps.BATCH  # enough to fill every batch

    sweeps_run, total = 0, 0
    while made := sweeps.escalate_overdue(now=now):
        total += made
        sweeps_run += 1
        assert made <= sweeps.BATCH
        assert sweeps_run < 50
    due = fresh_steps.count() + national_steps.count()
    assert total == due
    assert set(fresh_steps.values_list("escalation_level", flat=True)) == {1}
    assert set(national_steps.values_list("escalation_level", flat=True)) == {2}
    still_waiting = Step.objects.filter(case__in=waiting, status=Step.Status.OPEN)
    assert set(still_waiting.values_list("escalation_level", flat=True)) == {1}
    assert sweeps.escalate_overdue(now=now) == 0


def test_the_national_level_follows_each_protocols_own_wait(world: World) -> None:
    now = timezone.now()
    bullying = register_case(world)  # 24 hours to the national level
    suicide = register_case(
        world, self_harm_risk=True, forms=["psychological_emotional"], risk_level="high"
    )  # 2 hours
    for case in (bullying, suicide):
        Step.objects.filter(case=case, status=Step.Status.OPEN).update(
            escalation_level=1, due_at=now - timedelta(hours=3)
        )
    sweeps.escalate_overdue(now=now)
    levels = {
        case.pk: set(
            Step.objects.filter(case=case, status=Step.Status.OPEN).values_list(
                "escalation_level", flat=True
            )
        )
        for case in (bullying, suicide)
    }
    assert levels == {bullying.pk: {1}, suicide.pk: {2}}


def test_reminders_are_not_held_back_by_steps_not_yet_due(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same starvation for reminders: steps due soon but not yet within their lead
    filled the batch, so a step with a long lead (the ethics council, 48 hours before) was
    reminded late or never."""
    from qamqor.cases.models import CaseEvent
    from qamqor.protocols.outputs import sample_output
    from qamqor.protocols.services import complete_step

    monkeypatch.setattr(sweeps, "BATCH", 2)
    now = timezone.now()
    soon = [register_case(world) for _ in range(2)]
    Step.objects.filter(case__in=soon, status=Step.Status.OPEN).update(
        opened_at=now, due_at=now + timedelta(hours=20), reminded_at=None
    )  # a quarter of 20 hours: reminded 5 hours before, not yet
    teacher = register_case(
        world,
        perpetrator_relationship="teacher_school_official",
        forms=["psychological_emotional"],
        repeated=False,
    )
    review = teacher.steps.get(key="education_department_review")
    complete_step(step=review, actor=world.regional_a, output=sample_output(review.spec, "Seen"))
    Step.objects.filter(case=teacher, status=Step.Status.OPEN).update(
        opened_at=now - timedelta(days=5), due_at=now + timedelta(hours=30), reminded_at=None
    )
    council = teacher.steps.get(key="ethics_council")
    assert council.status == Step.Status.OPEN
    assert Step.objects.filter(case__in=soon, status=Step.Status.OPEN).count() > sweeps.BATCH

    sent = sweeps.send_reminders(now=now)
    assert 1 <= sent <= sweeps.BATCH
    council.refresh_from_db()
    assert council.reminded_at == now  # 48 hours before its deadline (reminder_hours_before)
    reminded = teacher.events.filter(kind=CaseEvent.Kind.STEP_REMINDED)
    assert "ethics_council" in {event.payload["step"] for event in reminded}
    assert not Step.objects.filter(case__in=soon, reminded_at__isnull=False).exists()
