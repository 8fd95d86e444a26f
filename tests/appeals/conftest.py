"""Fixtures of the appeal tests: the care personas (the specialists who appeal, the
coordinating body that answers) on top of ``world``."""

from __future__ import annotations

import pytest

from tests.factories import CarePlaces, World, add_care_personas


@pytest.fixture
def care(world: World) -> CarePlaces:
    return add_care_personas(world)
