"""The statistics API on the rollups: the catalogue and an indicator's values, gated like
``/stats``; coordinators see their regions, monitors suppressed figures; and the
dashboard says "as of" the last fold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from qamqor.accounts.models import User
from qamqor.analytics.fold import fold
from qamqor.analytics.models import CaseFormRollup
from tests.factories import World, register_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def rows() -> None:
    for region, form, cases in (
        ("KZ-75", "physical", 12),
        ("KZ-75", "bullying", 3),
        ("KZ-71", "physical", 2),
        ("KZ-71", "bullying", 9),
    ):
        CaseFormRollup.objects.create(
            month=dt.date(2026, 3, 1), region=region, district=f"{region}-D1",
            ownership="public", form=form, setting="school", relationship="schoolmate",
            cases=cases,
        )  # fmt: skip


def test_the_catalogue_is_for_those_who_see_statistics(world: World) -> None:
    answer = client_for(world.regional_a).get("/api/v1/stats/indicators")
    assert answer.status_code == 200
    entry = next(e for e in answer.json() if e["code"] == "cases_by_form")
    assert entry["name"] == "Cases by form of violence"
    assert set(entry["names"]) == {"kk", "ru", "en"} and "form" in entry["disaggregations"]
    for persona in (world.coordinator_a, world.psc_a, world.police_a):
        assert client_for(persona).get("/api/v1/stats/indicators").status_code == 404
        url = "/api/v1/stats/indicators/cases_by_form"
        assert client_for(persona).get(url).status_code == 404


def test_a_coordinator_reads_their_region_only(world: World, rows: None) -> None:
    client = client_for(world.regional_a)
    answer = client.get("/api/v1/stats/indicators/cases_by_form?breakdown=form&period=all")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert {(v["category"], v["value"]) for v in body["values"]} == {
        ("bullying", 3),
        ("physical", 12),
    }  # region A's figures only, unsuppressed
    assert body["suppressed"] is False
    outside = client.get("/api/v1/stats/indicators/cases_by_form?region=KZ-71")
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["field"] == "region"
    quarter = client.get(
        "/api/v1/stats/indicators/cases_by_form?period=quarter&start=2026-01&end=2026-06"
    ).json()
    assert [(v["period"], v["value"]) for v in quarter["values"]] == [("2026-Q1", 15)]
    assert client.get("/api/v1/stats/indicators/nothing").status_code == 404
    bad = client.get("/api/v1/stats/indicators/cases_by_form?breakdown=band")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "breakdown"


def test_a_monitor_sees_small_cells_suppressed(world: World, rows: None) -> None:
    answer = client_for(world.monitor).get(
        "/api/v1/stats/indicators/cases_by_form?breakdown=form&period=all&region=KZ-71"
    )
    body = answer.json()
    assert body["suppressed"] is True and body["minimum"] == 5
    # region B: physical 2 is hidden, and bullying 9 with it (the total 11 is known)
    assert {(v["category"], v["value"]) for v in body["values"]} == {
        ("bullying", None),
        ("physical", None),
    }
    national = client_for(world.monitor).get(
        "/api/v1/stats/indicators/cases_by_form?breakdown=form&period=all"
    )
    assert {(v["category"], v["value"]) for v in national.json()["values"]} == {
        ("bullying", 12),
        ("physical", 14),
    }


def test_the_dashboard_says_as_of_the_last_fold_and_suppresses_for_monitors(
    world: World,
) -> None:
    register_case(world)
    html = client_for(world.regional_a).get(reverse("dashboard")).content.decode()
    assert "figures not counted yet" in html
    fold()
    html = client_for(world.regional_a).get(reverse("dashboard")).content.decode()
    assert "as of" in html and "figures not counted yet" not in html
    monitor = client_for(world.monitor).get(reverse("dashboard")).content.decode()
    assert 'id="suppressed-note"' in monitor
    assert "suppressed-note" not in html
