"""Fixtures of the psychological support tests: the care personas on top of ``world``."""

from __future__ import annotations

import pytest

from tests.factories import CarePlaces, World, add_care_personas


@pytest.fixture
def care(world: World) -> CarePlaces:
    return add_care_personas(world)
