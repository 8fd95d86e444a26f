"""Fixtures of the trust surveys' tests: the two-region world, a campaign for school A1
opened by region A's coordinator, and texts in English."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from itertools import count

import pytest
from django.utils import timezone, translation

from qamqor.surveys import services
from qamqor.surveys.models import Campaign
from tests.factories import World


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def campaign(world: World) -> Campaign:
    today = timezone.localdate()
    return services.open_campaign(
        actor=world.regional_a,
        title="Trust in services, spring",
        school=world.a.school,
        opens_on=today,
        closes_on=today + timedelta(days=14),
    )


_devices = count()


def answer(campaign: Campaign, n: int, group: str = "adolescent", **answers: str) -> list[object]:
    """``n`` responses from ``n`` devices, each with ``answers``."""
    given = answers or {"trust_psc": "rather"}
    return [
        services.submit_response(
            campaign=campaign,
            group=group,
            device=f"device-{next(_devices):06d}-xxxxxxxxxx",
            answers=given,
        )
        for _i in range(n)
    ]
