"""The report pages through Django's test client: the public form a school's QR code
opens and its thanks page, then triage (register, dismiss) and who may do it."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from qamqor.accounts.models import Role
from qamqor.audit.models import AuditEvent
from qamqor.cases.models import Case
from qamqor.intake import services as intake_services
from qamqor.intake.models import Report
from tests.factories import CLASSIFICATION
from tests.place import VALID_REPORT, Place, build_place, english_client, member, signed_in

pytestmark = pytest.mark.django_db


def followup_code(html: str) -> str | None:
    match = re.search(r'class="followup-code"[^>]*><code>([A-Z0-9-]+)</code>', html)
    return match.group(1) if match else None


@pytest.fixture
def place() -> Place:
    return build_place()


@pytest.fixture
def client() -> Client:
    """A visitor whose browser asks for English (the source language of the texts)."""
    return english_client()


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
    assert response.status_code == 422  # bad input is a 4xx naming the field
    assert "Please write at least a few words" in html
    assert 'aria-invalid="true"' in html
    assert Report.objects.count() == 0

    response = client.post(url, {**VALID_REPORT, "anonymous": "", "reporter_name": ""})
    assert response.status_code == 422
    assert "Give your name" in response.content.decode()
    assert Report.objects.count() == 0


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
    assert client.post(url, {"reason": ""}).status_code == 422
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
