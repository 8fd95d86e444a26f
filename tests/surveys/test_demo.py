"""The demo's trust surveys: two synthetic campaigns answered by synthetic devices, built
inside the seed's one transaction, with results that show."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest
from django.db import transaction
from django.utils import timezone

from qamqor.accounts.models import Role
from qamqor.demo import surveys as demo_surveys
from qamqor.demo.world import DemoRegion
from qamqor.surveys import selectors
from qamqor.surveys.models import Campaign, DeviceMark, Response
from tests.factories import World


@pytest.mark.django_db
def test_the_demo_opens_two_synthetic_campaigns_with_responses(world: World) -> None:
    site = cast(
        DemoRegion,
        SimpleNamespace(
            today=timezone.localdate(),
            school=world.a.school,
            world=SimpleNamespace(regions={"KZ-75": world.a.region, "KZ-71": world.b.region}),
            login={
                Role.REGIONAL_COORDINATOR: world.regional_a,
                Role.NATIONAL_COORDINATOR: world.national,
            },
        ),
    )
    with transaction.atomic():  # the seed's one transaction
        assert demo_surveys.campaigns(site) == 200
    assert Response.objects.count() == 200 == DeviceMark.objects.count()
    assert all("synthetic demo" in c.title for c in Campaign.objects.all())
    school = Campaign.objects.get(school=world.a.school)
    assert {t.question.code for t in selectors.campaign_results(school)} >= {"trust_psc"}
    rows = [label for _c, label in selectors.region_results("adolescent")[0].rows]
    assert rows == ["Astana", "Almaty"]
