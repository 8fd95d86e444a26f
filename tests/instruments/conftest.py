"""Fixtures of the screening tests: the personas plus two outside school psychologists,
and pupils of school A1 (13 and 15 years old) and of schools A2 and B1."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from qamqor.cases.models import Child
from qamqor.instruments import services
from qamqor.instruments.models import Campaign
from tests.factories import World, add_school_psychologists, make_pupil


@dataclass
class Pupils:
    a1: Child  # school A1, 13
    a1_older: Child  # school A1, 15
    a2: Child  # school A2 (same region)
    b1: Child  # region B


@pytest.fixture
def screening_world(world: World) -> World:
    add_school_psychologists(world)
    return world


@pytest.fixture
def pupils(screening_world: World) -> Pupils:
    w = screening_world
    return Pupils(
        a1=make_pupil(w.a.school, age=13),
        a1_older=make_pupil(w.a.school, age=15, sex="boy", class_label="9B"),
        a2=make_pupil(w.a.school2, age=13),
        b1=make_pupil(w.b.school, age=14),
    )


PHQ_A_CALM: dict[str, Any] = {f"q{i}": "0" for i in range(1, 10)} | {
    "past_year": "no",
    "past_month_thoughts": "no",
    "lifetime_attempt": "no",
}
PHQ_A_ITEM_9: dict[str, Any] = {**PHQ_A_CALM, "q1": "2", "q2": "2", "q9": "1", "difficulty": "1"}
PHQ_A_MODERATE: dict[str, Any] = {
    **PHQ_A_CALM,
    **{f"q{i}": "2" for i in range(1, 6)},
    "difficulty": "1",
}  # 10: moderate, no alert
ASQ_ACUTE: dict[str, Any] = {"q1": "yes", "q2": "no", "q3": "no", "q4": "no", "q5": "yes"}
ASQ_NEGATIVE: dict[str, Any] = {"q1": "no", "q2": "no", "q3": "no", "q4": "no"}


def school_campaign(world: World, **extra: Any) -> Campaign:
    """A campaign of school A1, open from today for three weeks, in Kazakh."""
    today = services.today()
    return services.create_campaign(
        actor=world.psychologist_a,
        title="Spring screening 7A",
        instrument_code="phq_a",
        area=services.CampaignArea(level="school", region=world.a.region, school=world.a.school),
        opens_on=today,
        closes_on=today + timedelta(days=21),
        language="kk",
        **extra,
    )
