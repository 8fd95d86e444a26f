"""The statistics' rollups (decision 0014): deltas written in the domain transaction,
folded by the worker, equal to a recount from the domain tables and to figures counted
by hand; a fold killed half-way counts nothing twice. Runs on SQLite and, with the
PostgreSQL pass, on PostgreSQL (the same tests)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from qamqor.accounts.models import Role
from qamqor.analytics import fold as folding
from qamqor.analytics.fold import fold
from qamqor.analytics.grains import GRAINS, month_of
from qamqor.analytics.models import (
    ActivityRollup,
    CaseFormRollup,
    CaseRollup,
    ClosureRollup,
    Delta,
    DurationRollup,
    OverdueStepSnapshot,
    ScreeningRollup,
    StepRollup,
)
from qamqor.analytics.recount import recount
from qamqor.care import services as care_services
from qamqor.cases import services as case_services
from qamqor.instruments import services as screening_services
from qamqor.protocols import services as protocol_services
from qamqor.protocols.models import Step
from qamqor.referrals import services as referral_services
from tests.factories import (
    World,
    add_care_personas,
    complete_open_steps,
    make_organisation,
    make_pupil,
    make_user,
    refer_to_psc,
    register_case,
)

pytestmark = pytest.mark.django_db

PHQ_A_MODERATE: dict[str, Any] = {
    **{f"q{i}": "0" for i in range(1, 10)},
    "past_year": "no",
    "past_month_thoughts": "no",
    "lifetime_attempt": "no",
    **{f"q{i}": "2" for i in range(1, 6)},
    "difficulty": "1",
}


def snapshot() -> dict[str, set[tuple[Any, ...]]]:
    """Every rollup's non-zero rows, as (dimensions…, measures…) tuples."""
    tables: dict[str, set[tuple[Any, ...]]] = {}
    for code, grain in GRAINS.items():
        fields = [*grain.dimensions, *grain.measures]
        tables[code] = {
            row
            for row in grain.model._default_manager.values_list(*fields)
            if any(row[len(grain.dimensions) :])
        }
    return tables


def history(world: World) -> list[str]:
    """A little of everything: three cases (one reclassified, one closed after its
    steps), a step done late, a referral accepted, a crisis exception, a consultation, a
    screening."""
    first = register_case(world)  # school A1: bullying + cyberbullying
    register_case(world, forms=["physical"], setting="school")
    register_case(world, school=world.b.school, forms=["psychological"])
    private = make_organisation(
        "school", "school-private-1", world.a.region, district=world.a.district, is_private=True
    )
    make_user("coordinator_private", private, Role.SCHOOL_COORDINATOR)
    register_case(world, school=private, forms=["bullying"])  # brief 2.3.9
    protocol_services.reclassify(
        case=first,
        actor=world.coordinator_a,
        classification={"forms": ["physical"], "perpetrator_relationship": "schoolmate"},
        reason="The pupils say it was a fight.",
    )
    Step.objects.filter(case=first, status=Step.Status.OPEN).update(
        due_at=timezone.now() - timedelta(hours=1)
    )
    done = complete_open_steps(world, first)
    case_services.close_case(case=first, actor=world.coordinator_a, outcome="rights_restored")
    add_care_personas(world)
    referral = refer_to_psc(world)
    referral_services.accept_referral(actor=world.psc_a, referral=referral)
    care_services.record_crisis_basis(
        actor=world.psc_a,
        child=referral.child,
        organisation=world.a.psc,
        ground="self_harm",
        justification="Cuts on the arm seen by the nurse today; parents abroad.",
    )
    care_services.record_consultation(
        actor=world.psc_a,
        organisation=world.a.psc,
        child=referral.child,
        format="online",
        topic="crisis",
        held_at=timezone.now(),
        duration_minutes=40,
    )
    pupil = make_pupil(world.a.school, age=13)
    administration = screening_services.start_interview(
        actor=world.psychologist_a, child=pupil, instrument_code="phq_a", language="ru"
    )
    screening_services.submit_interview(
        administration=administration, actor=world.psychologist_a, answers=PHQ_A_MODERATE
    )
    # a step overdue now, in region B
    Step.objects.filter(case__region=world.b.region, status=Step.Status.OPEN).update(
        due_at=timezone.now() - timedelta(days=2)
    )
    return done


def test_folded_deltas_equal_the_recount_and_the_hand_count(world: World) -> None:
    done = history(world)
    assert Delta.objects.exists()
    assert CaseRollup.objects.count() == 0  # nothing counted before the fold
    fold()
    assert not Delta.objects.exists()
    incremental = snapshot()
    recount()
    assert snapshot() == incremental

    # by hand: four cases; the first moved from bullying+cyberbullying/unknown to
    # physical/schoolmate and was closed; two are still registered
    month = month_of(timezone.now())
    cases = {
        (r.region, r.relationship, r.ownership): (r.cases, r.registered, r.in_progress, r.closed)
        for r in CaseRollup.objects.filter(cases__gt=0)
    }
    assert cases == {
        ("KZ-75", "schoolmate", "public"): (1, 0, 0, 1),
        ("KZ-75", "unknown", "public"): (1, 1, 0, 0),
        ("KZ-75", "unknown", "private"): (1, 1, 0, 0),
        ("KZ-71", "unknown", "public"): (1, 1, 0, 0),
    }
    forms = {
        (r.region, r.form, r.relationship): r.cases
        for r in CaseFormRollup.objects.filter(cases__gt=0)
    }
    assert forms == {
        ("KZ-75", "bullying", "unknown"): 1,
        ("KZ-75", "physical", "schoolmate"): 1,
        ("KZ-75", "physical", "unknown"): 1,
        ("KZ-71", "psychological", "unknown"): 1,
    }
    assert list(ClosureRollup.objects.values_list("month", "region", "outcome", "closed")) == [
        (month, "KZ-75", "rights_restored", 1)
    ]
    ownership: dict[str, int] = {}
    for kind, n in CaseRollup.objects.values_list("ownership", "cases"):
        ownership[kind] = ownership.get(kind, 0) + n
    assert ownership == {"public": 3, "private": 1}
    steps: dict[str, int] = {}
    for timeliness, n in StepRollup.objects.values_list("timeliness", "steps"):
        steps[timeliness] = steps.get(timeliness, 0) + n
    assert steps["late"] >= 1  # the steps open when their deadline was moved back
    assert sum(steps.values()) == len(done)
    durations = {(r.measure, r.region): (r.count, r.b0) for r in DurationRollup.objects.all()}
    assert durations == {
        ("report_to_registration", "KZ-75"): (3, 3),  # registered within the hour
        ("report_to_registration", "KZ-71"): (1, 1),
        ("registration_to_closure", "KZ-75"): (1, 1),
        ("referral_acceptance", "KZ-75"): (1, 1),
    }
    assert set(ActivityRollup.objects.values_list("activity", "organisation", "events")) == {
        ("consultation", world.a.psc.code, 1),
        ("crisis_exception", world.a.psc.code, 1),
    }
    assert list(ScreeningRollup.objects.values_list("instrument", "band", "screenings")) == [
        ("phq_a", "moderate", 1)
    ]
    overdue = OverdueStepSnapshot.objects.filter(region="KZ-71")
    assert sum(overdue.values_list("steps", flat=True)) >= 1


def test_a_fold_killed_half_way_leaves_its_deltas_and_counts_nothing_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_case(world)
    register_case(world, school=world.b.school)
    waiting = Delta.objects.count()

    def killed(now: object = None) -> None:
        raise RuntimeError("worker killed")

    # the rollups are updated, then the worker dies before the fold commits
    monkeypatch.setattr(folding, "refresh_overdue_snapshot", killed)
    with pytest.raises(RuntimeError):
        fold()
    assert Delta.objects.count() == waiting
    assert not CaseRollup.objects.exists()
    monkeypatch.undo()
    assert fold() == waiting
    assert fold() == 0
    assert sum(CaseRollup.objects.values_list("cases", flat=True)) == 2
    incremental = snapshot()
    recount()
    assert snapshot() == incremental


def test_the_recount_command_and_the_worker_sweep(world: World) -> None:
    from qamqor.worker import run_sweeps

    register_case(world)
    assert run_sweeps()["statistics_folded"] > 0
    assert not Delta.objects.exists()
    before = snapshot()
    CaseRollup.objects.all().delete()
    call_command("recount_statistics", verbosity=0)
    assert snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_the_recount_runs_as_its_own_transaction(world: World) -> None:
    """Outside a caller's transaction the recount reads one snapshot (REPEATABLE READ on
    PostgreSQL) and still equals the folded figures."""
    register_case(world)
    fold()
    folded = snapshot()
    recount()
    assert snapshot() == folded
    assert not Delta.objects.exists()


def test_a_hot_cell_is_written_once_per_fold_whatever_the_number_of_deltas(
    world: World,
) -> None:
    """Many facts of one region and month cost the fold the same queries as a few: one
    UPDATE per rollup row, not one per delta (decision 0014)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def folded_with(n: int) -> int:
        for _n in range(n):
            register_case(world)
        with CaptureQueriesContext(connection) as queries:
            fold()
        return len(queries)

    folded_with(1)  # the cells are new: an UPDATE that finds nothing, then an INSERT
    few = folded_with(1)  # the cells exist: one UPDATE each
    assert folded_with(5) == few
    assert sum(CaseRollup.objects.values_list("cases", flat=True)) == 7
