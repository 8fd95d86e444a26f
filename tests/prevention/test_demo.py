"""The demo's prevention part: schools with approved plans and current policies, with an
outdated policy, with a draft only, and with nothing, inside the seed's transaction."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest
from django.db import transaction
from django.utils import timezone

from qamqor.accounts.models import Role
from qamqor.demo import prevention as demo_prevention
from qamqor.demo.world import DemoRegion
from qamqor.prevention import selectors
from qamqor.prevention.models import PreventionDocument
from tests.factories import make_organisation
from tests.prevention.conftest import Place


@pytest.mark.django_db
def test_the_demo_fills_every_pattern_of_the_coverage_page(place: Place) -> None:
    world = place.world
    schools = [world.a.school, world.a.school2, place.private1, place.public3, place.private2]
    schools += [
        make_organisation("school", f"demo-extra-{n}", world.a.region, district=world.a.district)
        for n in range(3)
    ]
    site = cast(
        DemoRegion,
        SimpleNamespace(
            today=timezone.localdate(),
            school=world.a.school,
            region=world.a.region,
            world=SimpleNamespace(schools=schools),
            login={Role.SCHOOL_HEAD: place.head_a},
        ),
    )
    with transaction.atomic():  # the seed's one transaction
        assert demo_prevention.plans_and_policies(site) == 6
    assert all("synthetic" in d.title for d in PreventionDocument.objects.all())
    report = selectors.coverage(world.regional_a, today=timezone.localdate())
    assert report.public.schools + report.private.schools == 8
    # by position after the demo school: nothing, approved, outdated policy, draft plan
    assert report.public.without_plan + report.private.without_plan == 3
    assert report.public.policy_outdated + report.private.policy_outdated == 4
