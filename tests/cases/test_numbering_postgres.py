"""Concurrent registrations in one region get distinct, consecutive numbers (brief 1.3.5).

Each thread has its own database connection and transaction; the counter row's lock
makes them queue, so 20 at once still number 1..20 with no gap and no duplicate.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from qamqor.cases.models import Case
from qamqor.protocols.workdays import ALMATY
from tests.factories import World, register_case

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("transactional_db")]

REGISTRATIONS = 20


def test_parallel_registrations_get_consecutive_numbers(world: World) -> None:
    start = threading.Barrier(REGISTRATIONS, timeout=30)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def register() -> None:
        try:
            start.wait()
            numbers.append(register_case(world).number)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=register) for _ in range(REGISTRATIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    year = timezone.now().astimezone(ALMATY).year
    expected = [f"KZ-75-{year}-{sequence:06d}" for sequence in range(1, REGISTRATIONS + 1)]
    assert sorted(numbers) == expected
    assert sorted(Case.objects.values_list("number", flat=True)) == expected
