"""Intake: follow-up for anonymous reporters, registration notice, life-safety alerts,
attachments, rate limits, the honeypot, embedding, untrue reports, staff entry, duplicates."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from qamqor.audit.models import AuditEvent
from qamqor.cases import services as case_services
from qamqor.intake import alerts, services
from qamqor.intake.models import LifeSafetyAlert, Report, ReportAttachment, ReporterMessage
from qamqor.notify import selectors as notify_selectors
from qamqor.notify.models import Notification
from tests.factories import CLASSIFICATION, REPORT_DATA, World


@pytest.fixture(autouse=True)
def _english(settings) -> None:
    """The assertions read the English texts (kk/ru are the translator's)."""
    settings.LANGUAGE_CODE = "en"


CODE = re.compile(r"[A-Z2-7]{4}(?:-[A-Z2-7]{4}){4}")


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def submit(world: World, **overrides: object) -> services.Submitted:
    return services.submit_report(school=world.a.school, data={**REPORT_DATA, **overrides})


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (43.0, 15.0, 0.0)}  # GPSInfo: latitude
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def form_data(**extra: object) -> dict:
    data = {k: v for k, v in REPORT_DATA.items() if v not in (False, "")}
    data.update({"anonymous": "on", "idempotency_token": "8b5f4a4e-6f0f-4a43-9d1c-1b4a3d2c1e00"})
    data.update(extra)
    return data


# --- follow-up ---------------------------------------------------------------------------


def test_followup_page_shows_status_number_and_thread_without_staff_names(
    client: Client, world: World
) -> None:
    submitted = submit(world)
    response = client.post("/followup/", {"code": submitted.followup_code.lower()})
    assert response.status_code == 302
    first_look = client.get("/followup/status/")
    assert first_look.status_code == 200
    assert "We have your report" in first_look.content.decode()

    case = case_services.register_case(
        report=submitted.report, actor=world.coordinator_a, classification=CLASSIFICATION
    )
    staff = Client()
    login(staff, world.coordinator_a)
    reply = staff.post(
        f"/reports/{submitted.report.public_id}/reply/", {"body": "Thank you. Are you safe now?"}
    )
    assert reply.status_code == 302
    page = client.get("/followup/status/").content.decode()
    assert case.number in page  # 1.3.5: the number, on the reporter's channel
    assert "Are you safe now?" in page
    assert "coordinator_a" not in page and world.coordinator_a.email not in page
    assert case.summary not in page  # internal classification stays internal

    sent = client.post("/followup/status/", {"body": "Yes, thank you. It happened again today."})
    assert sent.status_code == 302
    message = ReporterMessage.objects.get(sender="reporter")
    assert message.report == submitted.report
    # the handler sees it on the report page and got an in-app notice
    detail = staff.get(f"/reports/{submitted.report.public_id}/").content.decode()
    assert "It happened again today." in detail
    assert Notification.objects.filter(template="reporter_message").exists()
    assert AuditEvent.objects.filter(action="report.staff_reply").exists()


def test_wrong_code_is_a_422_on_the_code_field_and_attempts_are_limited(
    client: Client, world: World, settings
) -> None:
    settings.FOLLOWUP_RATE_PER_HOUR = 3
    for _ in range(3):
        response = client.post("/followup/", {"code": "AAAA-BBBB-CCCC-DDDD-EEEE"})
        assert response.status_code == 422
        assert "does not open any report" in response.content.decode()
    assert client.post("/followup/", {"code": "AAAA-BBBB-CCCC-DDDD-EEEE"}).status_code == 429
    api = client.post("/api/v1/followup", {"code": "x"}, content_type="application/json")
    assert api.status_code == 429
    assert api.json()["errors"][0]["field"] == "code"


def test_status_page_without_a_code_goes_to_the_code_form(client: Client, db: None) -> None:
    response = client.get("/followup/status/")
    assert response.status_code == 302 and response["Location"] == "/followup/"


def test_code_expires_after_closure(client: Client, world: World, settings) -> None:
    settings.FOLLOWUP_EXPIRY_DAYS = 10
    submitted = submit(world)
    services.dismiss_report(report=submitted.report, actor=world.coordinator_a, reason="test")
    body = {"code": submitted.followup_code}
    assert client.post("/api/v1/followup", body, content_type="application/json").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=11)):
        response = client.post("/api/v1/followup", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "code"


def test_followup_api_status_and_messages(client: Client, world: World) -> None:
    submitted = submit(world)
    response = client.post(
        "/api/v1/followup", {"code": submitted.followup_code}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "new" and response.json()["case_number"] is None
    posted = client.post(
        "/api/v1/followup/messages",
        {"code": submitted.followup_code, "body": "More: they wait for me after lessons."},
        content_type="application/json",
    )
    assert posted.status_code == 201
    assert posted.json()["messages"][0]["sender"] == "reporter"
    assert "author" not in posted.json()["messages"][0]
    empty = client.post(
        "/api/v1/followup/messages",
        {"code": submitted.followup_code, "body": "  "},
        content_type="application/json",
    )
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "body"
    bad = client.post("/api/v1/followup", "{not json", content_type="application/json")
    assert bad.status_code == 400


@pytest.mark.parametrize("persona", ["coordinator_b", "psc_b", "police_a", "monitor"])
def test_outsiders_get_404_on_report_pages_with_personal_data(
    client: Client, world: World, persona: str
) -> None:
    submitted = submit(world, in_danger_now=True)
    report = submitted.report
    ReportAttachment.objects.create(
        report=report,
        file_name="a.pdf",
        content_type="application/pdf",
        size=5,
        sha256="x",
        content=b"%PDF-",
    )
    attachment = ReportAttachment.objects.get()
    login(client, getattr(world, persona))
    for url in (
        f"/reports/{report.public_id}/",
        f"/reports/{report.public_id}/attachments/{attachment.pk}/",
        f"/alerts/{report.public_id}/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/reports/{report.public_id}/reply/",
        f"/reports/{report.public_id}/untrue/",
        f"/alerts/{report.public_id}/acknowledge/",
    ):
        assert client.post(url, {"body": "hello there", "reason": "x" * 20}).status_code == 404
    assert not ReporterMessage.objects.filter(sender="staff").exists()


# --- registration --------------------------------------------------------------------------


def test_registration_can_choose_the_school_for_a_region_only_report(world: World) -> None:
    report = services.submit_report(
        region=world.a.region,
        received_by=world.helpline,
        data=REPORT_DATA,
        channel="helpline_111",
    ).report
    case = case_services.register_case(
        report=report,
        actor=world.national,
        classification={**CLASSIFICATION, "school": world.a.school2.code},
    )
    assert case.school == world.a.school2
    report.refresh_from_db()
    assert report.school == world.a.school2
    assert ReporterMessage.objects.filter(report=report, sender="system").count() == 1

    other = services.submit_report(
        region=world.a.region,
        received_by=world.helpline,
        data=REPORT_DATA,
        channel="helpline_111",
    ).report
    from qamqor.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        case_services.register_case(
            report=other,
            actor=world.national,
            classification={**CLASSIFICATION, "school": world.b.school.code},
        )
    assert error.value.errors[0].field == "school"


def test_reporter_notice_is_the_hook_for_other_channels(world: World) -> None:
    seen = []
    services.reporter_message_sent.connect(
        lambda **kw: seen.append(kw["message"].body), weak=False, dispatch_uid="test-hook"
    )
    try:
        report = submit(world).report
        with pytest.raises(AssertionError):  # on_commit: not sent inside the test transaction
            services.reporter_notice(report, "Hello")
            assert seen
    finally:
        services.reporter_message_sent.disconnect(dispatch_uid="test-hook")
    # the body is encrypted at rest (qamqor.ops.fields): compared in Python, not in SQL
    bodies = ReporterMessage.objects.filter(sender="system").values_list("body", flat=True)
    assert "Hello" in list(bodies)


# --- life safety ---------------------------------------------------------------------------


def test_in_danger_now_goes_to_duty_responders_and_repeats_until_acknowledged(
    client: Client, world: World, settings
) -> None:
    settings.LIFE_SAFETY_REPEAT_MINUTES = 5
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        report = submit(world, in_danger_now=True).report
        alert = LifeSafetyAlert.objects.get(report=report)
        assert {o.pk for o in alert.responders.all()} == {world.a.police_duty.pk, world.a.psc.pk}
        first = Notification.objects.filter(template="life_safety_alert").count()
        assert first > 0
        assert alerts.repeat_unacknowledged() == 0  # not yet due
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert alerts.repeat_unacknowledged() == 1
        assert alerts.repeat_unacknowledged() == 0  # claimed: one round per interval
    second = Notification.objects.filter(template="life_safety_alert").count()
    assert second > first

    # the police duty officer sees the alert and acknowledges it
    def unread_rounds(user: object) -> int:
        return len([n for n in notify_selectors.pinned(user) if n.template == "life_safety_alert"])

    others = [m.user for m in world.a.psc.memberships.select_related("user")]
    assert unread_rounds(world.duty_a) == 2 and others
    others_unread = [unread_rounds(user) for user in others]
    officer = login(Client(enforce_csrf_checks=True), world.duty_a)
    page = officer.get(f"/alerts/{report.public_id}/")
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    acknowledge = f"/alerts/{report.public_id}/acknowledge/"
    assert officer.post(acknowledge).status_code == 403  # no token: refused, nothing read
    assert unread_rounds(world.duty_a) == 2
    assert officer.post(acknowledge, {"csrfmiddlewaretoken": token.group(1)}).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.duty_a
    # Having taken it, the officer no longer has its rounds pinned as unread; the PSC's
    # staff keep theirs until they read them.
    assert unread_rounds(world.duty_a) == 0
    assert [unread_rounds(user) for user in others] == others_unread != [0] * len(others)
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        assert alerts.repeat_unacknowledged() == 0
    assert AuditEvent.objects.filter(action="report.life_safety_ack").exists()


def test_suicide_risk_at_registration_raises_an_alert(world: World) -> None:
    report = submit(world).report
    case_services.register_case(
        report=report,
        actor=world.coordinator_a,
        classification={**CLASSIFICATION, "self_harm_risk": True},
    )
    assert LifeSafetyAlert.objects.get(report=report).reason == "suicide_risk"


def test_worker_runs_the_life_safety_sweep(world: World) -> None:
    from qamqor.worker import run_sweeps

    assert "life_safety_repeated" in run_sweeps()


# --- the web form: attachments, honeypot, limits, embedding ----------------------------


def test_attachment_is_stored_without_location(client: Client, world: World) -> None:
    photo = SimpleUploadedFile("me.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(f"/report/{world.a.school.code}/", {**form_data(), "attachments": photo})
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = ReportAttachment.objects.get()
    assert stored.content_type == "image/jpeg"
    with Image.open(io.BytesIO(bytes(stored.content))) as image:
        assert 0x8825 not in image.getexif()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", b"MZ\x90\x00 this is an exe"),  # disguised by its name
        ("photo.jpg", b"\xff\xd8\xff" + b"not really a jpeg"),  # magic, but no image
    ],
)
def test_disguised_files_are_refused_naming_the_field(
    client: Client, world: World, name: str, content: bytes
) -> None:
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = client.post(
        f"/report/{world.a.school.code}/", {**form_data(), "attachments": upload}
    )
    assert response.status_code == 422
    assert 'id="id_attachments_error"' in response.content.decode()
    assert Report.objects.count() == 0 and ReportAttachment.objects.count() == 0


def test_oversized_file_is_refused(client: Client, world: World, settings) -> None:
    settings.REPORT_ATTACHMENT_MAX_BYTES = 1024
    upload = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 2000, content_type="application/pdf")
    response = client.post(
        f"/report/{world.a.school.code}/", {**form_data(), "attachments": upload}
    )
    assert response.status_code == 422
    assert 'id="id_attachments_error"' in response.content.decode()
    assert Report.objects.count() == 0


def test_honeypot_creates_nothing(client: Client, world: World) -> None:
    response = client.post(f"/report/{world.a.school.code}/", form_data(website="http://spam"))
    assert response.status_code == 200
    assert Report.objects.count() == 0


def test_reports_per_address_are_limited(client: Client, world: World, settings) -> None:
    settings.REPORT_RATE_PER_HOUR = 2
    for i in range(2):
        data = form_data(idempotency_token=f"8b5f4a4e-6f0f-4a43-9d1c-1b4a3d2c1e0{i}")
        assert client.post(f"/report/{world.a.school.code}/", data).status_code == 302
    response = client.post(
        f"/report/{world.a.school.code}/",
        form_data(idempotency_token="8b5f4a4e-6f0f-4a43-9d1c-1b4a3d2c1e09"),
    )
    assert response.status_code == 429
    assert Report.objects.count() == 2


def test_reports_per_channel_identifier_are_limited(world: World, settings) -> None:
    settings.REPORT_RATE_PER_HOUR = 1
    services.submit_report(
        school=world.a.school, data=REPORT_DATA, channel="email", channel_identifier="x@y.kz"
    )
    from qamqor.intake.limits import RateLimited

    with pytest.raises(RateLimited) as error:
        services.submit_report(
            school=world.a.school, data=REPORT_DATA, channel="email", channel_identifier="X@y.kz"
        )
    assert error.value.errors[0].field == "channel_identifier"


def test_embed_form_may_be_framed_and_shows_the_code(client: Client, world: World) -> None:
    csrf_client = Client(enforce_csrf_checks=True)
    page = csrf_client.get(f"/embed/report/{world.a.school.code}/")
    assert page.status_code == 200
    assert "X-Frame-Options" not in page.headers
    assert "frame-ancestors" in page["Content-Security-Policy"]
    assert client.get(f"/report/{world.a.school.code}/")["X-Frame-Options"] == "DENY"
    # no cookie in a third-party frame: the POST is accepted without CSRF and answers the code
    sent = csrf_client.post(f"/embed/report/{world.a.school.code}/", form_data())
    assert sent.status_code == 200
    assert CODE.search(sent.content.decode())
    assert Report.objects.count() == 1
    assert client.get("/embed/report/no-such-school/").status_code == 404


# --- untrue, staff entry, duplicates ------------------------------------------------------


def test_only_a_coordinator_with_a_reason_closes_a_report_as_untrue(
    client: Client, world: World
) -> None:
    report = submit(world).report
    login(client, world.psychologist_a)
    assert (
        client.post(
            f"/reports/{report.public_id}/untrue/", {"reason": "x" * 20, "confirm": "on"}
        ).status_code
        == 302
    )  # back to the report, refused
    report.refresh_from_db()
    assert report.status == Report.Status.NEW
    login(client, world.coordinator_a)
    client.post(f"/reports/{report.public_id}/untrue/", {"reason": "too short"})
    report.refresh_from_db()
    assert report.status == Report.Status.NEW  # no confirmation, no closure
    client.post(
        f"/reports/{report.public_id}/untrue/",
        {"reason": "Invented to get a classmate punished; admitted.", "confirm": "on"},
    )
    report.refresh_from_db()
    assert report.status == Report.Status.UNTRUE
    assert Report.objects.filter(status=Report.Status.DISMISSED).count() == 0  # counted apart


def test_staff_enter_a_message_box_note_with_a_photo(client: Client, world: World) -> None:
    login(client, world.coordinator_a)
    assert client.get("/reports/new/").status_code == 200
    photo = SimpleUploadedFile("note.png", _png(), content_type="image/png")
    response = client.post(
        "/reports/new/",
        {
            **form_data(),
            "school": world.a.school.code,
            "entry_channel": "message_box",
            "photo": photo,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    report = Report.objects.get()
    assert report.channel == "message_box" and report.taken_by == world.coordinator_a
    assert report.taken_at is not None and report.attachments.count() == 1
    bad = client.post(
        "/reports/new/",
        {**form_data(), "school": world.b.school.code, "entry_channel": "oral_report"},
    )
    assert bad.status_code == 422
    login(client, world.monitor)
    assert client.get("/reports/new/").status_code == 404


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(out, format="PNG")
    return out.getvalue()


def test_similar_report_is_proposed_and_linked_to_the_open_case(
    client: Client, world: World
) -> None:
    case = case_services.register_case(
        report=submit(world).report,
        actor=world.coordinator_a,
        classification={**CLASSIFICATION, "summary": REPORT_DATA["narrative"]},
    )
    again = services.submit_report(
        school=world.a.school,
        data={**REPORT_DATA, "narrative": "Older pupils take my phone and mock me in the chat."},
        channel="email",
        channel_identifier="kid@example.kz",
    )
    services.submit_report(
        school=world.a.school,
        data={**REPORT_DATA, "narrative": "And again today, same boys."},
        channel="email",
        channel_identifier="kid@example.kz",
    )
    login(client, world.coordinator_a)
    page = client.get(f"/reports/{again.report.public_id}/").content.decode()
    assert case.number in page and "Link the report to this case" in page
    assert "Earlier contacts from the same sender" in page
    response = client.post(f"/reports/{again.report.public_id}/link/", {"case": case.number})
    assert response.status_code == 302
    again.report.refresh_from_db()
    assert again.report.case == case and again.report.status == "registered"
    assert case.number in ReporterMessage.objects.filter(report=again.report).get().body


def test_report_page_query_count_does_not_grow_with_messages(client: Client, world: World) -> None:
    report = submit(world).report
    login(client, world.coordinator_a)
    services.post_reporter_message(report=report, body="first message")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/reports/{report.public_id}/")
    for i in range(10):
        services.post_reporter_message(report=report, body=f"message {i}")
    with CaptureQueriesContext(connection) as many:
        client.get(f"/reports/{report.public_id}/")
    assert len(many) == len(few)
