"""Keyboard only (WCAG 2.1.1, 2.4.3, 3.2.2): the public report form, the follow-up thread,
the child's screening and the 111 operator's call card, each done with Tab, Shift+Tab,
Space, Enter, the arrow keys and typing — never a click — and checked in the database."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from qamqor.helpline.models import CallCard
from qamqor.instruments import services as screening
from qamqor.instruments.models import Administration
from qamqor.intake.models import Report, ReporterMessage
from tests.factories import PASSWORD, World, make_pupil
from tests.support import totp_code, totp_device

pytestmark = pytest.mark.browser

FOCUSED = "(selector) => !!document.activeElement && document.activeElement.matches(selector)"


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until the focus is on ``selector``; fail if it never is."""
    key = "Shift+Tab" if backwards else "Tab"
    for _press in range(limit):
        page.keyboard.press(key)
        if page.evaluate(FOCUSED, selector):
            return
    raise AssertionError(f"{key} never reached {selector}")


def focused(page: Page, selector: str) -> bool:
    return bool(page.evaluate(FOCUSED, selector))


def test_report_form_then_follow_up_thread(browser_page: Page, world: World) -> None:
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/report/{world.a.school.code}/")

    # Too short first: the answer moves the focus to the error summary, not the page top.
    tab_to(page, "textarea[name=narrative]")
    page.keyboard.type("He hits")
    tab_to(page, "button.submit-report")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/report/"))
    expect(page.locator(".form-errors")).to_be_focused()
    expect(page.locator("[data-quick-exit-hint]")).to_be_visible()  # its script ran again
    tab_to(page, "textarea[name=narrative]")
    page.keyboard.press("End")
    page.keyboard.type(" me every break, near the canteen.")

    tab_to(page, "input[name=forms][value=physical]")
    page.keyboard.press("Space")
    tab_to(page, "select[name=setting]")
    page.keyboard.press("ArrowDown")  # at school → online
    page.keyboard.press("ArrowUp")  # back to school
    page.keyboard.press("ArrowDown")
    tab_to(page, "input[name=anonymous]")
    page.keyboard.press("Space")  # untick "stay anonymous"
    tab_to(page, "input[name=reporter_name]")
    page.keyboard.type("Aigerim")
    tab_to(page, "input[name=reporter_contact]")
    page.keyboard.type("+7 701 000 00 00")
    page.keyboard.press("Enter")  # Enter in a text field sends the form
    expect(page).to_have_url(re.compile(r"/thanks/$"))
    code = page.locator(".followup-code code").inner_text().strip()

    report = Report.objects.get()
    assert report.narrative == "He hits me every break, near the canteen."
    assert report.forms == ["physical"] and report.setting == "online"
    assert not report.anonymous and report.reporter_name == "Aigerim"

    # The follow-up thread: the link, the code, a message.
    tab_to(page, "main a[href='/followup/']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/followup/$"))
    tab_to(page, "input[name=code]")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.locator(".status-text")).to_be_visible()
    tab_to(page, "textarea[name=body]")
    page.keyboard.type("He did it again today.")
    tab_to(page, "button.send-message")
    page.keyboard.press("Space")
    expect(page.locator(".thread-message.from-reporter")).to_contain_text("again today")
    assert ReporterMessage.objects.get(report=report).body == "He did it again today."


def test_childs_screening(browser_page: Page, world: World) -> None:
    pupil = make_pupil(world.a.school, age=13)
    administration, code = screening.invite(
        actor=world.psychologist_a,
        child=pupil,
        instrument_code="gad7",
        language="ru",
    )
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/s/")
    tab_to(page, "input[name=code]")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/s/answer/$"))

    keys: list[str] = page.eval_on_selector_all(
        "fieldset.question", "(all) => all.map((q) => q.dataset.key)"
    )
    # Arrows move through a question's options without leaving the question
    # (no jump to the next one while the child is still choosing: WCAG 3.2.2).
    tab_to(page, "fieldset#question-q1 input[type=radio]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(400)
    expect(page.locator("fieldset#question-q1")).to_be_visible()
    assert focused(page, "fieldset#question-q1 input[value='2']")
    for number, key in enumerate(keys, start=1):
        question = page.locator(f"fieldset#question-{key}")
        expect(question).to_be_visible()
        if number > 1:
            # Next moved the focus to the new question
            expect(question.locator("legend")).to_be_focused()
            tab_to(page, f"fieldset#question-{key} input[type=radio]")
            page.keyboard.press("Space")  # the first option
        if number == 2:
            # Back, and forward again: the answer is kept
            tab_to(page, "[data-back]")
            page.keyboard.press("Enter")
            expect(page.locator("fieldset#question-q1 legend")).to_be_focused()
            assert page.locator("fieldset#question-q1 input[value='2']").is_checked()
            tab_to(page, "[data-next]")
            page.keyboard.press("Enter")
            expect(question.locator("legend")).to_be_focused()
        if number < len(keys):
            tab_to(page, "[data-next]")
            page.keyboard.press("Enter")
    tab_to(page, "[data-send]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/s/done/"))

    administration.refresh_from_db()
    assert administration.status == Administration.Status.COMPLETED
    assert administration.answers == {"q1": "2"} | dict.fromkeys(keys[1:], "0")
    assert administration.score == 2


def test_operators_call_card(browser_page: Page, world: World) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    operator = world.users["operator"]
    device = totp_device(operator)
    page.goto("/login/")
    tab_to(page, "input[name=username]")
    page.keyboard.type(operator.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/login/code/"))
    tab_to(page, "#otp-form input[name=code]")
    page.keyboard.type(totp_code(device))
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))

    page.goto("/helpline/")
    tab_to(page, "a.skip-link")  # past the menu in one step
    page.keyboard.press("Enter")
    tab_to(page, "form[action='/helpline/cards/new/'] button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/helpline/cards/[0-9a-f-]{36}/$"))

    tab_to(page, "select[name=caller_type]")
    page.keyboard.press("ArrowDown")  # the first kind of caller
    tab_to(page, "select[name=category]")
    page.keyboard.press("ArrowDown")
    tab_to(page, "select[name=risk_level]")
    page.keyboard.press("ArrowDown")
    tab_to(page, "textarea[name=narrative]")
    page.keyboard.type("A girl from 6A is hit by older pupils after school.")
    tab_to(page, "input[name=school_code]")
    page.keyboard.type(world.a.school.code)
    tab_to(page, "button[name=action][value=save]")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_be_visible()
    card = CallCard.objects.get()
    assert card.narrative.startswith("A girl from 6A") and card.school == world.a.school
    assert card.caller_type and card.category and card.risk_level

    tab_to(page, "button[name=action][value=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".followup-code")).to_be_visible()
    card.refresh_from_db()
    assert card.report is not None
    assert card.report.narrative.endswith("A girl from 6A is hit by older pupils after school.")
