"""The psychological support loop in Chromium: the school psychologist refers a child →
the PSC accepts → a crisis session without consent → consent recorded → regular sessions
→ the service ends and the feedback reaches the school."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from qamqor.audit.models import AuditEvent
from qamqor.care.models import ConsentRecord, Consultation, CrisisBasis
from qamqor.notify.models import Notification
from qamqor.referrals.models import Referral
from tests.factories import PASSWORD, CarePlaces, World
from tests.support import browser_sign_in

pytestmark = pytest.mark.browser

FEEDBACK = "Six sessions held; she is stable. Please watch for absences and tell us."


def sign_in(page: Page, username: str) -> None:
    browser_sign_in(page, username, PASSWORD)  # password, then the authenticator's code


def open_box(page: Page, box: str) -> None:
    details = page.locator(f"details#{box}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def record_session(page: Page, topic: str) -> None:
    open_box(page, "consultation-box")
    form = page.locator("form[action$='/consultations/']")
    form.locator("input[name=consultation-topic]").fill(topic)
    form.locator("input[name=consultation-duration_minutes]").fill("50")
    form.locator("textarea[name=consultation-notes]").fill("Confidential: " + topic)
    form.locator("button[type=submit]").click()
    expect(page.locator(".message-success")).to_be_visible()


def open_menu_link(page: Page, href: str) -> None:
    """Follow a link of the main menu, opening its group first when it sits in one."""
    group = page.locator(f"#main-menu details:has(a[href='{href}'])")
    if group.count():
        group.locator("summary").click()
    page.click(f"#main-menu a[href='{href}']")


def test_refer_accept_crisis_consent_sessions_feedback(
    browser_page: Page, world: World, care: CarePlaces
) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})

    # 1. The school psychologist refers a pupil not yet in Qamqor to the region's PSC.
    sign_in(page, "psychologist_a")
    open_menu_link(page, "/referrals/")
    page.click("a[href='/referrals/new/']")
    form = page.locator("form.referral-form")
    form.locator("details summary").click()
    form.locator("input[name=child_name]").fill("Aigerim Test")
    form.locator("input[name=child_class]").fill("8A")
    form.locator("select[name=to_organisation]").select_option(world.a.psc.code)
    form.locator("select[name=concern]").select_option("suicide_risk")
    form.locator("select[name=urgency]").select_option("urgent")
    form.locator("textarea[name=reason]").fill(
        "Told her class teacher she does not want to live; self-harm marks seen."
    )
    form.locator("textarea[name=actions_taken]").fill("Talked with her; parents not reached.")
    form.locator("input[name=share_basis][value=legal_basis]").check()
    form.locator("select[name=legal_ground]").select_option("danger_to_life")
    form.locator("input[name=reference]").fill("Law on the rights of the child, Art. 10")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/referrals/[0-9a-f-]{36}/$"))
    referral = Referral.objects.get()
    expect(page.locator("#referral-status .badge-sent")).to_be_visible()

    # 2. The PSC psychologist finds it in the workspace and accepts it.
    sign_in(page, "psc_a")
    open_menu_link(page, "/care/")
    page.click(f"a[href='/referrals/{referral.public_id}/']")
    page.locator("form.accept-form button[type=submit]").click()
    expect(page.locator("#referral-status .badge-accepted")).to_be_visible()

    # 3. No consent yet: a crisis basis, then a crisis session.
    page.click(f"a[href='/care/children/{referral.child.code}/']")
    open_box(page, "crisis-box")
    crisis = page.locator("form[action$='/crisis/']")
    crisis.locator("select[name=crisis-ground]").select_option("suicide_risk")
    crisis.locator("textarea[name=crisis-justification]").fill(
        "Suicidal thoughts with a plan; the parents are abroad and cannot be reached."
    )
    crisis.locator("button[type=submit]").click()
    expect(page.locator("article.crisis-open")).to_be_visible()
    record_session(page, "First crisis session")
    expect(page.locator("tr.consultation-row.basis-crisis")).to_have_count(1)
    expect(page.locator("article.crisis-open .badge")).to_contain_text("1")

    # 4. The mother's consent is recorded; the crisis exception closes.
    open_box(page, "consent-box")
    consent = page.locator("form[action$='/consents/']")
    consent.locator("select[name=consent-giver]").select_option("legal_representative")
    consent.locator("input[name=consent-giver_name]").fill("Mother: Gulnara Test")
    consent.locator("select[name=consent-method]").select_option("signed_in_person")
    consent.locator("button[type=submit]").click()
    expect(page.locator("li.consent-active")).to_have_count(1)
    expect(page.locator("article.crisis-open")).to_have_count(0)

    # 5. Regular sessions now rest on the consent.
    record_session(page, "Second session")
    record_session(page, "Third session")
    expect(page.locator("tr.consultation-row.basis-consent")).to_have_count(2)

    # 6. The service ends: a short feedback note for the school.
    page.goto(f"/referrals/{referral.public_id}/")
    page.locator("form.complete-form textarea").fill(FEEDBACK)
    page.locator("form.complete-form button[type=submit]").click()
    expect(page.locator("#referral-status .badge-completed")).to_be_visible()

    # 7. The feedback reaches the school psychologist: a notification and the note.
    sign_in(page, "psychologist_a")
    page.goto("/notifications/")
    expect(page.locator(f"a[href='/referrals/{referral.public_id}/']").first).to_be_visible()
    page.locator(f"a[href='/referrals/{referral.public_id}/']").first.click()
    expect(page.locator("#feedback")).to_contain_text(FEEDBACK)
    # The school sees the referral's outcome, never the PSC's notes.
    page.goto(f"/care/children/{referral.child.code}/")
    expect(page.locator("body")).not_to_contain_text("Confidential:")

    assert list(Consultation.objects.order_by("recorded_at").values_list("basis", flat=True)) == [
        "crisis",
        "consent",
        "consent",
    ]
    assert CrisisBasis.objects.get().close_reason == "consent_recorded"
    assert ConsentRecord.objects.get().giver_name == "Mother: Gulnara Test"
    assert Notification.objects.filter(
        template="care_crisis_exception", recipient=world.regional_a
    ).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "referral.send",
        "referral.accept",
        "crisis.record",
        "crisis.session",
        "consent.record",
        "consultation.record",
        "referral.complete",
        "child.read",
    } <= actions
