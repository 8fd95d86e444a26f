"""Races that only a real server shows: two psychologists recording the last allowed
crisis session at the same moment.

Each thread has its own connection and transaction; the child's row lock makes the
sessions queue, so the limit holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from qamqor.care import services
from qamqor.care.models import Consultation
from qamqor.errors import Conflict
from tests.factories import CarePlaces, World

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("transactional_db")]


def race(workers: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    start = threading.Barrier(len(workers), timeout=30)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(work: Callable[[], Any]) -> None:
        try:
            start.wait()
            results.append(work())
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors


def test_two_psychologists_cannot_both_record_the_last_crisis_session(
    world: World, care: CarePlaces
) -> None:
    child = services.register_child(actor=world.psc_a, organisation=world.a.psc)
    services.record_crisis_basis(
        actor=world.psc_a,
        child=child,
        organisation=world.a.psc,
        ground="suicide_risk",
        justification="Suicidal thoughts with a plan; parents cannot be reached.",
    )
    for _n in range(4):
        services.record_consultation(
            actor=world.psc_a,
            organisation=world.a.psc,
            child=child,
            format="in_person",
            topic="crisis",
            held_at=timezone.now(),
            duration_minutes=45,
        )

    def session(persona: str) -> Callable[[], Consultation]:
        return lambda: services.record_consultation(
            actor=getattr(world, persona),
            organisation=world.a.psc,
            child=child,
            format="online",
            topic="crisis",
            held_at=timezone.now(),
            duration_minutes=45,
        )

    results, errors = race([session("psc_a"), session("psc_a2"), session("psc_head_a")])
    assert len(results) == 1
    assert len(errors) == 2 and all(isinstance(error, Conflict) for error in errors)
    assert Consultation.objects.filter(child=child, basis="crisis").count() == 5
