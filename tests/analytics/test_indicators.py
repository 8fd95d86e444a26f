"""The indicator catalogue and its one read API (decision 0014): the catalogue is checked
when loaded; values are read from rollup rows written here by hand, and the expected
figures are counted by hand in each test."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from qamqor.analytics import indicators
from qamqor.analytics.catalogue import CATALOGUE_FILE
from qamqor.analytics.dhis2 import Period
from qamqor.analytics.indicators import Area, CatalogueError, Viewer, load_catalogue, values
from qamqor.analytics.models import CaseFormRollup, DurationRollup, ScreeningRollup, StepRollup
from qamqor.care.models import SchoolEnrolment
from tests.factories import World, add_school_psychologists

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def forms(month: dt.date, region: str, form: str, cases: int) -> None:
    CaseFormRollup.objects.create(
        month=month, region=region, district=f"{region}-D1", ownership="public", form=form,
        setting="school", relationship="schoolmate", cases=cases,
    )  # fmt: skip


@pytest.fixture
def form_rows() -> None:
    forms(JAN, "KZ-75", "physical", 3)
    forms(FEB, "KZ-75", "physical", 2)
    forms(FEB, "KZ-75", "bullying", 4)
    forms(MAR, "KZ-71", "physical", 6)
    forms(MAR, "KZ-71", "sexual", 7)


def table(figures: indicators.Figures) -> dict[tuple[Any, str], Any]:
    return {(row.period, row.category): row.value for row in figures.rows}


def test_the_catalogue_loads_with_every_language_and_covers_the_brief() -> None:
    catalogue = indicators.catalogue()
    assert {
        "cases_by_form",
        "cases_registered",
        "report_to_registration_days",
        "steps_on_time_share",
        "overdue_steps",
        "referral_acceptance_hours",
        "consultations_per_psychologist",
        "crisis_exceptions",
        "pupils_per_school_psychologist",
        "psc_staff_per_10000_children",
        "non_specialist_time_share",
        "screening_band_share",
        "cases_per_1000_pupils",
    } <= set(catalogue)
    for indicator in catalogue.values():
        assert all(indicator.name[language] for language in ("kk", "ru", "en"))
    disaggregations = set(catalogue["cases_registered"].disaggregations)
    assert {"region", "district", "setting", "relationship", "ownership"} <= disaggregations


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"numerator": {"grain": "nowhere", "measures": ["cases"]}}, "unknown grain"),
        ({"numerator": {"grain": "cases", "measures": ["pupils"]}}, "needs measures"),
        ({"name": {"en": "Cases", "ru": "Случаи"}}, "kk, ru and en"),
        ({"disaggregations": ["band"]}, "cannot be broken down"),
        ({"unit": "share"}, "needs a denominator"),
        ({"period": "week"}, "period"),
        ({"denominator": {"live": "unicorns"}, "unit": "ratio"}, "unknown live figure"),
    ],
)
def test_a_bad_catalogue_entry_is_refused_by_name(change: dict[str, Any], named: str) -> None:
    entries = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))["indicators"]
    good = next(e for e in entries if e["code"] == "cases_registered")
    with pytest.raises(CatalogueError, match=named) as refused:
        load_catalogue({"indicators": [{**good, **change}]})
    assert "cases_registered" in str(refused.value)
    assert load_catalogue({"indicators": [good]})  # the entry itself is fine


def test_values_by_period_area_and_breakdown(form_rows: None) -> None:
    q1 = Period(2026, "quarter", 1)
    by_form = values("cases_by_form", kind="year", breakdown="form")
    year = Period(2026)
    assert table(by_form) == {(year, "bullying"): 4, (year, "physical"): 11, (year, "sexual"): 7}
    almaty = values("cases_by_form", periods=[q1], area=Area("region", "KZ-75"), breakdown="form")
    assert table(almaty) == {(q1, "bullying"): 4, (q1, "physical"): 5}
    assert {row.area for row in almaty.rows} == {"KZ-75"}
    monthly = values("cases_by_form", kind="month")
    assert table(monthly) == {
        (Period(2026, "month", 1), ""): 3,
        (Period(2026, "month", 2), ""): 6,
        (Period(2026, "month", 3), ""): 13,
    }
    february = values("cases_by_form", periods=[Period(2026, "month", 2)], kind="month")
    assert table(february) == {(Period(2026, "month", 2), ""): 6}
    district = values("cases_by_form", kind="all", area=Area("district", "KZ-71-D1"))
    assert table(district) == {(None, ""): 13}
    # a coordinator of region B sees region B only, whatever they ask
    astana = values("cases_by_form", kind="all", viewer=Viewer(frozenset({"KZ-71"})))
    assert table(astana) == {(None, ""): 13}
    with pytest.raises(ValueError, match="broken down"):
        values("cases_by_form", breakdown="outcome")
    with pytest.raises(LookupError):
        values("no_such_indicator")


def test_values_limited_to_one_category_of_another_breakdown(form_rows: None) -> None:
    """``where``: one region's cases by form, read from the country; a share's whole is
    limited the same way unless the share adds up across that breakdown."""
    year = Period(2026)
    almaty = values("cases_by_form", kind="year", breakdown="form", where={"region": "KZ-75"})
    assert table(almaty) == {(year, "bullying"): 4, (year, "physical"): 5}
    physical = values("cases_by_form", kind="year", breakdown="region", where={"form": "physical"})
    assert table(physical) == {(year, "KZ-71"): 6, (year, "KZ-75"): 5}
    for instrument, band, count in (
        ("gad7", "mild", 6),
        ("gad7", "severe", 9),
        ("phq_a", "mild", 5),
    ):
        ScreeningRollup.objects.create(month=JAN, region="KZ-75", district="KZ-75-D1",
                                       ownership="public", instrument=instrument, band=band,
                                       screenings=count)  # fmt: skip
    # GAD-7's bands as shares of GAD-7's screenings, not of every questionnaire's
    shares = values(
        "screening_band_share", kind="year", breakdown="band", where={"instrument": "gad7"}
    )
    assert table(shares) == {(year, "mild"): 0.4, (year, "severe"): 0.6}
    with pytest.raises(ValueError, match="cannot be limited by outcome"):
        values("cases_by_form", where={"outcome": "closed"})
    with pytest.raises(ValueError, match="cannot be limited by form"):
        values("cases_by_form", breakdown="form", where={"form": "physical"})


def test_small_cells_are_suppressed_for_monitors_with_their_complements(form_rows: None) -> None:
    year = Period(2026)
    shown = values("cases_by_form", kind="year", breakdown="form", viewer=indicators.PUBLIC)
    # bullying 4 is below 5; with the total (22) known, one more cell hides: the smaller
    # of the others (sexual 7), so 4 cannot be worked out as 22 - 11 - 7
    assert table(shown) == {
        (year, "bullying"): None,
        (year, "physical"): 11,
        (year, "sexual"): None,
    }
    hidden = {row.category for row in shown.rows if row.suppressed}
    assert hidden == {"bullying", "sexual"}
    assert all(row.numerator is None for row in shown.rows if row.suppressed)
    assert shown.suppressed
    whole = values("cases_by_form", kind="year", breakdown="form")  # a coordinator: all
    assert not any(row.suppressed for row in whole.rows)


def test_shares_and_means() -> None:
    for kind, timeliness, steps in (
        ("school", "on_time", 3),
        ("school", "late", 1),
        ("psc", "on_time", 2),
    ):
        StepRollup.objects.create(
            month=JAN, region="KZ-75", organisation_kind=kind, timeliness=timeliness, steps=steps
        )
    shares = values("steps_on_time_share", kind="all", breakdown="organisation_kind")
    assert table(shares) == {(None, "psc"): 1.0, (None, "school"): 0.75}
    late = values("steps_late", kind="all", breakdown="organisation_kind")
    assert table(late) == {(None, "school"): 1}
    DurationRollup.objects.create(
        measure="report_to_registration", month=JAN, region="KZ-75", organisation_kind="school",
        count=2, total_seconds=3 * 86400, b3=2,
    )  # fmt: skip
    [mean] = values("report_to_registration_days", kind="all").rows
    assert (mean.value, mean.numerator, mean.denominator) == (1.5, 3 * 86400, 2)


def test_staffing_is_read_live_from_the_directory(world: World) -> None:
    add_school_psychologists(world)  # one more in region A (school A2), one in region B
    for school, pupils in ((world.a.school, 1000), (world.a.school2, 500)):
        SchoolEnrolment.objects.create(
            school=school, pupils=pupils, as_of=JAN, recorded_by=world.psychologist_a
        )
    ratio = values("pupils_per_school_psychologist", breakdown="region")
    assert table(ratio) == {(None, "KZ-75"): 750.0, (None, "KZ-71"): 0.0}
    [row] = values("pupils_per_school_psychologist", area=Area("region", "KZ-75")).rows
    assert (row.numerator, row.denominator) == (1500, 2)


def test_every_indicator_reads_by_every_breakdown_and_area(world: World) -> None:
    """Each catalogue entry's sources, filters and disaggregations resolve to queries (an
    entry naming a path its table lacks fails here, not on a dashboard)."""
    areas = {
        "country": indicators.COUNTRY,
        "region": Area("region", "KZ-75"),
        "district": Area("district", "KZ-75-D1"),
        "organisation": Area("organisation", world.a.psc.code),
    }
    for code, indicator in indicators.catalogue().items():
        for kind in indicator.areas:
            for breakdown in (None, *indicator.disaggregations):
                figures = values(code, kind="month", area=areas[kind], breakdown=breakdown)
                assert figures.indicator.code == code
