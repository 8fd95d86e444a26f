"""The coordinating body's appeal lists, page and API: query counts that do not grow with
the number of appeals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qamqor.appeals import services
from qamqor.appeals.models import Appeal
from tests.factories import CarePlaces, World

LISTS = ["/care/appeals/", "/api/v1/care/appeals"]


def national_client(world: World) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.national)
    return client


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def _more_appeals(world: World) -> None:
    for persona, region in (("psc_a", world.a.region), ("psychologist_a", None)):
        services.submit_appeal(
            actor=getattr(world, persona), category="workload", text="x" * 40, region=region
        )
    Appeal.objects.update(released=True)


@pytest.mark.parametrize("url", LISTS)
def test_appeal_lists_take_as_many_queries_for_one_row_as_for_many(
    world: World, care: CarePlaces, url: str
) -> None:
    _more_appeals(world)
    few = count_queries(national_client(world), url)
    for _n in range(3):
        _more_appeals(world)
    assert count_queries(national_client(world), url) == few
    assert Appeal.objects.count() == 8


def test_the_appeal_list_queries_are_bounded(
    world: World, care: CarePlaces, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    for _n in range(3):
        _more_appeals(world)
    client = national_client(world)
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/care/appeals").status_code == 200
