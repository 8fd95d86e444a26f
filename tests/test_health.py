"""The probes a load balancer and an orchestrator call."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import World
from tests.support import verify_second_factor


def test_healthz_answers_without_the_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ready_on_a_migrated_database(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_reads_nothing_for_a_signed_in_browser(world: World, client: Client) -> None:
    """A probe sent with a staff session (a browser tab, a monitoring check behind the
    login) does not load the session, the user or the second-factor device."""
    client.force_login(world.regional_a)
    verify_second_factor(client, world.regional_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert [q["sql"] for q in queries] == []
