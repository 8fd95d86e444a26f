"""In Chromium: a school psychologist starts a campaign for a class of 30, records consent
and prints the codes; a pupil completes the PHQ-A in Kazakh on a phone-sized screen, one
question at a time; the psychologist sees the result and the alert."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from qamqor.audit.models import AuditEvent
from qamqor.instruments.models import Administration, Alert, CampaignPupil
from qamqor.instruments.services import today
from qamqor.notify.models import Notification
from tests.factories import PASSWORD, World
from tests.support import browser_sign_in

pytestmark = pytest.mark.browser

# The pupil's answers, in the order the questions come: item 9 above 0 raises the alert.
PUPIL_ANSWERS = [
    ("q1", "2"),
    ("q2", "2"),
    ("q3", "1"),
    ("q4", "0"),
    ("q5", "1"),
    ("q6", "0"),
    ("q7", "0"),
    ("q8", "0"),
    ("q9", "1"),
    ("past_year", "no"),
    ("difficulty", "1"),
    ("past_month_thoughts", "no"),
    ("lifetime_attempt", "no"),
]


def sign_in(page: Page, username: str) -> None:
    browser_sign_in(page, username, PASSWORD)  # password, then the authenticator's code


def test_campaign_to_a_pupils_answers_in_kazakh_to_the_alert(
    browser_page: Page, world: World
) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})

    # 1. The school psychologist starts a campaign and puts a class of 30 on it.
    sign_in(page, "psychologist_a")
    page.click("header a[href='/screenings/']")
    page.click("a[href='/screenings/campaigns/']")
    form = page.locator("form.campaign-form")
    form.locator("input[name=title]").fill("7A: күзгі скрининг")
    form.locator("select[name=instrument]").select_option("phq_a")
    expect(form.locator("input[name=school]")).to_have_value(world.a.school.code)
    form.locator("input[name=closes_on]").fill((today() + timedelta(days=14)).isoformat())
    form.locator("select[name=language]").select_option("kk")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/screenings/campaigns/[0-9a-f-]{36}/$"))
    add = page.locator("form.add-class")
    add.locator("input[name=class_label]").fill("7A")
    add.locator("input[name=new_pupils]").fill("30")
    add.locator("button[type=submit]").click()
    expect(page.locator("table.roster tbody tr")).to_have_count(30)
    expect(page.locator("[data-stat=enrolled]")).to_have_text("30")

    # 2. Consent for the whole class, then the slips with the codes.
    consent = page.locator("form.consent-form")
    consent.get_by_role("button", name=re.compile("Choose all|Выбрать|Барлығын")).click()
    consent.locator("button[type=submit]").click()
    expect(page.locator("[data-stat=consent]")).to_have_text("30")
    page.click("a[href$='/slips/']")
    expect(page.locator(".slip-code")).to_have_count(30)
    first_slip = page.locator(".slips li").first
    code = first_slip.locator(".slip-code").inner_text().strip()
    child_code = first_slip.get_attribute("data-child")
    assert child_code  # the slip names its pupil's code

    # 3. A pupil on a phone: no login, the code, the questions in Kazakh one at a time.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/s/")
    expect(page.locator("a.quick-exit")).to_be_visible()
    page.fill("input[name=code]", code)
    page.locator("form.code-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/s/answer/$"))
    expect(page.locator("fieldset#question-q1 legend")).to_contain_text("Көңіл-күйің түсіп")
    expect(page.locator("[data-progress]")).to_be_visible()
    for key, value in PUPIL_ANSWERS:
        question = page.locator(f"fieldset#question-{key}")
        expect(question).to_be_visible()
        expect(page.locator("fieldset.question:visible")).to_have_count(1)
        option = question.locator(f"label.option:has(input[value='{value}'])")
        box = option.bounding_box()
        assert box is not None and box["height"] >= 48  # a large touch target
        option.click()
    send = page.locator("button[data-send]")
    expect(send).to_be_enabled()
    send.click()
    expect(page).to_have_url(re.compile(r"/s/done/"))
    expect(page.locator("h1")).to_be_visible()
    done_text = page.locator("main").inner_text()
    assert "111" in done_text and child_code not in done_text
    assert "PHQ" not in done_text and "Alert" not in done_text

    administration = Administration.objects.get(child__code=child_code)
    assert (administration.status, administration.score, administration.band) == (
        "completed",
        7,
        "mild",
    )
    assert administration.answers["q1"] == "2" and administration.language == "kk"
    assert Notification.objects.filter(
        template="screening_alert", recipient=world.psychologist_a, channel="in_app"
    ).exists()

    # 4. The psychologist sees the alert and the result.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "psychologist_a")
    page.goto("/screenings/alerts/")
    row = page.locator("table.alerts-table tbody tr").filter(has_text=child_code)
    expect(row).to_have_count(1)
    row.locator("a").click()
    expect(page.locator("[data-band=mild]")).to_be_visible()
    expect(page.locator(".alert-box[role=alert]")).to_be_visible()
    expect(page.locator(".score-big")).to_have_text("7")
    page.locator("button.acknowledge").click()
    expect(page.locator(".alert-box.acknowledged")).to_be_visible()
    assert Alert.objects.get().acknowledged_by == world.psychologist_a
    assert CampaignPupil.objects.filter(consent="given").count() == 30
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "campaign.create",
        "campaign.add_class",
        "campaign.consent",
        "campaign.codes",
        "screening.submit",
        "screening.alert",
        "screening.read",
        "screening.alert_acknowledge",
    } <= actions
