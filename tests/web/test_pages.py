"""The cross-app pages through Django's test client: landing page, language, sign-in,
home, dashboard and notifications, and what holds across every app's pages (query
counts, 404 outside the scope, the way out on public pages). Each app's own pages are
tested beside it (tests/intake/test_report_pages.py, tests/cases/test_case_pages.py).

Data is built inline with the ORM and the services (tests/place.py), so these tests
depend on nothing but the models and services.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qamqor.accounts.models import Role, User
from qamqor.analytics.fold import fold
from qamqor.intake import services as intake_services
from qamqor.notify.models import Notification
from qamqor.protocols.models import Step
from tests.cases.forms import step_post
from tests.place import (
    VALID_REPORT,
    Place,
    build_place,
    english_client,
    member,
    new_case,
    organisation,
    signed_in,
)
from tests.support import audit_locks

pytestmark = pytest.mark.django_db

QUICK_EXIT = "data-quick-exit"


@pytest.fixture
def place() -> Place:
    return build_place()


@pytest.fixture
def client() -> Client:
    """A visitor whose browser asks for English (the source language of the texts)."""
    return english_client()


# --- public pages ---------------------------------------------------------------------


def test_landing_page_for_a_visitor(client: Client) -> None:
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Qamqor" in html
    assert reverse("login") in html
    assert 'href="tel:111"' in html
    assert QUICK_EXIT in html
    assert "chart.umd" not in html
    assert "htmx.min.js" not in html


def test_quick_exit_is_on_every_public_page(client: Client, place: Place) -> None:
    for url in (
        reverse("home"),
        reverse("report-form", args=[place.school.code]),
        reverse("report-thanks", args=[place.school.code]),
    ):
        html = client.get(url).content.decode()
        assert QUICK_EXIT in html, url
        assert f'href="{settings.QUICK_EXIT_URL}"' in html.replace("&amp;", "&"), url
        assert "js/quick-exit.js" in html, url


def test_language_switch_changes_the_page_language(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "kk", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="kk"' in client.get(reverse("home")).content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert '<html lang="en"' in client.get(reverse("home")).content.decode()


def test_language_switcher_is_on_public_and_staff_pages(client: Client, place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    pages = [
        (client, reverse("home")),
        (client, reverse("report-form", args=[place.school.code])),
        (client, reverse("login")),
        (signed_in(coordinator), reverse("home")),
        (signed_in(coordinator), reverse("case-list")),
    ]
    for who, url in pages:
        html = who.get(url).content.decode()
        assert reverse("set_language") in html, url
        assert 'name="language" value="kk"' in html, url


# --- login ------------------------------------------------------------------------------


def test_login_page_renders(client: Client) -> None:
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'type="password"' in html


def test_anonymous_staff_pages_redirect_to_login(client: Client) -> None:
    for name in ("report-list", "case-list", "dashboard", "notifications"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_repeated_wrong_passwords_show_the_lockout_page(client: Client) -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "someone", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "someone", "password": "wrong"})
    assert response.status_code == 429
    assert "Login is locked for a while" in response.content.decode()


def test_logout_is_a_post(place: Place) -> None:
    client = signed_in(member("coord", place.school, Role.SCHOOL_COORDINATOR))
    html = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("logout")}"' in html
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("case-list")).status_code == 302


# --- staff pages ----------------------------------------------------------------------


def test_home_of_a_school_coordinator_lists_tasks_and_reports(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    case = new_case(place, coordinator)
    report = intake_services.submit_report(
        school=place.school, data={**VALID_REPORT, "in_danger_now": True}
    ).report
    client = signed_in(coordinator)
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("case-detail", args=[case.number]) in html
    assert reverse("report-detail", args=[report.public_id]) in html
    assert "in danger now" in html
    assert QUICK_EXIT not in html
    assert "htmx.min.js" in html
    assert reverse("dashboard") not in html


def test_home_marks_overdue_steps(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    case = new_case(place, coordinator)
    Step.objects.filter(case=case, status=Step.Status.OPEN).update(
        due_at=timezone.now() - timedelta(days=2)
    )
    html = signed_in(coordinator).get(reverse("home")).content.decode()
    assert "badge-overdue" in html


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["home", "case-list", "report-list", "notifications"])
def test_list_pages_take_as_many_queries_for_one_row_as_for_many(place: Place, page: str) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    client = signed_in(coordinator)
    new_case(place, coordinator)
    intake_services.submit_report(school=place.school, data=VALID_REPORT)
    few = count_queries(client, reverse(page))
    for _n in range(3):
        new_case(place, coordinator, forms=["physical", "bullying"])
        intake_services.submit_report(school=place.school, data=VALID_REPORT)
    assert count_queries(client, reverse(page)) == few


def test_case_detail_and_dashboard_queries_are_bounded(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    regional = member("regional", place.education, Role.REGIONAL_COORDINATOR)
    cases = [new_case(place, coordinator) for _n in range(3)]
    Step.objects.filter(status=Step.Status.OPEN).update(due_at=timezone.now() - timedelta(days=1))
    detail = count_queries(signed_in(coordinator), reverse("case-detail", args=[cases[0].number]))
    # 17th: the life-safety alerts of the case's reports (page and timeline); 18th and
    # 19th: opening the thread is a unit of work of its own (qamqor.units), a savepoint
    # inside the test's transaction; PostgreSQL takes the audit chain's advisory lock for
    # the read's audit event, one query more
    assert detail <= 19 + audit_locks()
    fold()
    few = count_queries(signed_in(regional), reverse("dashboard"))
    for _n in range(3):
        new_case(place, coordinator, forms=["cyberbullying", "psychological"])
    Step.objects.filter(status=Step.Status.OPEN).update(due_at=timezone.now() - timedelta(days=1))
    fold()  # more rollup rows, the same queries
    assert count_queries(signed_in(regional), reverse("dashboard")) == few


def test_reports_and_cases_outside_scope_are_404(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    outsider = member("other", place.other_school, Role.SCHOOL_COORDINATOR)
    case = new_case(place, coordinator)
    report = intake_services.submit_report(school=place.school, data=VALID_REPORT).report
    client = signed_in(outsider)
    assert client.get(reverse("report-detail", args=[report.public_id])).status_code == 404
    assert (
        client.post(reverse("report-dismiss", args=[report.public_id]), {"reason": "x"}).status_code
        == 404
    )
    assert client.get(reverse("case-detail", args=[case.number])).status_code == 404
    step = case.steps.get(key="school_log")
    url = reverse("case-step-complete", args=[case.number, step.key])
    assert client.post(url, step_post(step)).status_code == 404
    case_list = client.get(reverse("case-list"))
    assert case_list.status_code == 200 and case_list.context["page"] is not None
    assert case.number not in case_list.content.decode()


def test_dashboard_for_coordinator_monitor_and_school(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    regional = member("regional", place.education, Role.REGIONAL_COORDINATOR)
    monitoring = organisation("monitoring_body", "ombudsman", None)
    monitor = member("monitor", monitoring, Role.MONITOR)
    case = new_case(place, coordinator)
    Step.objects.filter(case=case, status=Step.Status.OPEN).update(
        due_at=timezone.now() - timedelta(days=1)
    )
    fold()

    assert signed_in(coordinator).get(reverse("dashboard")).status_code == 404

    response = signed_in(regional).get(reverse("dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "chart.umd.min.js" in html
    assert 'id="forms-chart-data"' in html
    assert case.number in html  # the overdue list links the case

    response = signed_in(monitor).get(reverse("dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Almaty" in html or "Алматы" in html
    assert case.number not in html
    assert "/cases/" not in html


def test_notifications_page_and_mark_as_read(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    new_case(place, coordinator)
    notification = Notification.objects.filter(
        recipient=coordinator, channel=Notification.Channel.IN_APP
    ).first()
    assert notification is not None
    client = signed_in(coordinator)
    html = client.get(reverse("notifications")).content.decode()
    assert 'class="count"' in html
    assert notification.case is not None and notification.case.number in html  # its group
    group = client.get(reverse("notifications"), {"case": notification.case.number})
    assert notification.text_in("en")[0] in group.content.decode()  # the reader's language

    response = client.post(reverse("notification-read", args=[notification.pk]))
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None

    client.post(reverse("notifications-read-all"))
    assert not Notification.objects.filter(recipient=coordinator, read_at__isnull=True).exists()


def test_someone_elses_notification_is_not_marked(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    other = member("other", place.other_school, Role.SCHOOL_COORDINATOR)
    new_case(place, coordinator)
    notification = Notification.objects.filter(
        recipient=coordinator, channel=Notification.Channel.IN_APP
    ).first()
    assert notification is not None
    signed_in(other).post(reverse("notification-read", args=[notification.pk]))
    notification.refresh_from_db()
    assert notification.read_at is None


def test_signed_in_users_language_is_kept_and_used_at_login(client: Client, db: None) -> None:

    User.objects.create_user(username="aigerim", password="x-long-enough-password")
    client.force_login(User.objects.get(username="aigerim"))
    client.post(reverse("set_language"), {"language": "kk", "next": "/"})
    assert User.objects.get(username="aigerim").preferred_language == "kk"

    browser = Client()  # a new browser, no language cookie yet
    response = browser.post(
        reverse("login"), {"username": "aigerim", "password": "x-long-enough-password"}
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "kk"
