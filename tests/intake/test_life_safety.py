"""Suicide risk and life safety (docs/intake.md). "The child may hurt themselves" is a choice of
its own on every channel; a report marked in danger or self-harm raises the life-safety
alert at submission, before triage; every round names the case (or the report); alerts
and acknowledgements show on the case page and timeline; the immediate-safety step
acknowledges; the reporter is told what happens now."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qamqor.cases import services as case_services
from qamqor.intake import alerts, selfharm, services
from qamqor.intake.models import Channel, LifeSafetyAlert, Report
from qamqor.mailbox import mail
from qamqor.notify import selectors as notify_selectors
from qamqor.notify.models import Notification
from qamqor.protocols.models import Step
from qamqor.protocols.outputs import sample_output
from qamqor.protocols.services import complete_step
from tests.factories import CLASSIFICATION, REPORT_DATA, World, actor_for

pytestmark = pytest.mark.django_db

SELF_HARM_TEXT = "My friend says she does not want to live any more and cuts her arms at night."
LISTED_SELF_HARM_TEXT = "My friend says she wants to die and has been cutting herself at night."
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _english(settings) -> None:
    settings.LANGUAGE_CODE = "en"


def csrf_client(user: Any = None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def token_from(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    match = CSRF_INPUT.search(page.content.decode())
    assert match, "the page carries a CSRF token"
    return match.group(1)


def alert_rounds(report: Report) -> list[Notification]:
    return list(
        Notification.objects.filter(
            template="life_safety_alert", dedupe_key__startswith=f"life-safety:{report.alert.pk}:"
        )
    )


# --- the public form ----------------------------------------------------------------------


def test_public_form_self_harm_choice_raises_alert_and_thanks_page_says_what_happens_now(
    world: World,
) -> None:
    client = csrf_client()
    url = reverse("report-form", args=[world.a.school.code])
    token = token_from(client, url)
    page = client.get(url).content.decode()
    assert 'name="self_harm_risk"' in page  # its own choice on the form
    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "narrative": SELF_HARM_TEXT,
            # no form of violence chosen: not needed when the concern is suicide risk
            "setting": "unknown",
            "self_harm_risk": "on",
            "reporter_role": "witness",
            "anonymous": "on",
            "idempotency_token": "0b5f4a4e-6f0f-4a43-9d1c-1b4a3d2c1e01",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.self_harm_risk and not report.in_danger_now and report.forms == []
    alert = LifeSafetyAlert.objects.get(report=report)  # before any triage
    assert report.status == Report.Status.NEW
    assert alert.reason == LifeSafetyAlert.Reason.SUICIDE_RISK
    assert set(alert.responders.all()) == {world.a.police_duty, world.a.psc}
    assert Notification.objects.filter(
        template="life_safety_alert", recipient=world.duty_a, channel="in_app"
    ).exists()

    thanks = client.get(response["Location"]).content.decode()
    assert "What happens now" in thanks
    assert "must act at once, not within a working day" in thanks
    assert "within one working day" not in thanks


def test_thanks_page_for_an_ordinary_report_keeps_the_working_day(
    client: Client, world: World
) -> None:
    url = reverse("report-form", args=[world.a.school.code])
    data = {k: v for k, v in REPORT_DATA.items() if v not in (False, "")}
    data.update({"anonymous": "on", "idempotency_token": "0b5f4a4e-6f0f-4a43-9d1c-1b4a3d2c1e02"})
    thanks = client.get(client.post(url, data)["Location"]).content.decode()
    assert "usually within one working day" in thanks
    assert "What happens now" not in thanks
    assert not LifeSafetyAlert.objects.exists()


def test_thanks_page_for_danger_now_says_what_happens_now(client: Client, world: World) -> None:
    url = reverse("report-form", args=[world.a.school.code])
    data = {k: v for k, v in REPORT_DATA.items() if v not in (False, "")}
    data.update(
        {
            "anonymous": "on",
            "in_danger_now": "on",
            "idempotency_token": "0b5f4a4e-6f0f-4a43-9d1c-1b4a3d2c1e03",
        }
    )
    thanks = client.get(client.post(url, data)["Location"]).content.decode()
    assert "What happens now" in thanks and "within one working day" not in thanks


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_urgent_thanks_page_is_translated_where_the_catalog_has_it(
    client: Client, world: World, language: str
) -> None:
    """The page renders in Kazakh and Russian (its strings are in gettext)."""
    url = reverse("report-form", args=[world.a.school.code])
    data = {k: v for k, v in REPORT_DATA.items() if v not in (False, "")}
    data.update(
        {
            "anonymous": "on",
            "self_harm_risk": "on",
            "idempotency_token": f"0b5f4a4e-6f0f-4a43-9d1c-1b4a3d2c1e1{len(language)}",
        }
    )
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(client.post(url, data)["Location"])
    assert response.status_code == 200
    assert 'id="now-title"' in response.content.decode()


# --- the API, staff entry and email -----------------------------------------------------


def test_api_self_harm_report_raises_alert_and_is_listed_with_the_flag(
    client: Client, world: World
) -> None:
    response = client.post(
        "/api/v1/reports",
        {**REPORT_DATA, "school": world.a.school.code, "forms": [], "self_harm_risk": True},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.self_harm_risk
    assert LifeSafetyAlert.objects.get(report=report).reason == "suicide_risk"


def test_staff_entry_self_harm_raises_alert(world: World) -> None:
    client = csrf_client(world.coordinator_a)
    url = reverse("report-staff-entry")
    token = token_from(client, url)
    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "school": world.a.school.code,
            "entry_channel": Channel.ORAL_REPORT,
            "narrative": SELF_HARM_TEXT,
            "setting": "unknown",
            "self_harm_risk": "on",
            "reporter_role": "witness",
            "anonymous": "on",
        },
    )
    assert response.status_code == 302, response.content
    report = Report.objects.get()
    assert report.channel == Channel.ORAL_REPORT and report.self_harm_risk
    assert LifeSafetyAlert.objects.filter(report=report, reason="suicide_risk").exists()


def _email(subject: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Parent <parent@example.kz>"
    msg["To"] = "report+x@report.qamqor.test"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{abs(hash(subject))}@example.kz>"
    msg.set_content("Мой сын написал, что сегодня ночью сделает что-то с собой. Помогите.")
    return msg.as_bytes()


def test_email_marked_sos_raises_alert_and_reply_says_what_happens_now(
    settings, world: World
) -> None:
    settings.MAIL_DOMAIN = "report.qamqor.test"
    settings.MAIL_LOCAL_PART = "report"
    rcpt = [f"report+{world.a.school.code}@report.qamqor.test"]
    assert mail.accept(_email("SOS: срочно"), mail_from="", rcpt_tos=rcpt).startswith("250")
    report = Report.objects.get()
    assert report.channel == Channel.EMAIL and report.in_danger_now
    assert LifeSafetyAlert.objects.filter(report=report).exists()
    reply = Notification.objects.get(template="mail_reply")
    assert "What happens now" in reply.body and "Что происходит сейчас" in reply.body
    assert "Қазір не болып жатыр" in reply.body


def test_email_without_marker_raises_no_alert(settings, world: World) -> None:
    settings.MAIL_DOMAIN = "report.qamqor.test"
    settings.MAIL_LOCAL_PART = "report"
    rcpt = [f"report+{world.a.school.code}@report.qamqor.test"]
    mail.accept(_email("Травля"), mail_from="", rcpt_tos=rcpt)
    report = Report.objects.get()
    assert report.channel == Channel.EMAIL and "Помогите" in report.narrative
    assert not report.in_danger_now
    assert not LifeSafetyAlert.objects.filter(report=report).exists()
    reply = Notification.objects.get(template="mail_reply").body
    assert reply.strip()
    assert "What happens now" not in reply


# --- every round names the case or the report --------------------------------------------


def test_every_round_carries_the_report_link_then_the_case_link(world: World) -> None:
    report = services.submit_report(
        school=world.a.school, data={**REPORT_DATA, "self_harm_risk": True}
    ).report
    report_url = django_settings.SITE_URL + reverse("report-detail", args=[report.public_id])
    first = alert_rounds(report)
    assert first and all(report_url in n.body for n in first)

    case = case_services.register_case(
        report=report,
        actor=world.coordinator_a,
        classification={**CLASSIFICATION, "forms": [], "self_harm_risk": True},
    )
    case_url = django_settings.SITE_URL + reverse("case-detail", args=[case.number])
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        assert alerts.repeat_unacknowledged() == 1
    second = [n for n in alert_rounds(report) if n not in first]
    assert second and all(case_url in n.body and case.number in n.body for n in second)
    assert all(report_url not in n.body for n in second)


# --- the immediate-safety step acknowledges; case page and timeline ----------------------


def test_completing_immediate_safety_step_acknowledges_and_shows_on_case_page(
    world: World,
) -> None:
    report = services.submit_report(
        school=world.a.school, data={**REPORT_DATA, "self_harm_risk": True}
    ).report
    case = case_services.register_case(
        report=report,
        actor=world.coordinator_a,
        classification={**CLASSIFICATION, "forms": [], "self_harm_risk": True},
    )
    assert case.protocol_runs.get().protocol.code == "suicide_risk"
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        alerts.repeat_unacknowledged()

    staff = Client()
    staff.force_login(world.coordinator_a)
    page = staff.get(reverse("case-detail", args=[case.number])).content.decode()
    assert "life-safety" in page and "repeats until acknowledged" in page
    assert "Life-safety alert sent" in page  # the timeline
    assert "Life-safety alert repeated, not yet acknowledged" in page

    step = Step.objects.get(case=case, key="immediate_safety")
    assert step.status == Step.Status.OPEN
    actor = actor_for(world, step.organisation)
    assert [n.template for n in notify_selectors.pinned(actor)] == ["life_safety_alert"] * 2
    complete_step(step=step, actor=actor, output=sample_output(step.spec, "With the nurse"))
    assert notify_selectors.pinned(actor) == []  # the step's author has seen the alert
    alert = LifeSafetyAlert.objects.get(report=report)
    assert alert.acknowledged_at is not None
    assert alert.acknowledged_by == actor
    assert alert.acknowledged_step == "immediate_safety"
    with time_machine.travel(timezone.now() + timedelta(minutes=30), tick=False):
        assert alerts.repeat_unacknowledged() == 0  # the repeats stopped

    page = staff.get(reverse("case-detail", args=[case.number])).content.decode()
    assert "who completed the immediate-safety step" in page
    assert "Life-safety alert acknowledged" in page  # the timeline entry
    assert "by completing the immediate-safety step" in page


def test_other_steps_do_not_acknowledge(world: World) -> None:
    report = services.submit_report(
        school=world.a.school, data={**REPORT_DATA, "in_danger_now": True}
    ).report
    case = case_services.register_case(
        report=report,
        actor=world.coordinator_a,
        classification={**CLASSIFICATION, "in_danger_now": True, "risk_level": "immediate"},
    )
    log = Step.objects.get(case=case, key="school_log")
    complete_step(step=log, actor=world.coordinator_a, output=sample_output(log.spec, "Logged"))
    assert LifeSafetyAlert.objects.get(report=report).acknowledged_at is None
    emergency = Step.objects.get(case=case, key="emergency_response")
    actor = actor_for(world, emergency.organisation)
    complete_step(step=emergency, actor=actor, output=sample_output(emergency.spec, "Sent"))
    assert LifeSafetyAlert.objects.get(report=report).acknowledged_step == "emergency_response"


def test_acknowledgement_by_a_responder_shows_on_case_timeline(world: World) -> None:
    report = services.submit_report(
        school=world.a.school, data={**REPORT_DATA, "in_danger_now": True}
    ).report
    alerts.acknowledge(alert=report.alert, actor=world.duty_a)
    case = case_services.register_case(
        report=report,
        actor=world.coordinator_a,
        classification={**CLASSIFICATION, "in_danger_now": True, "risk_level": "immediate"},
    )
    staff = Client()
    staff.force_login(world.coordinator_a)
    page = staff.get(reverse("case-detail", args=[case.number])).content.decode()
    assert "Life-safety alert acknowledged" in page
    assert str(world.duty_a) in page


def test_the_self_harm_word_list_never_raises_an_alert_by_itself(world: World) -> None:
    report = services.submit_report(
        school=world.a.school, data={**REPORT_DATA, "narrative": LISTED_SELF_HARM_TEXT}
    ).report
    assert selfharm.excerpts(report.narrative)  # the words are found: a suggestion for triage
    assert not report.self_harm_risk
    assert not LifeSafetyAlert.objects.filter(report=report).exists()


def test_followup_status_of_an_urgent_report_says_what_happens_now(world: World) -> None:
    urgent = services.submit_report(
        school=world.a.school, data={**REPORT_DATA, "self_harm_risk": True}
    ).report
    ordinary = services.submit_report(school=world.a.school, data=REPORT_DATA).report
    assert "alerted at once and must act now" in services.reporter_status(urgent)
    assert "will read it soon" in services.reporter_status(ordinary)


def test_an_alert_raised_at_registration_links_the_case_from_its_first_round(
    world: World,
) -> None:
    report = services.submit_report(school=world.a.school, data=REPORT_DATA).report
    assert not LifeSafetyAlert.objects.exists()
    case = case_services.register_case(
        report=report,
        actor=world.coordinator_a,
        classification={**CLASSIFICATION, "self_harm_risk": True},
    )
    report.refresh_from_db()
    case_url = django_settings.SITE_URL + reverse("case-detail", args=[case.number])
    first = alert_rounds(report)
    assert first and all(case_url in n.body for n in first)
