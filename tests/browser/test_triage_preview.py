"""The triage preview in Chromium: on the registration form the protocol that will be chosen is
shown live (htmx) and changes when the alleged perpetrator's relationship changes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from qamqor.cases.models import Case
from qamqor.intake import services as intake_services
from tests.browser.test_core_loop import sign_in
from tests.factories import REPORT_DATA, World

pytestmark = pytest.mark.browser


def test_live_preview_follows_the_relationship(browser_page: Page, world: World) -> None:
    page = browser_page
    report = intake_services.submit_report(
        school=world.a.school, data={**REPORT_DATA, "forms": ["physical"]}
    ).report
    sign_in(page, "coordinator_a")
    page.goto(f"/reports/{report.public_id}/")
    preview = page.locator("#protocol-preview")
    expect(preview).to_have_attribute("data-protocol", "bullying_outside_family")

    relationship = page.locator("select[name=perpetrator_relationship]")
    relationship.select_option("teacher_school_official")
    expect(page.locator("#protocol-preview")).to_have_attribute("data-protocol", "teacher_violence")

    relationship.select_option("primary_caregiver")
    expect(page.locator("#protocol-preview")).to_have_attribute(
        "data-protocol", "domestic_violence"
    )

    page.check("input[name=self_harm_risk]")
    expect(page.locator("#protocol-preview")).to_have_attribute("data-protocol", "suicide_risk")
    page.uncheck("input[name=self_harm_risk]")
    expect(page.locator("#protocol-preview")).to_have_attribute(
        "data-protocol", "domestic_violence"
    )

    page.locator("form[action$='/register/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cases/KZ-75-\d{4}-000001/$"))
    assert Case.objects.get().protocol_runs.get().protocol.code == "domestic_violence"
