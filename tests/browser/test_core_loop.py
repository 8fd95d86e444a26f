"""The whole loop in Chromium: anonymous report → triage → registration → the school, the
PSC and the education department complete their structured steps → closure → the
dashboard counts it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from qamqor.analytics.fold import fold
from qamqor.audit.models import AuditEvent
from qamqor.cases.models import Case
from qamqor.intake.models import Report
from qamqor.intake.services import followup_code_hash
from qamqor.protocols.models import Step
from tests.factories import PASSWORD, World
from tests.support import browser_sign_in

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str) -> None:
    browser_sign_in(page, username, PASSWORD)  # password, then the authenticator's code


def complete(page: Page, key: str, text: str) -> None:
    """Fill the step's structured form as a person would and submit it (htmx swaps the
    steps section in place): text in the text fields, a date, the first choice, "yes"."""
    form = page.locator(f"#step-{key} form")
    expect(form).to_be_visible()
    for field in form.locator("input[type=text], textarea").all():
        field.fill(text)
    for field in form.locator("input[type=date]").all():
        field.fill("2026-11-30")
    for field in form.locator("input[type=number]").all():
        field.fill("1")
    for select in form.locator("select").all():
        value = select.locator("option:not([value=''])").first.get_attribute("value")
        select.select_option(value)
    for radio in form.locator("input[type=radio][value=true]").all():
        radio.check()
    form.locator("button[type=submit]").click()
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

    # Not in danger now: the emergency step is shown as not needed, not as a gap.
    expect(page.locator("#step-emergency_response.step-skipped")).to_be_visible()
    expect(page.locator("#step-emergency_response form")).to_have_count(0)

    # 3. The school does its first steps (htmx swaps the steps section in place).
    complete(page, "school_log", "Entry 14 in the bullying log")
    complete(page, "legal_representatives_notice", "Parents of both pupils")
    complete(page, "cyber_evidence", "School safe, folder 7")
    complete(page, "platform_report", "Report 55-A")
    complete(page, "school_conversation", "Both pupils and their parents; apology agreed")
    complete(page, "school_report_to_head", "The head sent the materials on")
    done = page.locator("#step-school_log .step-output")
    expect(done).to_contain_text("Entry 14 in the bullying log")

    # 4. The region's PSC does its step.
    sign_in(page, "psc_a")
    page.goto("/")
    page.click(f"a[href^='/cases/{case.number}/']")
    expect(page.locator("#step-school_log form")).to_have_count(0)  # not the PSC's step
    complete(page, "psc_support", "Assessment done; four sessions planned.")

    # 5. The education department decides; the school council takes its measures.
    sign_in(page, "regional_a")
    page.goto(f"/cases/{case.number}/")
    complete(page, "education_registration", "Registration 12")  # Order No. 506 p. 10
    complete(page, "education_decision", "Decision 12")
    sign_in(page, "coordinator_a")
    page.goto(f"/cases/{case.number}/")
    complete(page, "school_measures", "Individual plan for both pupils")
    # Six months after the decision the school reviews the plans (Order No. 506 p. 12).
    complete(page, "monitoring_review", "Both pupils are doing better")
    assert not Step.objects.filter(case=case, status__in=["open", "waiting"]).exists()

    # 6. The coordinator closes the case.
    close = page.locator("form[action$='/close/']")
    close.locator("select[name=outcome]").select_option("rights_restored")
    close.locator("textarea[name=note]").fill("Bullying stopped; follow-up in a month.")
    close.locator("button[type=submit]").click()
    expect(page.locator(".badge-closed").first).to_be_visible()
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED

    # 7. The regional coordinator's dashboard counts it, once the worker has folded the
    # statistics (decision 0014; the dashboard says "as of" that time).
    fold()
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
