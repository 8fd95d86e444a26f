"""Coverage of plans and policies by district, public and private apart (brief 1.1.3),
against a hand-computed fixture; out-of-scope users get 404; the page's queries do not
grow with the number of schools."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from qamqor.directory.models import District, Organisation
from qamqor.prevention import selectors, services
from qamqor.prevention.models import DocumentKind, school_year_of
from tests.factories import make_organisation
from tests.prevention.conftest import Place, signed_in

pytestmark = pytest.mark.django_db


def _document(
    place: Place,
    school: Organisation,
    kind: str,
    *,
    approve: bool = True,
    year: int | None = None,
    adopted_on: date | None = None,
) -> None:
    from qamqor.accounts.models import Role
    from tests.factories import make_user

    keeper = make_user(f"keeper-{school.code}-{kind}-{year}-{adopted_on}", school, Role.SCHOOL_HEAD)
    document = services.record_document(
        actor=keeper,
        school=school,
        kind=kind,
        school_year=year,
        adopted_on=adopted_on,
        sections={s.key: "text" for s in services.templates().of(kind).sections},
    )
    if approve:
        services.approve(actor=keeper, document=document)


def build_fixture(place: Place) -> None:
    """District 1: A1 public, plan and current policy; A2 public, plan, policy adopted
    before the Order's current version; private1, a draft plan only. District 2: A3 public,
    last year's plan only and a current policy; private2, a plan and a policy older than
    the configured period (12 months in these tests)."""
    today = timezone.localdate()
    year = school_year_of(today)
    world = place.world
    _document(place, world.a.school, DocumentKind.PLAN, year=year)
    _document(place, world.a.school, DocumentKind.POLICY, adopted_on=today - timedelta(days=30))
    _document(place, world.a.school2, DocumentKind.PLAN, year=year)
    _document(place, world.a.school2, DocumentKind.POLICY, adopted_on=date(2024, 1, 10))
    _document(place, place.private1, DocumentKind.PLAN, year=year, approve=False)
    _document(place, place.public3, DocumentKind.PLAN, year=year - 1)
    _document(place, place.public3, DocumentKind.POLICY, adopted_on=today - timedelta(days=60))
    _document(place, place.private2, DocumentKind.PLAN, year=year)
    _document(place, place.private2, DocumentKind.POLICY, adopted_on=today - timedelta(days=400))
    # region B: a school with nothing, outside region A's coordinator's view
    _document(place, world.b.school, DocumentKind.PLAN, year=year, approve=False)


def counts(side: selectors.Side) -> tuple[int, int, int]:
    return (side.schools, side.without_plan, side.policy_outdated)


@pytest.fixture(autouse=True)
def _twelve_months(settings: object) -> None:
    settings.PREVENTION_POLICY_MAX_AGE_MONTHS = 12  # type: ignore[attr-defined]


def test_coverage_by_district_matches_the_hand_count(place: Place) -> None:
    build_fixture(place)
    report = selectors.coverage(place.world.regional_a, today=timezone.localdate())
    rows = {row.name: row for row in report.districts}
    assert set(rows) == {"D1", "D2"}
    assert counts(rows["D1"].public) == (2, 0, 1)
    assert counts(rows["D1"].private) == (1, 1, 1)
    assert counts(rows["D2"].public) == (1, 1, 0)
    assert counts(rows["D2"].private) == (1, 0, 1)
    assert counts(report.public) == (3, 1, 1)
    assert counts(report.private) == (2, 1, 2)
    listed = {s.school.code for row in report.districts for s in row.schools}
    assert listed == {"school-kz75-2", "school-a-private-1", "school-a-3", "school-a-private-2"}
    national = selectors.coverage(place.world.national, today=timezone.localdate())
    assert counts(national.public) == (5, 3, 3)  # + region B's two public schools


def test_the_coverage_page_and_api_show_the_counts(place: Place) -> None:
    build_fixture(place)
    page = signed_in(place.world.regional_a).get(reverse("prevention-coverage"))
    assert page.status_code == 200
    text = page.content.decode()
    assert (
        "school-a-private-2 (en)" in text
        and "school-kz75-1 (en)" not in text.split("need attention")[1]
    )
    body = signed_in(place.world.regional_a).get("/api/v1/prevention/coverage").json()
    assert body["public"] == {"schools": 3, "without_plan": 1, "policy_outdated": 1}
    assert body["private"] == {"schools": 2, "without_plan": 1, "policy_outdated": 2}


def test_coverage_is_404_outside_the_coordinators(place: Place) -> None:
    world = place.world
    for user in (
        world.coordinator_a,
        world.psychologist_a,
        place.head_a,
        world.police_a,
        world.monitor,
    ):
        client = signed_in(user)
        assert client.get(reverse("prevention-coverage")).status_code == 404
        assert client.get("/api/v1/prevention/coverage").status_code == 404


def test_the_coverage_page_reads_a_fixed_number_of_queries(
    place: Place, django_assert_max_num_queries: object
) -> None:
    build_fixture(place)
    client = signed_in(place.world.national)
    url = reverse("prevention-coverage")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(6):  # more districts and more schools: the same queries
        district = District.objects.create(
            region=place.world.a.region,
            code=f"extra-{n}",
            name_kk=f"X{n}",
            name_ru=f"X{n}",
            name_en=f"X{n}",
        )
        for m in range(2):
            make_organisation(
                "school",
                f"school-extra-{n}-{m}",
                place.world.a.region,
                district=district,
                is_private=bool(m),
            )
    with django_assert_max_num_queries(len(few.captured_queries)):  # type: ignore[operator]
        assert client.get(url).status_code == 200
