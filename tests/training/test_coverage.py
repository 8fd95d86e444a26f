"""Coverage figures (brief 2.3.9) against a hand count.

The world's specialists (active memberships in a counted role): region A has eight
(coordinator_a, coordinator_a2, psychologist_a, psc_a, police_a, duty_a, guardianship_a,
clinic_a) plus a psychologist of a private school; region B six (coordinator_b, psc_b,
police_b, duty_b, guardianship_b, clinic_b); the 111 operator one, with no region: 16.
This year psychologist_a completed 24 hours, the private school's psychologist 24 + 16,
psc_a 16: three trained of 16, 80 hours. coordinator_b's completion last year and
planned programme count for nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils.timezone import localdate

from qamqor.accounts.models import Role
from qamqor.training import selectors, services
from tests.factories import World, make_organisation, make_user
from tests.training.conftest import add_programme, complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(world: World) -> World:
    year = localdate().year
    private = make_organisation(
        "school", "school-private-a", world.a.region, district=world.a.district, is_private=True
    )
    world.users["psych_private"] = make_user("psych_private", private, Role.SCHOOL_PSYCHOLOGIST)
    long = add_programme(world)
    short = add_programme(world, code="crisis", hours=16, topics=["suicidal_behaviour"])
    complete(world.psychologist_a, long, date(year, 1, 1))
    complete(world.psych_private, long, date(year, 1, 1))
    complete(world.psych_private, short, date(year, 1, 1))
    complete(world.psc_a, short, date(year, 1, 1))
    complete(world.coordinator_b, long, date(year - 1, 12, 31))
    services.record_enrolment(actor=world.coordinator_b, programme=short, status="planned")
    return world


def _rows(coverage: selectors.Coverage, key: str) -> dict[str, list[object]]:
    table = coverage.table(key)
    assert table is not None
    return {str(row[0]): row[1:] for row in table.rows}


def test_national_coverage_by_region_kind_and_role(counted: World) -> None:
    coverage = selectors.coverage(counted.national, year=localdate().year)
    assert coverage.total.figures() == [16, 3, 18.8, 80, 5.0]
    assert _rows(coverage, "region") == {
        "Almaty": [9, 3, 33.3, 80, 8.9],
        "Astana": [6, 0, 0.0, 0, 0.0],
        "national bodies": [1, 0, 0.0, 0, 0.0],
    }
    kinds = _rows(coverage, "kind")
    assert kinds["public schools"] == [4, 1, 25.0, 24, 6.0]
    assert kinds["private schools"] == [1, 1, 100.0, 40, 40.0]
    assert kinds["psychological support center"] == [2, 1, 50.0, 16, 8.0]
    assert kinds["111 contact center"] == [1, 0, 0.0, 0, 0.0]
    assert sum(int(row[0]) for row in kinds.values()) == 16  # type: ignore[call-overload]
    roles = _rows(coverage, "role")
    assert roles["school psychologist"] == [2, 2, 100.0, 64, 32.0]
    assert roles["school coordinator"] == [3, 0, 0.0, 0, 0.0]
    assert roles["juvenile police inspector"] == [4, 0, 0.0, 0, 0.0]
    assert _rows(coverage, "schools") == {
        "Almaty": [3, 33.3, 8.0, 1, 100.0, 40.0],
        "Astana": [1, 0.0, 0.0, 0, None, None],
    }


def test_last_year_is_counted_apart(counted: World) -> None:
    coverage = selectors.coverage(counted.national, year=localdate().year - 1)
    assert coverage.total.figures() == [16, 1, 6.2, 24, 1.5]


def test_a_regional_coordinator_reads_their_region_only(counted: World) -> None:
    coverage = selectors.coverage(counted.regional_a, year=localdate().year)
    assert list(_rows(coverage, "region")) == ["Almaty"]
    assert coverage.total.figures() == [9, 3, 33.3, 80, 8.9]


def test_coverage_takes_the_same_queries_for_many_specialists(
    counted: World, django_assert_max_num_queries: object
) -> None:
    for n in range(6):
        make_user(f"extra-{n}", counted.b.school, Role.SCHOOL_PSYCHOLOGIST)
    with django_assert_max_num_queries(4):  # type: ignore[operator]
        selectors.coverage(counted.national, year=localdate().year)
