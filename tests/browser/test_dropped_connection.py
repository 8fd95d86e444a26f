"""A dropped connection on a phone: the public report form and the child's questionnaire
keep every answer in the page, say they will send it again, and do so once the
connection is back — one report, one set of answers, however many tries (js/resend.js,
the form's one-time token, the questionnaire's one-time code). And the report form's
weight in bytes, which docs/intake.md states."""

from __future__ import annotations

import gzip
import re
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from qamqor.audit.models import AuditEvent
from qamqor.instruments import services as screening
from qamqor.instruments.models import Administration
from qamqor.intake.models import Report
from qamqor.intake.services import followup_code_hash
from tests.browser.test_content_security_policy import RECORD_VIOLATIONS
from tests.factories import World, make_pupil

pytestmark = pytest.mark.browser

NARRATIVE = "Older boys take my phone every day after lessons."

# Bytes of the report form's HTML, CSS and JavaScript (docs/intake.md, "Page weight").
WEIGHT_BUDGET = 130_000
GZIP_BUDGET = 30_000


def test_report_form_resends_once_the_connection_is_back(browser_page: Page, world: World) -> None:
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.add_init_script(RECORD_VIOLATIONS)  # the script runs under the strict policy
    responses: list[Any] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(f"/report/{world.a.school.code}/")
    page.wait_for_load_state("load")
    weight, packed = page_weight(page, responses)
    assert weight < WEIGHT_BUDGET and packed < GZIP_BUDGET, (weight, packed)

    page.fill("textarea[name=narrative]", NARRATIVE)
    page.check("input[name=forms][value=bullying]")
    page.context.set_offline(True)
    page.click("button.submit-report")
    note = page.locator("[data-resend-note]")
    expect(note).to_contain_text(re.compile("связ", re.IGNORECASE))  # "no connection" (ru)
    expect(page.locator("textarea[name=narrative]")).to_have_value(NARRATIVE)
    expect(page.locator("input[name=forms][value=bullying]")).to_be_checked()
    assert not Report.objects.exists()
    assert page.evaluate("window.__cspViolations") == []

    # Back online, the connection drops once more right after the report reached the
    # server: its answer is lost, the page tries again, the token makes it the same report.
    lost: list[int] = []
    page.route(re.compile(r"/report/[^/]+/$"), lambda route: lose_once(route, lost))
    page.context.set_offline(False)
    expect(page).to_have_url(re.compile(r"/thanks/$"), timeout=20_000)
    assert lost == [302]
    code = page.locator(".followup-code code").inner_text().strip()
    report = Report.objects.get()
    assert report.narrative == NARRATIVE and report.forms == ["bullying"]
    assert report.followup_code_hash == followup_code_hash(code)


def test_childs_answers_are_sent_once_the_connection_is_back(
    browser_page: Page, world: World
) -> None:
    _administration, code = screening.invite(
        actor=world.psychologist_a,
        child=make_pupil(world.a.school, age=13),
        instrument_code="gad7",
        language="ru",
    )
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/s/")
    page.fill("input[name=code]", code)
    page.locator("form.code-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/s/answer/$"))
    keys: list[str] = page.eval_on_selector_all(
        "fieldset.question", "(all) => all.map((q) => q.dataset.key)"
    )
    for key in keys:
        page.locator(f"fieldset#question-{key} label.option:has(input[value='1'])").click()
    send = page.locator("button[data-send]")
    expect(send).to_be_enabled()

    page.context.set_offline(True)
    send.click()
    expect(page.locator("[data-resend-note]")).to_contain_text(re.compile("связ", re.I))
    for key in keys:
        expect(page.locator(f"input[name=a_{key}][value='1']")).to_be_checked()
    assert Administration.objects.get().status != Administration.Status.COMPLETED

    # Back online, the answer to the first sending is lost again: the code is used once.
    lost: list[int] = []
    page.route(re.compile(r"/s/answer/$"), lambda route: lose_once(route, lost))
    page.context.set_offline(False)
    expect(page).to_have_url(re.compile(r"/s/done/\?lang=ru$"), timeout=20_000)
    assert lost == [302]
    administration = Administration.objects.get()
    assert administration.status == Administration.Status.COMPLETED
    assert administration.answers == dict.fromkeys(keys, "1")
    assert AuditEvent.objects.filter(action="screening.submit").count() == 1


def lose_once(route: Route, lost: list[int]) -> None:
    """The first POST reaches the server, but its answer never reaches the browser."""
    if route.request.method == "POST" and not lost:
        lost.append(route.fetch(max_redirects=0).status)
        route.abort("internetdisconnected")
    else:
        route.continue_()


def page_weight(page: Page, responses: list[Any]) -> tuple[int, int]:
    """The HTML, CSS and JavaScript bytes the page loaded (the browser's count, without
    headers) and the same files gzip-compressed, as WhiteNoise and the proxy send them."""
    kinds = {"document", "stylesheet", "script"}
    bodies = [r.body() for r in responses if r.request.resource_type in kinds]
    loaded: int = page.evaluate(
        """() => performance.getEntriesByType('navigation')
             .concat(performance.getEntriesByType('resource'))
             .filter((e) => ['navigation', 'link', 'script'].includes(e.initiatorType))
             .reduce((sum, e) => sum + e.encodedBodySize, 0)"""
    )
    assert loaded == sum(len(body) for body in bodies), loaded
    return loaded, sum(len(gzip.compress(body, 9)) for body in bodies)
