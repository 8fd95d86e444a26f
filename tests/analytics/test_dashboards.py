"""The statistics dashboards (brief 1.2.1, 1.4.1, 3.1.1, 2.3.9): figures equal the read
API's, drill-down links, scope (404 outside the viewer's regions), suppression for
monitors, downloads, and query counts that do not grow with the data."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from qamqor.accounts.models import User
from qamqor.analytics import dashboards, indicators
from qamqor.analytics.dhis2 import Period
from qamqor.analytics.indicators import Area, Viewer
from qamqor.analytics.models import ActivityRollup, CaseRollup, OverdueStepSnapshot
from qamqor.directory.models import Organisation, Settlement
from tests.factories import World, make_organisation

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)
MARCH = Period(2026, "month", 3)
FEBRUARY = Period(2026, "month", 2)
QUERY = {"kind": "month", "period": "2026-03", "indicator": "cases_registered"}


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def cases(month: dt.date, region: str, count: int, *, relationship: str = "schoolmate") -> None:
    CaseRollup.objects.create(
        month=month, region=region, district=f"{region}-D1", ownership="public",
        setting="school", relationship=relationship, protocol="bullying", cases=count,
        registered=count,
    )  # fmt: skip


def consultations(month: dt.date, organisation: Organisation, count: int) -> None:
    assert organisation.region is not None
    ActivityRollup.objects.create(
        activity="consultation", month=month, region=organisation.region.code,
        organisation_kind=organisation.kind, organisation=organisation.code, events=count,
    )  # fmt: skip


@pytest.fixture
def figures(world: World) -> World:
    cases(FEB, "KZ-75", 6)
    cases(MAR, "KZ-75", 9)
    cases(MAR, "KZ-71", 3)  # a small cell: a monitor must not see it
    consultations(MAR, world.a.school, 12)
    consultations(FEB, world.a.school, 7)
    return world


def client_for(user: User) -> Client:
    """Signed in, reading English (without the language cookie a page speaks Russian)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def board(response: Any) -> dashboards.Dashboard:
    assert response.status_code == 200
    found: dashboards.Dashboard = response.context["board"]
    return found


def test_the_country_page_shows_the_read_apis_figures(figures: World) -> None:
    cases(dt.date(2025, 3, 1), "KZ-71", 5)  # a year earlier, for the trend's comparison
    page = board(client_for(figures.national).get(reverse("statistics"), QUERY))
    expected = indicators.values("cases_registered", periods=[MARCH], breakdown="region")
    by_region = {row.category: row.value for row in expected.rows}
    ranked = page.table("ranked")
    assert ranked is not None
    assert {row[2]: row[3] for row in ranked.rows} == by_region == {"KZ-75": 9, "KZ-71": 3}
    assert [row[2] for row in ranked.rows] == ["KZ-75", "KZ-71"]  # ranked, highest first
    assert ranked.rows[0][4:] == [6, 3]  # previous period and the change
    tile = next(t for t in page.tiles if t.code == "cases_registered")
    assert (tile.value, tile.before, tile.change) == (12, 6, 6)
    trend = page.table("trend")
    assert trend is not None and trend.rows[-2:] == [["2026-02", 6, 0], ["2026-03", 12, 5]]
    assert page.trend["values"][-1] == 12
    assert page.trend["earlier"][-1] == 5
    [almaty] = [t for t in page.tiles_map if t.code == "KZ-75"]
    assert (almaty.value, almaty.url) == (9, reverse("statistics-region", args=["KZ-75"]))
    assert len(page.tiles_map) == 20  # every region has its tile, with or without data


def test_drill_down_from_the_country_to_a_schools_figures(figures: World) -> None:
    client = client_for(figures.national)
    country = client.get(reverse("statistics"), QUERY).content.decode()
    region_url = reverse("statistics-region", args=["KZ-75"])
    assert f'href="{region_url}?' in country
    region = client.get(region_url, QUERY)
    district_url = reverse("statistics-district", args=[figures.a.district.pk])
    assert f'href="{district_url}?' in region.content.decode()
    ranked = board(region).table("ranked")
    assert ranked is not None and ranked.rows[0][3] == 9
    district = client.get(district_url, QUERY)
    school_url = reverse("statistics-organisation", args=[figures.a.school.pk])
    assert f'href="{school_url}?' in district.content.decode()
    organisations = board(district).table("ranked")
    assert organisations is not None and "ranked by" in organisations.note  # by consultations
    assert organisations.rows[0][1:4] == [figures.a.school.name, figures.a.school.code, 12]
    school = board(client.get(school_url, {"kind": "month", "period": "2026-03"}))
    tile = next(t for t in school.tiles if t.code == "consultations")
    expected = indicators.values(
        "consultations", periods=[FEBRUARY, MARCH], area=Area("organisation", figures.a.school.code)
    )
    assert {r.period: r.value for r in expected.rows} == {FEBRUARY: 7, MARCH: 12}
    assert (tile.value, tile.before, tile.change) == (12, 7, 5)


def test_a_place_outside_the_viewers_regions_is_a_404(figures: World) -> None:
    regional_b = client_for(figures.regional_b)
    assert regional_b.get(reverse("statistics-region", args=["KZ-71"])).status_code == 200
    for url in (
        reverse("statistics-region", args=["KZ-75"]),
        reverse("statistics-district", args=[figures.a.district.pk]),
        reverse("statistics-organisation", args=[figures.a.school.pk]),
    ):
        assert regional_b.get(url).status_code == 404, url
    # their country page holds their region only
    own = board(regional_b.get(reverse("statistics"), QUERY))
    ranked = own.table("ranked")
    assert ranked is not None and [row[2] for row in ranked.rows] == ["KZ-71"]
    assert own.place.name == "Your regions"
    tile = next(t for t in own.tiles if t.code == "cases_registered")
    assert tile.value == 3  # their region's figure, not the country's
    [almaty] = [t for t in own.tiles_map if t.code == "KZ-75"]
    assert (almaty.value, almaty.url) == (None, "")  # no figure and no link outside
    assert client_for(figures.psc_a).get(reverse("statistics")).status_code == 404
    assert client_for(figures.national).get("/statistics/region/KZ-00/").status_code == 404


def _numbers(page: dashboards.Dashboard) -> list[Any]:
    """Every count on the page a monitor reads: headline counts and ranked counts."""
    found: list[Any] = [
        value for tile in page.tiles if tile.unit == "count" for value in (tile.value, tile.before)
    ]
    ranked = page.table("ranked")
    assert ranked is not None
    found += [cell for row in ranked.rows for cell in row[3:5]]
    found += [tile.value for tile in page.tiles_map]
    return found


def test_a_monitor_never_sees_a_count_of_one_to_four(figures: World) -> None:
    national = board(client_for(figures.national).get(reverse("statistics"), QUERY))
    assert 3 in _numbers(national)  # the small cell is there for a coordinator
    response = client_for(figures.monitor).get(reverse("statistics"), QUERY)
    monitor = board(response)
    assert monitor.suppressed
    shown = _numbers(monitor)
    assert not [n for n in shown if n is not None and 1 <= n <= 4], shown
    assert "&lt;5" in response.content.decode()
    assert Viewer.of(figures.monitor).suppressed


def test_each_table_downloads_as_csv_and_xlsx(figures: World) -> None:
    client = client_for(figures.national)
    page = board(client.get(reverse("statistics"), QUERY))
    for table in page.tables:
        answer = client.get(reverse("statistics"), {**QUERY, "table": table.key, "download": "csv"})
        assert answer.status_code == 200, table.key
        text = b"".join(answer.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == table.header and len(rows) == len(table.rows) + 1
        xlsx = client.get(reverse("statistics"), {**QUERY, "table": table.key, "download": "xlsx"})
        assert xlsx.status_code == 200 and "spreadsheetml" in xlsx["Content-Type"]
    ranked = client.get(reverse("statistics"), {**QUERY, "table": "ranked", "download": "csv"})
    text = b"".join(ranked.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "KZ-75" in text and "9" in text
    missing = client.get(reverse("statistics"), {**QUERY, "table": "nope", "download": "csv"})
    assert missing.status_code == 404


def test_the_menu_offers_statistics_to_those_who_may_see_them(figures: World) -> None:
    link = f'href="{reverse("statistics")}"'
    assert link in client_for(figures.national).get(reverse("home")).content.decode()
    assert link in client_for(figures.monitor).get(reverse("home")).content.decode()
    assert link not in client_for(figures.psc_a).get(reverse("home")).content.decode()


def _grow(world: World, size: int) -> None:
    """``size`` more rows of history in both regions and ``size`` more schools in
    district A-D1, each with consultations."""
    for index in range(size):
        for region in ("KZ-75", "KZ-71"):
            cases(
                dt.date(2025, 1 + index % 12, 1), region, 5 + index, relationship=f"r{size}-{index}"
            )
        school = make_organisation(
            "school", f"school-grow-{size}-{index}", world.a.region, district=world.a.district
        )
        consultations(MAR, school, 5 + index)


def _counts(world: World) -> list[int]:
    client = client_for(world.national)
    urls = [
        reverse("statistics"),
        reverse("statistics-region", args=["KZ-75"]),
        reverse("statistics-district", args=[world.a.district.pk]),
        reverse("statistics-organisation", args=[world.a.school.pk]),
    ]
    client.get(urls[0], QUERY)  # warm the session and caches
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, QUERY).status_code == 200
        counts.append(len(queries.captured_queries))
    return counts


def test_query_counts_do_not_grow_with_the_data(figures: World) -> None:
    _grow(figures, 4)  # n
    small = _counts(figures)
    _grow(figures, 8)  # 3n
    assert _counts(figures) == small
    assert max(small) < 60, small


@pytest.mark.parametrize(
    ("code", "kind", "period", "before"),
    [
        ("2026-03", "month", Period(2026, "month", 3), Period(2026, "month", 2)),
        ("2026-01", "month", Period(2026, "month", 1), Period(2025, "month", 12)),
        ("2026-Q1", "quarter", Period(2026, "quarter", 1), Period(2025, "quarter", 4)),
        ("2026", "year", Period(2026), Period(2025)),
    ],
)
def test_periods_and_the_one_before(code: str, kind: str, period: Period, before: Period) -> None:
    assert dashboards.parse_period(code, kind) == period
    assert dashboards.previous(period) == before
    assert indicators.period_code(period) == code


@pytest.mark.parametrize(
    ("code", "kind"), [("2026-13", "month"), ("2026-03", "quarter"), ("x", "year")]
)
def test_an_unreadable_period_is_none(code: str, kind: str) -> None:
    assert dashboards.parse_period(code, kind) is None


def test_a_quarter_is_compared_with_the_quarter_before(figures: World) -> None:
    cases(dt.date(2025, 11, 1), "KZ-75", 5)
    query = {"kind": "quarter", "period": "2026-Q1", "indicator": "cases_registered"}
    page = board(client_for(figures.national).get(reverse("statistics"), query))
    tile = next(t for t in page.tiles if t.code == "cases_registered")
    assert (tile.value, tile.before, tile.change) == (18, 5, 13)
    assert page.trend["labels"][-1] == "2026-03"  # twelve months to the quarter's last
    # an unreadable period falls back to the current one rather than failing
    fallback = client_for(figures.national).get(reverse("statistics"), {"period": "2026-Q9"})
    assert board(fallback).period == dashboards.period_of(timezone.localdate(), "month")


def test_the_gaps_short_staffed_regions_and_overdue_hot_spots(figures: World) -> None:
    """Region A has one PSC worker for 20,000 children (0.5 per 10,000, below 1.0),
    region B one for 5,000 (2.0); overdue steps now sit mostly with schools."""
    for region, children in ((figures.a.region, 20_000), (figures.b.region, 5_000)):
        Settlement.objects.create(
            region=region, kind="city", name_kk="S", name_ru="S", name_en="S", children=children
        )
    OverdueStepSnapshot.objects.create(region="KZ-75", organisation_kind="school", steps=7)
    OverdueStepSnapshot.objects.create(region="KZ-71", organisation_kind="psc", steps=2)
    page = board(client_for(figures.national).get(reverse("statistics"), QUERY))
    staff = page.table("staff")
    assert staff is not None
    expected = indicators.values("psc_staff_per_10000_children", breakdown="region")
    assert {r.category: r.value for r in expected.rows} == {"KZ-75": 0.5, "KZ-71": 2.0}
    assert [row[1:] for row in staff.rows] == [["KZ-75", 1, 20_000, 0.5]]
    overdue = page.table("overdue")
    assert overdue is not None
    assert [row[2] for row in overdue.rows] == [7, 2, 7, 2]  # by kind, then by region
    assert overdue.rows[2][1] == figures.a.region.name
    almaty = board(client_for(figures.national).get(reverse("statistics-region", args=["KZ-75"])))
    assert almaty.table("staff") is None  # a PSC serves its whole region, no district
    hot = almaty.table("overdue")
    assert hot is not None and [row[2] for row in hot.rows] == [7]
