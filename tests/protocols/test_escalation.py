"""Escalation cannot starve (issue 9, section 6; brief 1.3.3).

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
