"""The workload report against numbers computed by hand (brief 1.5.4, 1.6.1, 2.3.1).

The fixture: two weeks (3 and 10 March 2025), region A with schools A1 (1,200 pupils, two
psychologists) and A2 (400 pupils, one), its PSC (two psychologists and a head) and the
PSC's branch (one); region B with school B1 (600 pupils, one) and its PSC (one).

Hours logged, non-specialist in brackets (monitoring, clubs, substituting, other):

    psychologist_a  A1      W1 10+4+6+[8+4]=32  W2 12+4+[6+2]=24   → 56 [20]  35.7 %
    second_a1       A1      W1 20+4=24                             → 24 [0]    0.0 %
    psychologist_a2 A2                          W2 15+[5]=20        → 20 [5]   25.0 %
    psc_a           PSC A   W1 25+5+2=32        W2 30+6+[4]=40      → 72 [4]    5.6 %
    psc_a2          PSC A   W1 30+6.5+[3.5]=40                     → 40 [3.5]  8.8 %
    psc_branch_a    branch                      W2 20               → 20 [0]    0.0 %
    psychologist_b  B1      W1 10+[10]=20                          → 20 [10]  50.0 %
    psc_b           PSC B   W1 35                                  → 35 [0]    0.0 %
    (psychologist_a also logged 40 h of monitoring on 24 Feb: outside the period)

Active children (a consultation in the 60 days up to 17 March 2025 00:00): psc_a sees
c1 (twice), c2, c3 → 3 (c4 was seen on 10 January: too long ago; a hotline call has no
child); psc_a2 sees c2, c5 → 2; the PSC counts c1, c2, c3, c5 → 4; the branch c6 → 1;
psychologist_a sees p1, p2 → 2.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qamqor.accounts.models import Role
from qamqor.care import selectors, services
from qamqor.protocols.workdays import ALMATY
from tests.factories import (
    CarePlaces,
    World,
    make_organisation,
    make_user,
    record_parent_consent,
)

W0, W1, W2 = date(2025, 2, 24), date(2025, 3, 3), date(2025, 3, 10)
D = Decimal


def log(world: World, persona: str, organisation: Any, week: date, **hours: float) -> None:
    services.save_work_week(
        actor=getattr(world, persona),
        organisation=organisation,
        week=week,
        hours={category: D(str(value)) for category, value in hours.items()},
    )


def seen(world: World, persona: str, organisation: Any, child: Any, day: date) -> None:
    services.record_consultation(
        actor=getattr(world, persona),
        organisation=organisation,
        child=child,
        format="in_person",
        topic="session",
        held_at=datetime(day.year, day.month, day.day, 11, 0, tzinfo=ALMATY),
        duration_minutes=45,
    )


@pytest.fixture
def fixture(world: World, care: CarePlaces) -> World:
    a, b = world.a, world.b
    world.users["second_a1"] = make_user("second_a1", a.school, Role.SCHOOL_PSYCHOLOGIST)
    for school, pupils in ((a.school, 1200), (a.school2, 400), (b.school, 600)):
        services.set_enrolment(actor=world.national, school=school, pupils=pupils)

    log(world, "psychologist_a", a.school, W0, monitoring=40)
    log(
        world,
        "psychologist_a",
        a.school,
        W1,
        consultation=10,
        diagnostics=4,
        case_paperwork=6,
        monitoring=8,
        clubs=4,
    )
    log(
        world,
        "psychologist_a",
        a.school,
        W2,
        consultation=12,
        group_work=4,
        substituting=6,
        other_duties=2,
    )
    log(world, "second_a1", a.school, W1, consultation=20, training=4)
    log(world, "psychologist_a2", a.school2, W2, consultation=15, monitoring=5)
    log(world, "psc_a", a.psc, W1, consultation=25, crisis_response=5, supervision=2)
    log(world, "psc_a", a.psc, W2, consultation=30, case_paperwork=6, other_duties=4)
    log(world, "psc_a2", a.psc, W1, consultation=30, diagnostics=6.5, clubs=3.5)
    log(world, "psc_branch_a", care.branch_a, W2, consultation=20)
    log(world, "psychologist_b", b.school, W1, consultation=10, substituting=10)
    log(world, "psc_b", b.psc, W1, consultation=35)

    def psc_child() -> Any:
        child = services.register_child(actor=world.psc_a, organisation=a.psc)
        record_parent_consent(world, child, a.psc, world.psc_a)
        return child

    c1, c2, c3, c4, c5, c6 = (psc_child() for _n in range(6))
    for persona, child, day in (
        ("psc_a", c1, date(2025, 3, 4)),
        ("psc_a", c1, date(2025, 3, 11)),
        ("psc_a", c2, date(2025, 2, 1)),
        ("psc_a", c3, date(2025, 3, 16)),
        ("psc_a", c4, date(2025, 1, 10)),
        ("psc_a2", c2, date(2025, 3, 5)),
        ("psc_a2", c5, date(2025, 3, 12)),
    ):
        seen(world, persona, a.psc, child, day)
    seen(world, "psc_branch_a", care.branch_a, c6, date(2025, 3, 6))
    services.record_consultation(
        actor=world.psc_a,
        organisation=a.psc,
        format="phone",
        hotline=True,
        topic="anonymous call",
        held_at=datetime(2025, 3, 7, 20, 0, tzinfo=ALMATY),
        duration_minutes=30,
    )
    for _n in range(2):
        pupil = services.register_child(actor=world.psychologist_a, organisation=a.school)
        record_parent_consent(world, pupil, a.school, world.psychologist_a)
        seen(world, "psychologist_a", a.school, pupil, date(2025, 3, 12))
    return world


def rows(report: selectors.WorkloadReport) -> dict[str, dict[str, Any]]:
    """label → the numbers, with the psychologist's user name standing for the label."""
    result = {}
    for row in report.rows:
        result[row.label.split(" · ")[0]] = {
            "hours": row.hours,
            "non": row.non_specialist_hours,
            "share": row.non_specialist_percent,
            "share_over": row.share_over_norm,
            "weeks": row.weeks_logged,
            "psychologists": row.psychologists,
            "pupils": row.pupils,
            "caseload": row.caseload,
            "load": row.load,
            "norm": row.norm,
            "over": row.over_norm,
        }
    return result


def report(world: World, persona: str, level: str | None = None) -> selectors.WorkloadReport:
    return selectors.workload_report(getattr(world, persona), start=W1, end=W2, level=level)


def test_per_psychologist(fixture: World) -> None:
    got = rows(report(fixture, "regional_a", "psychologist"))
    assert got == {
        "psychologist_a": {
            "hours": D(56),
            "non": D(20),
            "share": D("35.7"),
            "share_over": True,
            "weeks": 2,
            "psychologists": 1,
            "pupils": 1200,
            "caseload": 2,
            "load": D("600.0"),
            "norm": 500,
            "over": True,
        },
        "second_a1": {
            "hours": D(24),
            "non": D(0),
            "share": D("0.0"),
            "share_over": False,
            "weeks": 1,
            "psychologists": 1,
            "pupils": 1200,
            "caseload": 0,
            "load": D("600.0"),
            "norm": 500,
            "over": True,
        },
        "psychologist_a2": {
            "hours": D(20),
            "non": D(5),
            "share": D("25.0"),
            "share_over": True,
            "weeks": 1,
            "psychologists": 1,
            "pupils": 400,
            "caseload": 0,
            "load": D("400.0"),
            "norm": 500,
            "over": False,
        },
        "psc_a": {
            "hours": D(72),
            "non": D(4),
            "share": D("5.6"),
            "share_over": False,
            "weeks": 2,
            "psychologists": 1,
            "pupils": None,
            "caseload": 3,
            "load": D(3),
            "norm": 40,
            "over": False,
        },
        "psc_a2": {
            "hours": D(40),
            "non": D("3.5"),
            "share": D("8.8"),
            "share_over": False,
            "weeks": 1,
            "psychologists": 1,
            "pupils": None,
            "caseload": 2,
            "load": D(2),
            "norm": 40,
            "over": False,
        },
        "psc_branch_a": {
            "hours": D(20),
            "non": D(0),
            "share": D("0.0"),
            "share_over": False,
            "weeks": 1,
            "psychologists": 1,
            "pupils": None,
            "caseload": 1,
            "load": D(1),
            "norm": 40,
            "over": False,
        },
    }


def test_per_school_and_per_psc(fixture: World) -> None:
    schools = rows(report(fixture, "regional_a", "school"))
    assert schools == {
        fixture.a.school.name: {
            "hours": D(80),
            "non": D(20),
            "share": D("25.0"),
            "share_over": True,
            "weeks": 3,
            "psychologists": 2,
            "pupils": 1200,
            "caseload": 2,
            "load": D("600.0"),
            "norm": 500,
            "over": True,
        },
        fixture.a.school2.name: {
            "hours": D(20),
            "non": D(5),
            "share": D("25.0"),
            "share_over": True,
            "weeks": 1,
            "psychologists": 1,
            "pupils": 400,
            "caseload": 0,
            "load": D("400.0"),
            "norm": 500,
            "over": False,
        },
    }
    pscs = rows(report(fixture, "regional_a", "psc"))
    branch = fixture.a.psc.branches.get()
    assert pscs == {
        fixture.a.psc.name: {
            "hours": D(112),
            "non": D("7.5"),
            "share": D("6.7"),
            "share_over": False,
            "weeks": 3,
            "psychologists": 2,
            "pupils": None,
            "caseload": 4,
            "load": D("2.0"),
            "norm": 40,
            "over": False,
        },
        branch.name: {
            "hours": D(20),
            "non": D(0),
            "share": D("0.0"),
            "share_over": False,
            "weeks": 1,
            "psychologists": 1,
            "pupils": None,
            "caseload": 1,
            "load": D("1.0"),
            "norm": 40,
            "over": False,
        },
    }


def test_per_region(fixture: World) -> None:
    national = report(fixture, "national", "region")
    assert [row.label for row in national.rows] == [fixture.b.region.name, fixture.a.region.name]
    b, a = national.rows
    assert (a.psychologists, a.pupils, a.load, a.over_norm) == (3, 1600, D("533.3"), True)
    assert (a.hours, a.non_specialist_hours, a.non_specialist_percent) == (
        D(232),
        D("32.5"),
        D("14.0"),
    )
    assert (a.weeks_logged, a.caseload, a.psc_psychologists, a.psc_load) == (8, 7, 3, D("1.7"))
    assert (b.psychologists, b.pupils, b.load, b.over_norm) == (1, 600, D("600.0"), True)
    assert (b.hours, b.non_specialist_hours, b.non_specialist_percent) == (D(55), D(10), D("18.2"))
    assert (b.weeks_logged, b.caseload, b.psc_psychologists, b.psc_load) == (2, 0, 1, D("0.0"))
    # The monitor gets the same aggregates, and only them.
    monitor = report(fixture, "monitor")
    assert monitor.levels == ["region"] and monitor.level == "region"
    assert rows(monitor) == rows(national)
    regional = report(fixture, "regional_a", "region")
    assert [row.label for row in regional.rows] == [fixture.a.region.name]


def test_what_each_persona_may_see(fixture: World) -> None:
    assert list(rows(report(fixture, "psychologist_b"))) == ["psychologist_b"]
    other_region = report(fixture, "regional_b", "psychologist")
    assert set(rows(other_region)) == {"psychologist_b", "psc_b"}  # nothing of region A
    own = report(fixture, "psychologist_a")
    assert own.levels == ["psychologist"]
    assert list(rows(own)) == ["psychologist_a"]
    assert rows(own)["psychologist_a"]["load"] == D("600.0")  # colleagues count for the norm
    head = report(fixture, "psc_head_a")
    assert head.levels == ["psc", "psychologist"] and head.level == "psc"
    assert set(rows(report(fixture, "psc_head_a", "psychologist"))) == {
        "psc_a",
        "psc_a2",
        "psc_branch_a",
    }
    assert set(rows(report(fixture, "psc_head_a", "school"))) == {
        fixture.a.psc.name,
        fixture.a.psc.branches.get().name,
    }  # a level the head may not see falls back to theirs
    from django.http import Http404

    for persona in ("coordinator_a", "police_a", "operator"):
        with pytest.raises(Http404):
            report(fixture, persona)


def test_the_page_has_the_table_and_loads_the_chart_only_there(fixture: World) -> None:
    client = Client(headers={"accept-language": "en"})
    client.force_login(fixture.regional_a)
    page = client.get(
        "/care/workload/", {"start": "2025-03-03", "end": "2025-03-10", "level": "psychologist"}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="workload-table"' in html and "35.7%" in html and "chart.umd.min.js" in html
    chart = page.context["chart"]
    assert len(chart["labels"]) == len(chart["share"]) == len(chart["load"]) == 6
    assert (
        dict(zip(chart["labels"], chart["share"], strict=True))[
            f"psychologist_a · {fixture.a.school.name_en}"
        ]
        == 35.7
    )
    care_home = client.get("/care/")
    assert care_home.status_code == 200
    assert "/care/workload/" in care_home.content.decode()  # the page links the report
    assert "chart.umd.min.js" not in care_home.content.decode()
    api = client.get(
        "/api/v1/care/workload", {"start": "2025-03-03", "end": "2025-03-10", "level": "school"}
    ).json()
    assert api["level"] == "school" and len(api["rows"]) == 2
    assert float(api["rows"][0]["non_specialist_percent"]) == 25.0
    assert (
        client.get(
            "/api/v1/care/workload", {"start": "2025-03-10", "end": "2025-03-03"}
        ).status_code
        == 422
    )
    monitor = Client()
    monitor.force_login(fixture.monitor)
    aggregate = monitor.get(
        "/care/workload/", {"start": "2025-03-03", "end": "2025-03-10", "level": "psychologist"}
    )
    assert aggregate.status_code == 200
    assert aggregate.context["report"].level == "region"  # aggregates only
    text = aggregate.content.decode()
    assert 'id="workload-table"' in text and fixture.a.region.name_en in text
    assert "psychologist_a" not in text and "psc_a" not in text


def test_report_queries_do_not_grow_with_the_rows(fixture: World) -> None:
    """The same number of queries for the fixture and for it with more schools,
    psychologists, weeks and children (an N+1 would add queries with the rows)."""

    def queries() -> dict[str, int]:
        counts = {}
        for level in ("psychologist", "school", "psc", "region"):
            with CaptureQueriesContext(connection) as captured:
                report = selectors.workload_report(fixture.national, start=W1, end=W2, level=level)
                assert report.rows
            counts[level] = len(captured.captured_queries)
        return counts

    def row_counts() -> dict[str, int]:
        return {
            level: len(
                selectors.workload_report(fixture.national, start=W1, end=W2, level=level).rows
            )
            for level in ("psychologist", "school", "psc", "region")
        }

    small_rows = row_counts()  # also reads the user's scope, kept on the user afterwards
    small = queries()
    a = fixture.a
    for n in range(3):
        school = make_organisation(
            "school", f"school-extra-{n}", a.region, district=a.school.district
        )
        services.set_enrolment(actor=fixture.national, school=school, pupils=300 + n)
        name = f"extra_{n}"
        fixture.users[name] = make_user(name, school, Role.SCHOOL_PSYCHOLOGIST)
        log(fixture, name, school, W1, consultation=10, monitoring=n + 1)
        log(fixture, name, school, W2, consultation=12)
        name = f"extra_psc_{n}"
        fixture.users[name] = make_user(name, a.psc, Role.PSC_PSYCHOLOGIST)
        log(fixture, name, a.psc, W1, consultation=30)
        child = services.register_child(actor=fixture.users[name], organisation=a.psc)
        record_parent_consent(fixture, child, a.psc, fixture.users[name])
        seen(fixture, name, a.psc, child, date(2025, 3, 4))
    larger_rows = row_counts()
    assert larger_rows["psychologist"] == small_rows["psychologist"] + 6
    assert larger_rows["school"] > small_rows["school"]
    assert queries() == small


def test_the_period_is_four_weeks_before_this_one_unless_given() -> None:
    this_monday = services.week_start(services.local_today())
    start, end = selectors.workload_period(None, None)
    assert end == this_monday - timedelta(weeks=1)
    assert start == this_monday - timedelta(weeks=4)
    assert selectors.workload_period(date(2025, 3, 5), date(2025, 3, 13)) == (
        date(2025, 3, 3),
        date(2025, 3, 10),
    )
    assert selectors.workload_period(None, date(2025, 3, 13)) == (
        date(2025, 2, 17),
        date(2025, 3, 10),
    )
