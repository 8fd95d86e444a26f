"""A registration that fails after taking a number gives the number back (brief 1.3.5)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from qamqor.cases.models import Case, CaseNumberCounter
from qamqor.errors import InvalidInput
from qamqor.intake.models import Report
from qamqor.protocols.workdays import ALMATY
from tests.factories import World, make_organisation, register_case

pytestmark = pytest.mark.usefixtures("transactional_db")  # the real transaction rolls back


def test_failed_registration_leaves_no_gap(world: World) -> None:
    year = timezone.now().astimezone(ALMATY).year
    # Without a PSC in the region the protocol cannot be routed: the registration fails
    # after its number was allocated.
    world.psc_a.delete()
    world.a.psc.delete()
    with pytest.raises(InvalidInput):
        register_case(world)

    assert not Case.objects.exists()
    assert not CaseNumberCounter.objects.filter(region=world.a.region, last__gt=0).exists()
    assert Report.objects.filter(status=Report.Status.NEW).count() == 1  # still to triage

    make_organisation("psc", "psc-kz75-new", world.a.region)
    assert register_case(world).number == f"KZ-75-{year}-000001"
    assert register_case(world).number == f"KZ-75-{year}-000002"
