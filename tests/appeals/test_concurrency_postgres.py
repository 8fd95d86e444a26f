"""Two workers releasing the day's appeals at the same moment, which only a real server
shows: each has its own connection and transaction; the release's unique day makes it
happen once, with one digest to the coordinating body."""

from __future__ import annotations

import pytest
from django.utils import timezone

from qamqor.appeals import services
from qamqor.appeals.models import Appeal, AppealRelease
from qamqor.notify.models import Notification
from qamqor.protocols.workdays import ALMATY
from tests.care.test_concurrency_postgres import race
from tests.factories import CarePlaces, World

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("transactional_db")]


def test_two_workers_release_the_days_appeals_once(world: World, care: CarePlaces) -> None:
    for persona in ("psc_a", "psychologist_a"):
        services.submit_appeal(
            actor=getattr(world, persona), category="pressure", text="Pressure " * 5
        )
    noon = timezone.now().astimezone(ALMATY).replace(hour=12)
    results, errors = race([lambda: services.release_appeals(noon) for _n in range(4)])
    assert errors == []
    assert sorted(results) == [0, 0, 0, 2]
    assert AppealRelease.objects.get().released == 2
    assert Appeal.objects.filter(released=True).count() == 2
    assert Notification.objects.filter(template="care_appeal_digest", channel="in_app").count() == 1
