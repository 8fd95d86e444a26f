"""The whole loop in Chromium: anonymous report → triage → registration → both organisations
complete their steps → closure → the dashboard counts it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from qamqor.audit.models import AuditEvent
from qamqor.cases.models import Case
from qamqor.intake.models import Report
from qamqor.intake.services import followup_code_hash
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def complete(page: Page, key: str, text: str) -> None:
    step = page.locator(f"#step-{key}")
    step.locator("textarea[name$=output]").fill(text)
    step.locator("button[type=submit]").click()
    expect(page.locator(f"#step-{key}.step-done")).to_be_visible()


def test_report_to_closure_to_dashboard(browser_page: Page, world: World) -> None:
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})  # the pupil is on a phone

    # 1. An anonymous pupil reports from her school's page.
    page.goto(f"/report/{world.a.school.code}/")
    expect(page.locator("a.quick-exit, .quick-exit").first).to_be_visible()
    page.fill("textarea[name=narrative]", "Two older boys mock me in the class chat every day.")
    page.check("input[name=forms][value=bullying]")
    page.check("input[name=forms][value=cyberbullying]")
    page.select_option("select[name=setting]", "school")
    page.click("button.submit-report")
    code = page.locator(".followup-code code").inner_text().strip()
    report = Report.objects.get()
    assert report.followup_code_hash == followup_code_hash(code)
    assert report.anonymous and report.reporter_name == ""
    page.reload()
    expect(page.locator(".followup-code")).to_have_count(0)  # shown once

    # 2. The school coordinator triages it and registers the case.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "coordinator_a")
    page.click(f"a[href='/reports/{report.public_id}/']")
    register = page.locator("form[action$='/register/']")
    register.locator("input[name=child_age]").fill("12")
    register.locator("select[name=child_sex]").select_option("girl")
    register.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cases/KZ-75-\d{4}-000001/$"))
    case = Case.objects.get()
    assert case.school == world.a.school and case.child_age == 12

    # 3. The school does its steps (htmx swaps the steps section in place).
    complete(page, "school_log", "Entry 14 in the bullying log; head informed.")
    complete(page, "school_conversation", "Talked with both pupils and their parents.")
    complete(page, "school_report_to_head", "Reported to the head; measures agreed.")

    # 4. The region's PSC does its step.
    sign_in(page, "psc_a")
    page.goto("/")
    page.click(f"a[href^='/cases/{case.number}/']")
    complete(page, "psc_support", "Assessment done; four sessions planned.")

    # 5. The coordinator closes the case.
    sign_in(page, "coordinator_a")
    page.goto(f"/cases/{case.number}/")
    close = page.locator("form[action$='/close/']")
    close.locator("select[name=outcome]").select_option("rights_restored")
    close.locator("textarea[name=note]").fill("Bullying stopped; follow-up in a month.")
    close.locator("button[type=submit]").click()
    expect(page.locator(".badge-closed").first).to_be_visible()
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED

    # 6. The regional coordinator's dashboard counts it.
    sign_in(page, "regional_a")
    page.goto("/dashboard/")
    row = page.locator("section[aria-labelledby=regions-title] tbody tr").first
    expect(row.locator("td").nth(2)).to_have_text("1")  # closed
    expect(row.locator("td").nth(3)).to_have_text("1")  # total
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "report.submit",
        "report.read",
        "case.register",
        "step.complete",
        "case.read",
        "case.close",
    } <= actions
