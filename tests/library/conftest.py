"""Fixtures of the library's tests: the shared world (two regions, their coordinators, the
national coordinator), with school psychologists in both regions, an inactive one and one
whose role was ended, and a methodology to publish versions of."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.utils import translation

from qamqor.accounts.models import Membership, Role, User
from qamqor.library import services
from qamqor.library.models import Document, DocumentVersion
from tests.factories import World, add_school_psychologists, build_world, make_user

#: Everyone briefed on a version for school and PSC psychologists in ``library_world``.
BRIEFED = {"psychologist_a", "psychologist_a2", "psychologist_b", "psc_a", "psc_b"}


@dataclass
class Library:
    world: World
    methodology: Document

    def publish(self, **overrides: object) -> DocumentVersion:
        """A version of the methodology for school and PSC psychologists, by the national
        coordinator, through the durable entry point."""
        values: dict[str, object] = {
            "number": "Methodology 2026, edition 1",
            "summary_kk": "Мектеп психологы әңгімені 1 жұмыс күні ішінде өткізеді.",
            "summary_ru": "Школьный психолог проводит беседу в течение 1 рабочего дня.",
            "summary_en": "The school psychologist holds the conversation within 1 working day.",
            "affected_roles": [Role.SCHOOL_PSYCHOLOGIST, Role.PSC_PSYCHOLOGIST],
        }
        values.update(overrides)
        return services.publish_version(
            actor=self.world.national,
            document=self.methodology,
            **values,  # type: ignore[arg-type]
        )


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def library(db: None) -> Library:
    world = build_world()
    add_school_psychologists(world)
    inactive = make_user("psychologist_gone", world.a.school, Role.SCHOOL_PSYCHOLOGIST)
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    ended = make_user("psychologist_moved", world.b.school2, Role.SCHOOL_PSYCHOLOGIST)
    Membership.objects.filter(user=ended).update(active=False)
    methodology = services.add_document(
        actor=world.national,
        code="bullying-response-methodology",
        kind="methodology",
        title_kk="Буллингке ден қою әдістемесі",
        title_ru="Методика реагирования на буллинг",
        title_en="Bullying response methodology",
    )
    return Library(world=world, methodology=methodology)
