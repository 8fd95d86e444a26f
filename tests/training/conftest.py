"""Fixtures of the training tests: the two-region world, a PSC head in region A, and
programmes of the catalogue added by the national coordinator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from qamqor.accounts.models import Role, User
from qamqor.training import services
from qamqor.training.models import Programme
from tests.factories import World, make_user


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


PROGRAMME: dict[str, Any] = {
    "title_kk": "Буллингтің алдын алу",
    "title_ru": "Профилактика буллинга",
    "title_en": "Preventing bullying",
    "description_kk": "",
    "description_ru": "",
    "description_en": "Recognising bullying and responding under Order No. 506.",
    "provider_kind": "state",
    "provider_name": "Orleu",
    "hours": 24,
    "format": "blended",
    "topics": ["bullying", "cyberbullying"],
    "target_roles": ["school_psychologist", "school_coordinator"],
}


def add_programme(world: World, code: str = "bullying-basics", **overrides: Any) -> Programme:
    fields = {**PROGRAMME, **overrides}
    modules = fields.pop("modules", [])
    return services.create_programme(actor=world.national, code=code, modules=modules, **fields)


def complete(user: User, programme: Programme, on: Any, **extra: Any) -> Any:
    return services.record_enrolment(
        actor=user, programme=programme, status="completed", completed_on=on, **extra
    )


@pytest.fixture
def trained(world: World) -> World:
    """The world with ``psc_head_a`` (PSC of region A) added."""
    world.users["psc_head_a"] = make_user("psc_head_a", world.a.psc, Role.PSC_HEAD)
    return world
