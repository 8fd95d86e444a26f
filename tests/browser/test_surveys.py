"""In Chromium, on a phone-sized screen: a pupil opens a trust survey's link, says who is
answering, answers in the informal wording and is thanked; the same phone cannot answer
again. Then the region's coordinator sees the campaign's chart drawn within the
Content-Security-Policy (brief 3.3.4; docs/surveys.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from qamqor.surveys import services
from qamqor.surveys.models import Response
from tests.factories import World

from .test_content_security_policy import RECORD_VIOLATIONS
from .test_core_loop import sign_in

pytestmark = pytest.mark.browser


def test_a_pupil_answers_on_a_phone_and_the_coordinator_sees_the_chart(
    browser_page: Page, world: World
) -> None:
    today = timezone.localdate()
    campaign = services.open_campaign(
        actor=world.regional_a,
        title="Сенім сауалнамасы",
        school=world.a.school,
        opens_on=today,
        closes_on=today + timedelta(days=7),
    )
    for i in range(6):
        services.submit_response(
            campaign=campaign,
            group="parent",
            device=f"earlier-parent-device-{i:03d}",
            answers={"trust_psc": "rather"},
        )
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"/survey/{campaign.token}/")
    page.click(f"a[href='/survey/{campaign.token}/adolescent/']")
    expect(page.locator("main form input[name=trust_psc]")).to_have_count(5)
    page.check("input[name=trust_psc][value=fully]")
    page.check("input[name=first_contact][value=friend]")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(f"/survey/{campaign.token}/thanks/adolescent/")
    assert Response.objects.filter(group="adolescent").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll

    page.goto(f"/survey/{campaign.token}/adolescent/")
    page.check("input[name=trust_psc][value=rather]")
    page.click("main form button[type=submit]")
    expect(page.locator(".form-errors, .errorlist, [role=alert]").first).to_be_visible()
    assert Response.objects.filter(group="adolescent").count() == 1
    assert page.evaluate("window.__cspViolations") == []

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "regional_a")
    page.goto(f"/surveys/{campaign.public_id}/")
    canvas = page.locator("canvas[data-survey-chart='0']")
    expect(canvas).to_be_attached()
    page.wait_for_function(  # drawn by Chart.js, not just a blank canvas
        "window.Chart && window.Chart.getChart("
        "document.querySelector(\"canvas[data-survey-chart='0']\")) !== undefined"
    )
    expect(page.locator("table").first).to_contain_text("<5")
    assert page.evaluate("window.__cspViolations") == []
