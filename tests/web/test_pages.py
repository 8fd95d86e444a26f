"""The server-rendered pages, through Django's test client.

Data is built inline with the ORM and the services (a region, two schools, a PSC and the
users each test needs), so these tests depend on nothing but the models and services.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qamqor.accounts.models import Membership, Role, User
from qamqor.audit.models import AuditEvent
from qamqor.cases import services as case_services
from qamqor.cases.models import Case
from qamqor.directory.models import ContactPerson, Organisation, Region
from qamqor.intake import services as intake_services
from qamqor.intake.models import Report
from qamqor.notify.models import Notification
from qamqor.protocols.models import Step
from tests.factories import CLASSIFICATION
from tests.support import audit_locks
from tests.web.forms import step_post

pytestmark = pytest.mark.django_db

QUICK_EXIT = "data-quick-exit"

VALID_REPORT = {
    "narrative": "Older pupils take my phone and laugh at me in the class chat.",
    "forms": ["bullying", "cyberbullying"],
    "setting": "school",
    "reporter_role": "child",
    "anonymous": "on",
}


def organisation(kind: str, code: str, region: Region | None) -> Organisation:
    org = Organisation.objects.create(
        kind=kind, code=code, region=region, name_kk=code, name_ru=code, name_en=f"{code} en"
    )
    ContactPerson.objects.create(
        organisation=org, full_name=f"Contact {code}", position="contact", is_designated=True
    )
    return org


def member(username: str, org: Organisation, role: str) -> User:
    user = User.objects.create_user(username=username, password=None)
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


@dataclass
class Place:
    region: Region
    school: Organisation
    other_school: Organisation
    psc: Organisation
    education: Organisation
    police: Organisation
    police_duty: Organisation


@pytest.fixture
def place() -> Place:
    """A region with every body the bullying protocol routes to."""
    region = Region.objects.create(
        code="KZ-75", kind="city", name_kk="Алматы", name_ru="Алматы", name_en="Almaty"
    )
    return Place(
        region=region,
        school=organisation("school", "school-75-1", region),
        other_school=organisation("school", "school-75-2", region),
        psc=organisation("psc", "psc-75", region),
        education=organisation("education_department", "edu-75", region),
        police=organisation("juvenile_police", "police-75", region),
        police_duty=organisation("police_duty", "duty-75", region),
    )


@pytest.fixture
def client() -> Client:
    """A visitor whose browser asks for English (the source language of the texts)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def new_case(place: Place, coordinator: User, **overrides: Any) -> Case:
    report = intake_services.submit_report(
        school=place.school,
        data={
            "narrative": "They push me in the corridor every day.",
            "forms": ["bullying"],
            "setting": "school",
            "reporter_role": "child",
            "anonymous": True,
        },
    ).report
    return case_services.register_case(
        report=report, actor=coordinator, classification={**CLASSIFICATION, **overrides}
    )


def followup_code(html: str) -> str | None:
    match = re.search(r'class="followup-code"[^>]*><code>([A-Z0-9-]+)</code>', html)
    return match.group(1) if match else None


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


def test_landing_school_code_opens_the_report_form(client: Client, place: Place) -> None:
    response = client.get(reverse("report-start"), {"school": place.school.code})
    assert response.status_code == 302
    assert response["Location"] == reverse("report-form", args=[place.school.code])

    response = client.get(reverse("report-start"), {"school": " School-75-1 "})
    assert response["Location"] == reverse("report-form", args=[place.school.code])

    response = client.get(reverse("report-start"), {"school": "no-such-school"})
    assert response.status_code == 200
    assert "No school has this code" in response.content.decode()


def test_report_form_renders_for_a_school(client: Client, place: Place) -> None:
    response = client.get(reverse("report-form", args=[place.school.code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert place.school.name_en in html or place.school.name_ru in html
    assert 'name="idempotency_token"' in html
    assert 'name="narrative"' in html
    assert "no-store" in response["Cache-Control"]
    assert "chart.umd" not in html


@pytest.mark.parametrize("code", ["no-such-school", "psc-75"])
def test_report_form_is_404_for_an_unknown_code_or_not_a_school(
    client: Client, place: Place, code: str
) -> None:
    assert client.get(reverse("report-form", args=[code])).status_code == 404
    assert client.post(reverse("report-form", args=[code]), VALID_REPORT).status_code == 404
    assert client.get(reverse("report-thanks", args=[code])).status_code == 404


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


def test_valid_report_redirects_and_thanks_page_shows_the_code_once(
    client: Client, place: Place
) -> None:
    url = reverse("report-form", args=[place.school.code])
    token = str(uuid.uuid4())
    response = client.post(url, {**VALID_REPORT, "idempotency_token": token})
    assert response.status_code == 302
    assert response["Location"] == reverse("report-thanks", args=[place.school.code])

    report = Report.objects.get()
    assert report.school == place.school
    assert report.forms == ["bullying", "cyberbullying"]
    assert report.anonymous is True

    first = client.get(response["Location"])
    code = followup_code(first.content.decode())
    assert first.status_code == 200
    assert code is not None
    assert intake_services.followup_code_hash(code) == report.followup_code_hash
    assert "no-store" in first["Cache-Control"]

    again = client.get(response["Location"])
    assert again.status_code == 200
    assert followup_code(again.content.decode()) is None
    assert code not in again.content.decode()


def test_a_resubmitted_form_creates_one_report_with_the_same_code(
    client: Client, place: Place
) -> None:
    url = reverse("report-form", args=[place.school.code])
    data = {**VALID_REPORT, "idempotency_token": str(uuid.uuid4())}
    codes = []
    for _attempt in range(2):
        response = client.post(url, data, follow=True)
        codes.append(followup_code(response.content.decode()))
    assert Report.objects.count() == 1
    assert codes[0] is not None
    assert codes[0] == codes[1]


def test_same_form_token_with_other_text_is_refused_then_accepted(
    client: Client, place: Place
) -> None:
    url = reverse("report-form", args=[place.school.code])
    token = str(uuid.uuid4())
    client.post(url, {**VALID_REPORT, "idempotency_token": token})
    changed = {**VALID_REPORT, "narrative": "Something else happened after school today."}
    response = client.post(url, {**changed, "idempotency_token": token})
    assert response.status_code == 409
    html = response.content.decode()
    assert "already sent" in html
    new_token = re.search(r'name="idempotency_token" value="([0-9a-f-]+)"', html)
    assert new_token and new_token.group(1) != token
    assert client.post(url, {**changed, "idempotency_token": new_token.group(1)}).status_code == 302
    assert Report.objects.count() == 2


def test_invalid_report_shows_the_field_error_and_stores_nothing(
    client: Client, place: Place
) -> None:
    url = reverse("report-form", args=[place.school.code])
    response = client.post(url, {**VALID_REPORT, "narrative": "short"})
    html = response.content.decode()
    assert response.status_code == 422  # issue 4: bad input is a 4xx naming the field
    assert "Please write at least a few words" in html
    assert 'aria-invalid="true"' in html
    assert Report.objects.count() == 0

    response = client.post(url, {**VALID_REPORT, "anonymous": "", "reporter_name": ""})
    assert response.status_code == 422
    assert "Give your name" in response.content.decode()
    assert Report.objects.count() == 0


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
        due_at=timezone.now() - timezone.timedelta(days=2)
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
    Step.objects.filter(status=Step.Status.OPEN).update(
        due_at=timezone.now() - timezone.timedelta(days=1)
    )
    detail = count_queries(signed_in(coordinator), reverse("case-detail", args=[cases[0].number]))
    # 17th: the life-safety alerts of the case's reports (page and timeline); PostgreSQL
    # takes the audit chain's advisory lock for the read's audit event, one query more
    assert detail <= 17 + audit_locks()
    few = count_queries(signed_in(regional), reverse("dashboard"))
    for _n in range(3):
        new_case(place, coordinator)
    Step.objects.filter(status=Step.Status.OPEN).update(
        due_at=timezone.now() - timezone.timedelta(days=1)
    )
    assert count_queries(signed_in(regional), reverse("dashboard")) == few


def test_report_detail_and_registration_through_the_page(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    report = intake_services.submit_report(school=place.school, data=VALID_REPORT).report
    client = signed_in(coordinator)

    response = client.get(reverse("report-list"))
    assert reverse("report-detail", args=[report.public_id]) in response.content.decode()

    response = client.get(reverse("report-detail", args=[report.public_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "class chat" in html
    assert reverse("report-register", args=[report.public_id]) in html
    assert AuditEvent.objects.filter(action="report.read", object_id=report.public_id).exists()

    response = client.post(
        reverse("report-register", args=[report.public_id]),
        {**CLASSIFICATION, "repeated": "true", "forms": ["bullying"]},
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case-detail", args=[case.number])
    assert case.form_codes == ["bullying"]
    response = client.get(reverse("report-detail", args=[report.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("case-detail", args=[case.number])}"' in html
    assert reverse("report-register", args=[report.public_id]) not in html


def test_registration_refused_by_the_service_is_shown_on_the_field(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    report = intake_services.submit_report(school=place.school, data=VALID_REPORT).report
    response = signed_in(coordinator).post(
        reverse("report-register", args=[report.public_id]),
        {**CLASSIFICATION, "setting": "family", "repeated": "unknown"},
    )
    html = response.content.decode()
    # the domestic violence protocol needs a guardianship body, and this region has none:
    # an error shown at registration, not a silent gap
    assert response.status_code == 422
    assert "No guardianship body is registered in region" in html
    assert Case.objects.count() == 0


def test_dismissing_a_report(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    report = intake_services.submit_report(school=place.school, data=VALID_REPORT).report
    client = signed_in(coordinator)
    url = reverse("report-dismiss", args=[report.public_id])
    assert client.post(url, {"reason": ""}).status_code == 200
    response = client.post(url, {"reason": "A test message from the school's IT staff."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.DISMISSED
    response = client.post(url, {"reason": "Again."})
    assert response.status_code == 409
    assert "already been triaged" in response.content.decode()
    response = client.get(reverse("report-detail", args=[report.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Reason: A test message" in html
    assert reverse("report-dismiss", args=[report.public_id]) not in html


def test_psychologist_sees_the_report_but_not_the_triage_forms(place: Place) -> None:
    psychologist = member("psy", place.school, Role.SCHOOL_PSYCHOLOGIST)
    report = intake_services.submit_report(school=place.school, data=VALID_REPORT).report
    client = signed_in(psychologist)
    response = client.get(reverse("report-detail", args=[report.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "class chat" in html  # the report is shown
    assert reverse("report-register", args=[report.public_id]) not in html
    response = client.post(
        reverse("report-register", args=[report.public_id]),
        {**CLASSIFICATION, "repeated": "unknown"},
    )
    assert response.status_code == 403
    assert Case.objects.count() == 0


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


def test_case_list_with_filters(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    bullying = new_case(place, coordinator, forms=["bullying"])
    physical = new_case(place, coordinator, forms=["physical"])
    client = signed_in(coordinator)
    html = client.get(reverse("case-list")).content.decode()
    assert bullying.number in html and physical.number in html
    html = client.get(reverse("case-list"), {"form": "physical"}).content.decode()
    assert physical.number in html and bullying.number not in html
    html = client.get(reverse("case-list"), {"status": "closed"}).content.decode()
    assert bullying.number not in html
    assert client.get(reverse("case-list"), {"status": "bogus"}).status_code == 200


def test_case_detail_shows_steps_and_completes_one_without_javascript(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    case = new_case(place, coordinator)
    client = signed_in(coordinator)
    url = reverse("case-detail", args=[case.number])

    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="steps"' in html
    assert "Contact school-75-1" in html
    complete = reverse("case-step-complete", args=[case.number, "school_log"])
    assert f'action="{complete}"' in html
    assert f'hx-post="{complete}"' in html
    # the PSC's step is not the school's to complete
    assert reverse("case-step-complete", args=[case.number, "psc_support"]) not in html
    assert AuditEvent.objects.filter(action="case.read", object_id=case.number).exists()

    # the structured form: one field per output field, prefixed by the step
    assert 'name="step-school_log-log_entry_number"' in html
    assert 'name="step-school_log-head_informed_on"' in html
    assert 'type="date"' in html

    step = case.steps.get(key="school_log")
    response = client.post(complete, step_post(step, log_entry_number="Entry 12/2026"))
    assert response.status_code == 302
    assert response["Location"] == url + "#step-school_log"
    step.refresh_from_db()
    assert step.status == Step.Status.DONE
    assert step.output["log_entry_number"] == "Entry 12/2026"
    html = client.get(url).content.decode()
    assert "Entry 12/2026" in html
    assert "Log entry number" in html or "log entry" in html.lower()


def test_step_completion_with_htmx_returns_the_partial(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    case = new_case(place, coordinator)
    client = signed_in(coordinator)
    complete = reverse("case-step-complete", args=[case.number, "school_log"])
    step = case.steps.get(key="school_log")

    blank = step_post(step, log_entry_number="  ")
    response = client.post(complete, blank, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="steps"')
    assert "<html" not in html
    assert 'aria-invalid="true"' in html
    assert "This field is required." in html

    bad_date = step_post(step, head_informed_on="yesterday")
    response = client.post(complete, bad_date, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()

    response = client.post(
        complete, step_post(step, log_entry_number="Entry 7"), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="case-status" hx-swap-oob="true"' in html
    assert "Entry 7" in html
    assert response["X-Qamqor-Swap-Errors"] == "1"

    response = client.post(complete, step_post(step, "Again"), HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "already done" in response.content.decode()


def test_completing_a_waiting_step_is_a_conflict_not_a_500(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    case = new_case(place, coordinator)
    url = reverse("case-step-complete", args=[case.number, "school_conversation"])
    step = case.steps.get(key="school_conversation")
    response = signed_in(coordinator).post(url, step_post(step, "Talked"))
    assert response.status_code == 409
    assert "waits for an earlier step" in response.content.decode()


def test_closing_a_case(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    clients = {
        place.school.pk: signed_in(coordinator),
        place.psc.pk: signed_in(member("psc", place.psc, Role.PSC_PSYCHOLOGIST)),
        place.police.pk: signed_in(member("police", place.police, Role.POLICE_INSPECTOR)),
        place.education.pk: signed_in(
            member("regional", place.education, Role.REGIONAL_COORDINATOR)
        ),
    }
    case = new_case(place, coordinator)
    client = clients[place.school.pk]
    close = reverse("case-close", args=[case.number])

    response = client.post(close, {"outcome": "rights_restored"})
    assert response.status_code == 409
    assert "Steps are not done yet" in response.content.decode()

    # every step, as it opens, through the page by its accountable organisation
    for _round in range(10):
        open_steps = list(
            case.steps.filter(status=Step.Status.OPEN).select_related("run__protocol")
        )
        if not open_steps:
            break
        for step in open_steps:
            url = reverse("case-step-complete", args=[case.number, step.key])
            response = clients[step.organisation_id].post(url, step_post(step, f"{step.key} ok"))
            assert response.status_code == 302, (step.key, response.content.decode()[:500])
    assert set(case.steps.values_list("status", flat=True)) == {"done", "skipped"}

    response = client.post(close, {"outcome": "rights_restored", "note": "Bullying stopped."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.is_closed
    html = client.get(reverse("case-detail", args=[case.number])).content.decode()
    assert "Bullying stopped." in html
    assert f'action="{close}"' not in html


def test_psc_user_cannot_close(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    psc_user = member("psc", place.psc, Role.PSC_PSYCHOLOGIST)
    case = new_case(place, coordinator)
    client = signed_in(psc_user)
    html = client.get(reverse("case-detail", args=[case.number])).content.decode()
    assert reverse("case-close", args=[case.number]) not in html
    assert reverse("case-step-complete", args=[case.number, "psc_support"]) in html
    response = client.post(reverse("case-close", args=[case.number]), {"outcome": "other"})
    assert response.status_code == 403


def test_dashboard_for_coordinator_monitor_and_school(place: Place) -> None:
    coordinator = member("coord", place.school, Role.SCHOOL_COORDINATOR)
    regional = member("regional", place.education, Role.REGIONAL_COORDINATOR)
    monitoring = organisation("monitoring_body", "ombudsman", None)
    monitor = member("monitor", monitoring, Role.MONITOR)
    case = new_case(place, coordinator)
    Step.objects.filter(case=case, status=Step.Status.OPEN).update(
        due_at=timezone.now() - timezone.timedelta(days=1)
    )

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
    assert notification.subject in html
    assert 'class="count"' in html

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
    from qamqor.accounts.models import User

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
