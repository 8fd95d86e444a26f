"""The follow-up path in a browser: scan-equivalent visit to a school's form URL → anonymous
report → follow-up code → status page → message exchange with the coordinator."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from qamqor.intake.models import Report
from tests.factories import PASSWORD, World
from tests.support import browser_sign_in

pytestmark = pytest.mark.browser


def test_anonymous_reporter_and_coordinator_exchange_messages(
    browser_page: Page, world: World
) -> None:
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/report/{world.a.school.code}/")  # what the QR code opens
    page.fill("textarea[name=narrative]", "A boy from 7B hits me in the corridor every break.")
    page.check("input[name=forms][value=physical]")
    page.click("button.submit-report")
    code = page.locator(".followup-code code").inner_text().strip()
    report = Report.objects.get()

    page.click("a[href='/followup/']")
    page.fill("input[name=code]", code)
    page.click(".followup-form button[type=submit]")
    expect(page.locator(".status-text")).to_be_visible()
    page.fill("textarea[name=body]", "He did it again today, near the canteen.")
    page.click("button.send-message")
    expect(page.locator(".thread-message.from-reporter")).to_contain_text("near the canteen")

    coordinator = page.context.browser.new_context(base_url=page.url.split("/followup")[0])  # type: ignore[union-attr]
    staff = coordinator.new_page()
    browser_sign_in(staff, world.coordinator_a.username, PASSWORD)
    staff.goto(f"/reports/{report.public_id}/")
    expect(staff.locator(".reporter-thread")).to_contain_text("near the canteen")
    staff.fill("#reply-body", "Thank you for telling us. We will talk to the class teacher today.")
    staff.click("button.send-reply")
    coordinator.close()

    page.reload()
    expect(page.locator(".thread-message.from-staff")).to_contain_text("class teacher today")
    expect(page.locator("body")).not_to_contain_text(world.coordinator_a.username)
