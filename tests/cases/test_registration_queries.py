"""Registration's cost stays flat: its queries depend on the protocol's steps, not on how
many people the accountable organisations have (bench/core_loop.py measures the time)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qamqor.accounts.models import Role
from qamqor.cases import services as case_services
from tests.factories import CLASSIFICATION, World, make_user, submit_report
from tests.support import audit_locks

pytestmark = pytest.mark.django_db

# The bullying protocol opens six steps at registration; each step's organisation is
# told (members in-app and by email, its mailbox). Raise only with a reason.
# +2 (decision 0014): the statistics read the case's codes in one query and insert its
# delta rows in one more, inside the registration's transaction.
BUDGET = 61


def registration_queries(world: World) -> int:
    report = submit_report(world.a.school)
    with CaptureQueriesContext(connection) as queries:
        case_services.register_case(
            report=report, actor=world.coordinator_a, classification=CLASSIFICATION
        )
    return len(queries)


def test_registration_queries_do_not_grow_with_the_organisations_members(world: World) -> None:
    registration_queries(world)  # the first registration creates the year's counter
    few = registration_queries(world)
    for n in range(6):
        make_user(f"extra-psc-{n}", world.a.psc, Role.PSC_PSYCHOLOGIST)
        make_user(f"extra-school-{n}", world.a.school, Role.SCHOOL_PSYCHOLOGIST)
    many = registration_queries(world)
    assert many == few
    assert few <= BUDGET + audit_locks(1)
