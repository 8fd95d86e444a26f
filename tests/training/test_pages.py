"""Training pages: the catalogue for every member of staff and the coordinating body's
forms, one's own record with a certificate, the staff list, methodological days and the
coverage page with its downloads. Writes go over a real CSRF path; outsiders get 404."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.timezone import localdate

from qamqor.accounts.models import Role, User
from qamqor.audit.models import AuditEvent
from qamqor.training import services
from qamqor.training.models import Attendance, Enrolment, MethodologicalDay, Programme
from tests.factories import World, make_user
from tests.pdfs import clean_pdf
from tests.training.conftest import add_programme, complete

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _token(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return str(response.cookies["csrftoken"].value)


PROGRAMME_POST = {
    "programme-code": "cyber-safety",
    "programme-title_kk": "Кибербуллинг",
    "programme-title_ru": "Кибербуллинг",
    "programme-title_en": "Cyberbullying: evidence and response",
    "programme-description_en": "Keeping evidence; working with platforms.",
    "programme-provider_kind": "alternative",
    "programme-provider_name": "Safe Internet NGO",
    "programme-hours": "12",
    "programme-format": "online",
    "programme-topics": ["cyberbullying"],
    "programme-target_roles": ["school_psychologist", "psc_psychologist"],
    "programme-modules": "4 | Дәлел | Доказательства | Evidence\n8 | Жауап | Ответ | Response",
}


def test_the_national_coordinator_adds_a_programme_over_csrf(world: World) -> None:
    url = reverse("training-programme-new")
    client = _client(world.national)
    refused = client.post(url, PROGRAMME_POST)
    assert refused.status_code == 403  # no CSRF token
    token = _token(client, url)
    response = client.post(url, {**PROGRAMME_POST, "csrfmiddlewaretoken": token})
    assert response.status_code == 302, response.content.decode()[:2000]
    programme = Programme.objects.get(code="cyber-safety")
    assert [m.hours for m in programme.modules.all()] == [4, 8]
    page = client.get(reverse("training-programmes"), {"topic": "cyberbullying"})
    assert "Cyberbullying: evidence and response" in page.content.decode()
    assert (
        client.get(reverse("training-programmes"), {"topic": "violence"})
        .context["programmes"]
        .count()
        == 0
    )


def test_a_bad_module_line_is_shown_on_the_form(world: World) -> None:
    url = reverse("training-programme-new")
    client = _client(world.national)
    token = _token(client, url)
    response = client.post(
        url, {**PROGRAMME_POST, "programme-modules": "four | a", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 422
    assert "Line 1" in response.content.decode()
    summed = client.post(
        url, {**PROGRAMME_POST, "programme-modules": "4 | a | b | c", "csrfmiddlewaretoken": token}
    )
    assert summed.status_code == 422
    assert "add up" in summed.content.decode()
    assert not Programme.objects.exists()


@pytest.mark.parametrize("persona", ["regional_a", "psc_a", "monitor"])
def test_others_read_the_catalogue_but_cannot_edit_it(world: World, persona: str) -> None:
    programme = add_programme(world)
    client = _client(world.users[persona])
    assert client.get(reverse("training-programmes")).status_code == 200
    assert client.get(reverse("training-programme", args=[programme.code])).status_code == 200
    assert client.get(reverse("training-programme-new")).status_code == 404
    assert client.get(reverse("training-programme-edit", args=[programme.code])).status_code == 404


def test_the_coordinating_body_edits_and_retires(world: World) -> None:
    programme = add_programme(world)
    client = _client(world.national)
    edit = reverse("training-programme-edit", args=[programme.code])
    token = _token(client, edit)
    data = {k: v for k, v in PROGRAMME_POST.items() if k != "programme-code"}
    response = client.post(edit, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    retire = reverse("training-programme-retire", args=[programme.code])
    assert client.post(retire, {"csrfmiddlewaretoken": token}).status_code == 302
    programme.refresh_from_db()
    assert programme.hours == 12 and programme.retired
    assert client.get(reverse("training-programmes")).context["programmes"].count() == 0


def test_a_specialist_adds_a_completion_with_a_certificate(world: World) -> None:
    programme = add_programme(world)
    url = reverse("training-record")
    client = _client(world.psychologist_a)
    token = _token(client, url)
    post: dict[str, Any] = {
        "csrfmiddlewaretoken": token,
        "enrolment-programme": programme.code,
        "enrolment-status": "completed",
        "enrolment-completed_on": localdate().isoformat(),
    }
    not_a_pdf = client.post(
        url, {**post, "enrolment-certificate": SimpleUploadedFile("c.pdf", b"<script>")}
    )
    assert not_a_pdf.status_code == 422
    assert "Attach a PDF, JPEG or PNG file." in not_a_pdf.content.decode()
    assert not Enrolment.objects.exists()
    done = client.post(
        url, {**post, "enrolment-certificate": SimpleUploadedFile("c.pdf", clean_pdf())}
    )
    assert done.status_code == 302
    enrolment = Enrolment.objects.get()
    page = client.get(url).content.decode()
    assert "24 hours of completed programmes" in page
    certificate = reverse("training-certificate", args=[enrolment.public_id])
    assert _client(world.coordinator_a).get(certificate).content == clean_pdf()
    assert _client(world.coordinator_b).get(certificate).status_code == 404
    assert _client(world.coordinator_a2).get(certificate).status_code == 404
    assert AuditEvent.objects.filter(action="training.certificate.view").count() == 1


def test_another_regions_coordinator_gets_404_on_a_record(world: World) -> None:
    url = reverse("training-specialist", args=[world.psychologist_a.pk])
    assert _client(world.regional_a).get(url).status_code == 200
    assert _client(world.regional_b).get(url).status_code == 404
    assert _client(world.psc_b).get(url).status_code == 404


def test_the_staff_list_takes_as_many_queries_for_many_specialists(
    world: World, django_assert_max_num_queries: Any
) -> None:
    programme = add_programme(world)
    client = _client(world.regional_a)
    url = reverse("training-staff")
    client.get(url)  # warm the session and the menu's caches
    with django_assert_max_num_queries(40) as few:
        assert client.get(url).status_code == 200
    for n in range(8):
        user = make_user(f"more-{n}", world.a.school, Role.SCHOOL_PSYCHOLOGIST)
        complete(user, programme, localdate())
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 16
    assert AuditEvent.objects.filter(action="training_record.list").exists()


def test_the_catalogue_takes_as_many_queries_for_many_programmes(
    world: World, django_assert_max_num_queries: Any
) -> None:
    add_programme(world)
    client = _client(world.psc_a)
    url = reverse("training-programmes")
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(5):
        add_programme(world, code=f"p-{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url).context["programmes"]) == 6


def test_a_coordinator_schedules_a_day_and_marks_attendance(world: World) -> None:
    url = reverse("training-days")
    client = _client(world.regional_a)
    token = _token(client, url)
    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "day-psc": world.a.psc.code,
            "day-held_on": localdate().isoformat(),
            "day-topic": "violence",
        },
    )
    assert response.status_code == 302
    day = MethodologicalDay.objects.get()
    other = client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "day-psc": world.b.psc.code,
            "day-held_on": localdate().isoformat(),
            "day-topic": "violence",
        },
    )
    assert other.status_code == 422  # another region's PSC is not among the choices
    page = reverse("training-day", args=[day.public_id])
    marked = client.post(page, {"csrfmiddlewaretoken": token, "attendance-present": ["psc_a"]})
    assert marked.status_code == 302
    assert Attendance.objects.get().present
    staff = _client(world.psc_a)
    assert "violence" in staff.get(url).content.decode()
    assert staff.get(page).status_code == 200
    staff_token = _token(staff, page)
    assert staff.post(page, {"csrfmiddlewaretoken": staff_token}).status_code == 404
    assert _client(world.psc_b).get(page).status_code == 404
    assert _client(world.regional_b).get(page).status_code == 404


def test_coverage_page_and_download(world: World) -> None:
    complete(world.psychologist_a, add_programme(world), localdate())
    client = _client(world.monitor)
    url = reverse("training-coverage")
    page = client.get(url)
    assert page.status_code == 200
    assert "1 of 15 specialists completed a programme" in page.content.decode()
    download = client.get(url, {"table": "role", "download": "csv"})
    assert download.status_code == 200
    text = b"".join(download.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["Role", "Specialists"]
    assert ["school psychologist", "1", "1", "100.0", "24", "24.0"] in rows
    assert client.get(url, {"table": "nope", "download": "csv"}).status_code == 404
    xlsx = client.get(url, {"table": "region", "download": "xlsx"})
    assert xlsx.status_code == 200
    assert _client(world.psc_a).get(url).status_code == 404


def test_services_used_by_pages_are_the_same(world: World) -> None:
    assert services.add_enrolment.__wrapped__ is services.record_enrolment  # type: ignore[attr-defined]


def test_the_days_list_takes_as_many_queries_for_many_days(
    world: World, django_assert_max_num_queries: Any
) -> None:
    programme = add_programme(world)
    client = _client(world.psc_a)
    url = reverse("training-days")
    services.schedule_day(
        actor=world.regional_a, psc=world.a.psc, held_on=localdate(), topic="violence"
    )
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(1, 6):
        services.schedule_day(
            actor=world.regional_a,
            psc=world.a.psc,
            held_on=localdate() + timedelta(days=n),
            topic="bullying",
            programme=programme,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url).context["upcoming"]) == 6
