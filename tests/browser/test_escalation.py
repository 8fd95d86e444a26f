"""In Chromium: an overdue step escalates to the regional coordinator, who sees who holds
the ball; the accountable school acts on it (brief 1.3.3)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from qamqor.cases.models import CaseEvent
from qamqor.notify.models import Notification
from qamqor.protocols.models import Step
from qamqor.protocols.sweeps import escalate_overdue
from tests.factories import World, register_case

from .test_core_loop import complete, sign_in

pytestmark = pytest.mark.browser


def test_a_coordinator_sees_an_overdue_step_escalate_and_the_school_act(
    browser_page: Page, world: World
) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    case = register_case(world)
    log = Step.objects.get(case=case, key="school_log")
    # The school let its first step pass the deadline; the worker's sweep runs.
    Step.objects.filter(pk=log.pk).update(due_at=timezone.now() - timedelta(hours=3))
    assert escalate_overdue() == 1
    assert escalate_overdue() == 0  # idempotent: one escalation per level
    assert CaseEvent.objects.filter(case=case, kind="step_escalated").count() == 1
    assert Notification.objects.filter(
        template="step_overdue", recipient=world.regional_a, channel="in_app"
    ).exists()

    # 1. The regional coordinator is told, and sees who holds the ball.
    sign_in(page, "regional_a")
    page.goto("/notifications/")
    page.locator(f"a[href='/cases/{case.number}/']").first.click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.number}/$"))
    escalated = page.locator("#timeline li.timeline-step_escalated")
    expect(escalated).to_have_count(1)
    expect(page.locator("#step-school_log.step-overdue .badge-escalated")).to_be_visible()
    expect(page.locator("#step-school_log form")).to_have_count(0)  # the school's to do

    page.goto("/steps/open/")
    row = page.locator(f"tr[data-step='{case.number}/school_log']")
    expect(row).to_be_visible()
    expect(row.locator(".badge-overdue")).to_be_visible()
    expect(row.locator(".badge-escalated")).to_be_visible()
    first = page.locator("table.open-steps tbody tr").first
    expect(first).to_have_attribute("data-step", f"{case.number}/school_log")  # overdue first
    page.select_option("select[name=organisation_kind]", "school")
    page.check("input[name=overdue_only]")
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("table.open-steps tbody tr")).to_have_count(1)

    # 2. The accountable school sees it on its task list and acts on it.
    sign_in(page, "coordinator_a")
    page.goto("/")
    overdue = page.locator("tr.overdue-row a.case-number").first
    expect(overdue).to_have_text(case.number)
    overdue.click()
    complete(page, "school_log", "Entry 3 in the bullying log")
    log.refresh_from_db()
    assert log.status == Step.Status.DONE

    # 3. The coordinator sees the ball has moved on.
    sign_in(page, "regional_a")
    page.goto("/steps/open/")
    expect(page.locator(f"tr[data-step='{case.number}/school_log']")).to_have_count(0)
    expect(page.locator(f"tr[data-step='{case.number}/school_conversation']")).to_be_visible()
    assert escalate_overdue() == 0  # done steps never escalate again
