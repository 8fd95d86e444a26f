"""The accessibility page and API (qamqor/analytics/accessibility.py; docs/analytics.md):
figures checked against a hand-computed fixture, the plan for a new branch, the
settlements download, who may see it, a bad filter refused naming the field, and the
queries do not grow with the number of settlements."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qamqor.directory.models import Region, Settlement
from tests.factories import World

PAGE = "/statistics/accessibility/"


def settlement(region: Region, name: str, lat: float, lon: float, **extra: Any) -> Settlement:
    return Settlement.objects.create(
        region=region,
        kind="village",
        name_kk=name,
        name_ru=name,
        name_en=name,
        latitude=lat,
        longitude=lon,
        **extra,
    )


@pytest.fixture
def places(world: World) -> dict[str, Settlement]:
    """Region A: A1 with the PSC, A2 20 km north, A3 100 km north and A4 2.2 km beyond it.
    Region B: B1 with its PSC, and B2 with no number of children (not counted)."""
    a, b = world.a.region, world.b.region
    found = {
        "A1": settlement(a, "A1", 43.25, 76.95, children=1000, vulnerability=1.0),
        "A2": settlement(a, "A2", 43.43, 76.95, children=200, vulnerability=2.0),
        "A3": settlement(a, "A3", 44.15, 76.95, children=300),
        "A4": settlement(a, "A4", 44.17, 76.95, children=100, vulnerability=1.5),
        "B1": settlement(b, "B1", 51.17, 71.45, children=800),
        "B2": settlement(b, "B2", 51.30, 71.45),
    }
    world.a.psc.settlement = found["A1"]
    world.a.psc.save()
    world.b.psc.settlement = found["B1"]
    world.b.psc.save()
    return found


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_regional_coordinator_sees_the_children_within_reach(world: World, places: Any) -> None:
    response = client_for(world.regional_a).get(PAGE, {"radius_km": 30, "branches": 1})
    assert response.status_code == 200
    data = response.context["data"]
    assert data.children == 1600
    # Within 10 km: A1 (1000 of 1600); within 30 and 50 km: A1 and A2 (1200).
    assert [(km, n) for km, n, _share in data.within] == [(10, 1000), (30, 1200), (50, 1200)]
    assert [round(share, 4) for _km, _n, share in data.within] == [0.625, 0.75, 0.75]
    distances = {p.name: round(p.distance_km, 1) for p in data.places}
    assert distances == {"A1": 0.0, "A2": 20.0, "A3": 100.1, "A4": 102.3}
    assert [r.code for r in data.regions] == ["KZ-75"]
    # One branch within 30 km: A3 or A4 brings both (300 + 100 children; weighted 450).
    plan = response.context["plan"]
    assert [b.place.name for b in plan.greedy] == ["A4"]
    assert (plan.greedy[0].children, plan.greedy[0].weight) == (400, 450.0)
    assert plan.exact_gain == plan.greedy_gain == 450.0
    assert plan.gap == 0.0
    assert plan.reach_now == 1000 + 200 * 2.0
    body = response.content.decode()
    assert 'id="plan-table"' in body and "A4" in body


def test_the_country_counts_every_region_and_leaves_out_what_it_cannot_count(
    world: World, places: Any
) -> None:
    response = client_for(world.national).get(PAGE)
    data = response.context["data"]
    assert response.status_code == 200
    assert data.national
    assert data.children == 2400
    assert data.not_counted == 1  # B2 has no number of children
    assert [(km, n) for km, n, _share in data.within] == [(10, 1800), (30, 2000), (50, 2000)]


def test_a_monitor_sees_the_country_and_staff_without_statistics_get_404(
    world: World, places: Any
) -> None:
    assert client_for(world.monitor).get(PAGE).status_code == 200
    for user in (world.coordinator_a, world.psc_a, world.police_a, world.operator):
        assert client_for(user).get(PAGE).status_code == 404
        assert client_for(user).get("/api/v1/stats/accessibility").status_code == 404
    assert Client().get(PAGE).status_code == 302  # to the sign-in page


def test_another_region_is_refused_naming_the_field(world: World, places: Any) -> None:
    response = client_for(world.regional_a).get(PAGE, {"region": "KZ-71"})
    assert response.status_code == 422
    assert "region" in response.context["form"].errors
    api = client_for(world.regional_a).get("/api/v1/stats/siting", {"region": "KZ-71"})
    assert api.status_code == 422
    assert [e["field"] for e in api.json()["errors"]] == ["region"]
    wide = client_for(world.national).get("/api/v1/stats/siting", {"radius_km": 5000})
    assert wide.status_code == 422
    assert [e["field"] for e in wide.json()["errors"]] == ["radius_km"]


def test_the_api_gives_the_same_figures(world: World, places: Any) -> None:
    client = client_for(world.regional_a)
    figures = client.get("/api/v1/stats/accessibility").json()
    assert figures["children"] == 1600
    assert [w["children"] for w in figures["within"]] == [1000, 1200, 1200]
    assert figures["regions"][0]["settlements_with_centre"] == 1
    assert figures["regions"][0]["farthest_km"] == pytest.approx(102.3, abs=0.1)
    plan = client.get("/api/v1/stats/siting", {"radius_km": 30, "branches": 1}).json()
    assert [b["settlement"] for b in plan["greedy"]] == ["A4"]
    assert plan["greedy_gain"] == plan["exact_gain"] == 450.0
    assert plan["exact_proven"] is True


def test_every_settlement_downloads_farthest_first(world: World, places: Any) -> None:
    response = client_for(world.regional_a).get(PAGE, {"download": "csv"})
    assert response.status_code == 200
    text = response.getvalue().decode().lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[0] for row in rows[1:]] == ["A4", "A3", "A2", "A1"]
    assert rows[1][4] == "102.3"
    xlsx = client_for(world.regional_a).get(PAGE, {"download": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_queries_do_not_grow_with_the_settlements(world: World, places: Any) -> None:
    client = client_for(world.national)
    client.get(PAGE)  # sessions and caches settle
    with CaptureQueriesContext(connection) as few:
        assert client.get(PAGE).status_code == 200
    for number in range(40):
        settlement(world.a.region, f"extra {number}", 43 + number / 50, 77.5, children=10)
    with CaptureQueriesContext(connection) as many:
        assert client.get(PAGE).status_code == 200
    assert len(many) == len(few)
