"""The PostgreSQL pass runs every test that uses a database (tests/support.py): a test
reaches it through a fixture, directly or not, or says so with a marker."""

from __future__ import annotations

import pytest

from tests.factories import World
from tests.support import uses_the_database


def test_a_test_without_the_database_runs_once(request: pytest.FixtureRequest) -> None:
    assert not uses_the_database(request.node)


def test_a_test_with_the_database_runs_on_both(request: pytest.FixtureRequest, db: None) -> None:
    assert uses_the_database(request.node)


def test_a_fixture_that_uses_the_database_counts(
    request: pytest.FixtureRequest, world: World
) -> None:
    assert uses_the_database(request.node)


@pytest.mark.django_db
def test_the_django_db_marker_counts(request: pytest.FixtureRequest) -> None:
    assert uses_the_database(request.node)


@pytest.mark.postgres
def test_the_postgres_marker_counts(request: pytest.FixtureRequest) -> None:
    assert uses_the_database(request.node)
