"""In Chromium, at a phone's 390 px and a desktop's 1280 px: layout defects that were seen
and fixed stay fixed. A field's hint sits under its input, not over it; a button's label
never breaks inside a word in Kazakh or Russian; a filter bar lays out its fields in a
grid with a plain button, not as one row of squeezed pills; the child's questions keep
their progress bar clear of the sticky quick exit and a total that does not grow; the
workload chart draws its threshold line."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, ViewportSize, expect

from qamqor.accounts.models import User
from qamqor.care.services import save_work_week
from qamqor.instruments import services
from tests.factories import World, add_school_psychologists, make_pupil
from tests.support import verify_second_factor

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


def signed_in(page: Page, user: User) -> None:
    """The page's browser holds ``user``'s session, both sign-in steps passed: the sign-in
    pages themselves are tested in test_two_factor.py, and this skips waiting for a fresh
    authenticator code per user."""
    client = Client()
    client.force_login(user)
    verify_second_factor(client, user)
    page.context.clear_cookies()
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([cookie(page, settings.SESSION_COOKIE_NAME, session)])


def in_language(page: Page, language: str) -> None:
    page.context.add_cookies([cookie(page, settings.LANGUAGE_COOKIE_NAME, language)])


def cookie(page: Page, name: str, value: str) -> Any:
    if not page.url.startswith("http"):
        page.goto("/healthz")  # the live server's address, for the cookie's
    return {"name": name, "value": value, "url": page.evaluate("location.origin")}


# Every hint (a <small> right after an input, select, textarea or fieldset) against its
# input's box: [field name, overlapping?].
HINTS = """() => [...document.querySelectorAll('main small')]
  .filter((hint) => hint.previousElementSibling &&
    hint.previousElementSibling.matches('input:not([type=hidden]), select, textarea, fieldset'))
  .map((hint) => {
    const field = hint.previousElementSibling;
    const a = hint.getBoundingClientRect(), b = field.getBoundingClientRect();
    const overlap = a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5
      && a.left < b.right && b.left < a.right;
    return [field.name || field.id, overlap];
  })"""


def test_a_fields_hint_sits_under_its_input(browser_page: Page, world: World) -> None:
    """The landing page's school code, the follow-up code, the staff's report entry and the
    consultation form: no hint box intersects its input's (Pico pulled every hint up into
    its input's lower edge)."""
    page = browser_page
    add_school_psychologists(world)
    visits: list[tuple[User | None, str]] = [
        (None, "/"),
        (None, "/followup/"),
        (world.coordinator_a, "/reports/new/"),
        (world.psychologist_a, "/care/consultations/new/"),
    ]
    for user, path in visits:
        if user is not None:
            signed_in(page, user)
        page.set_viewport_size(PHONE)
        page.goto(path)
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            hints: list[list[Any]] = page.evaluate(HINTS)
            assert hints, f"{path}: no hint under a field"
            overlapping = [name for name, overlap in hints if overlap]
            assert not overlapping, f"{path} at {size['width']} px: {overlapping}"


# Every visible button-like element whose label is split inside a word (a word's text
# on two lines) or is wider than the button: [label, split words, overflowing?].
BROKEN_LABELS = """() => {
  const found = [];
  const buttons = document.querySelectorAll(
    'button, [role="button"], input[type="submit"], a.button-link');
  for (const button of buttons) {
    const box = button.getBoundingClientRect();
    if (!box.width || !box.height || !button.checkVisibility()) continue;
    const split = [];
    const walker = document.createTreeWalker(button, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('.visually-hidden')) continue;
      for (const word of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()]
          .filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top)));
        if (lines.size > 1) split.push(word[0]);
      }
    }
    const overflowing = button.tagName !== 'INPUT' && button.scrollWidth > button.clientWidth;
    if (split.length || overflowing) {
      found.push([(button.innerText || button.value).trim(), split, overflowing]);
    }
  }
  return found;
}"""


def test_button_labels_never_break_inside_a_word(browser_page: Page, world: World) -> None:
    """Kazakh and Russian at 390 px, on the public pages and the psychologist's screening
    pages: the "find a child" button's one word ("open") split before its last letter, and
    the screenings' own menu made the page wider than the phone."""
    page = browser_page
    page.set_viewport_size(PHONE)
    add_school_psychologists(world)
    public = ["/", "/followup/", f"/report/{world.a.school.code}/", "/s/"]
    staff = ["/screenings/", "/screenings/children/", "/cases/", "/referrals/"]
    for language in ("kk", "ru"):
        page.context.clear_cookies()
        in_language(page, language)
        for path in public:
            page.goto(path)
            assert page.evaluate(BROKEN_LABELS) == [], f"{language} {path}"
        signed_in(page, world.psychologist_a)
        in_language(page, language)
        for path in staff:
            page.goto(path)
            assert page.evaluate("document.documentElement.lang") == language
            assert page.evaluate(BROKEN_LABELS) == [], f"{language} {path}"
            # nor does a page's own menu push it wider than the phone
            assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), path


# The filter bar's fields and button: each select wide enough for its chosen text, the
# button's box and corner radius.
FILTER_BAR = """() => {
  const form = document.querySelector('form.filters');
  const context = document.createElement('canvas').getContext('2d');
  const cut = [...form.querySelectorAll('select')].filter((select) => {
    const style = getComputedStyle(select);
    context.font = style.font;
    const text = context.measureText(select.selectedOptions[0].text).width;
    const room = select.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight);
    return text > room;
  }).map((select) => select.name);
  const button = form.querySelector('button[type=submit]').getBoundingClientRect();
  const radius = parseFloat(getComputedStyle(form.querySelector('button[type=submit]'))
    .borderTopRightRadius);
  return {cut, height: button.height, width: button.width, radius,
          formWidth: form.getBoundingClientRect().width};
}"""


def test_filter_bars_show_whole_choices_and_a_plain_button(
    browser_page: Page, world: World
) -> None:
    """The screening statistics' bar (five fields), at both widths: no select cuts its
    chosen text ("област"), the button is an ordinary one, not a pill filling the row."""
    page = browser_page
    signed_in(page, world.monitor)
    in_language(page, "ru")
    page.goto("/screenings/dashboard/?group_by=district")
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        bar = page.evaluate(FILTER_BAR)
        assert bar["cut"] == [], size
        assert bar["height"] < 64 and bar["radius"] < 16, (size, bar)
        assert bar["width"] < bar["formWidth"] / 2, (size, bar)


PROGRESS_IN_VIEW = """() => {
  const sticky = document.querySelector('.quick-exit-bar').getBoundingClientRect();
  const progress = document.querySelector('[data-progress-box]').getBoundingClientRect();
  return progress.top >= sticky.bottom && progress.bottom <= innerHeight;
}"""


def test_the_childs_questions_keep_the_progress_in_view_and_a_steady_total(
    browser_page: Page, world: World
) -> None:
    """PHQ-9 on a phone. The first answer is the lowest on the screen (the page scrolls
    down to it); each next question brings the progress bar back into view below the
    sticky quick exit (it stayed under it). The total counts the tenth question, asked
    only after an answer above 0, from the start: it read "of 9", then "of 10"."""
    page = browser_page
    add_school_psychologists(world)
    child = make_pupil(world.a.school, age=14)
    _administration, code = services.invite(
        actor=world.psychologist_a, child=child, instrument_code="phq9", language="ru"
    )
    page.set_viewport_size(PHONE)
    page.goto("/s/")
    page.fill("input[name=code]", code)
    page.locator("form.code-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/s/answer/$"))
    label = page.locator("[data-progress-text]")
    totals = []
    answers = [("q1", "3")] + [(f"q{n}", "0") for n in range(2, 10)] + [("q10", "1")]
    for number, (key, value) in enumerate(answers, start=1):
        question = page.locator(f"fieldset#question-{key}")
        expect(question).to_be_visible()
        expect(label).to_contain_text(f" {number} ")
        totals.append(int(label.inner_text().split()[-1]))
        if number == 2:  # back, down to Next, and on: the same as the answer's own step
            page.locator("[data-back]").click()
            page.locator("[data-next]").click()
            expect(question).to_be_visible()
            assert page.evaluate(PROGRESS_IN_VIEW)
        question.locator(f"label.option:has(input[value='{value}'])").click()
        if number == 1:
            assert page.evaluate("scrollY") > 0  # the answer was below the fold
            expect(page.locator("fieldset#question-q2")).to_be_visible()
            assert page.evaluate(PROGRESS_IN_VIEW)
    assert totals == [10] * 10
    expect(page.locator("button[data-send]")).to_be_enabled()


# Red pixels of the canvas in the plot's column at the norm: how many in the top and in
# the bottom quarter of the plot (the dashed threshold line crosses the whole plot).
THRESHOLD_DRAWN = """() => {
  const canvas = document.getElementById('workload-chart');
  const chart = Chart.getChart(canvas);
  const data = JSON.parse(document.getElementById('workload-chart-data').textContent);
  const ratio = chart.currentDevicePixelRatio;
  const x = Math.round(chart.scales.x.getPixelForValue(data.share_norm) * ratio);
  const area = chart.chartArea;
  const top = Math.round(area.top * ratio), bottom = Math.round(area.bottom * ratio);
  const column = chart.ctx.getImageData(x - 1, top, 3, bottom - top).data;
  const red = (row) => [0, 1, 2].some((i) => {
    const at = (row * 3 + i) * 4;
    return column[at] > 150 && column[at + 1] < 80 && column[at + 2] < 80;
  });
  const quarter = Math.floor((bottom - top) / 4);
  let upper = 0, lower = 0;
  for (let row = 0; row < quarter; row += 1) {
    if (red(row)) upper += 1;
    if (red(bottom - top - 1 - row)) lower += 1;
  }
  return [upper, lower];
}"""


def test_the_workload_chart_draws_its_threshold_line(browser_page: Page, world: World) -> None:
    """A region's report has one row: the permissible share was in the legend but not
    drawn (a line dataset of one point). It now crosses the plot from top to bottom."""
    page = browser_page
    add_school_psychologists(world)
    week = date(2025, 3, 3)
    save_work_week(
        actor=world.psychologist_a,
        organisation=world.a.school,
        week=week,
        hours={"consultation": Decimal(30), "monitoring": Decimal(10)},
    )
    signed_in(page, world.regional_a)
    page.set_viewport_size(DESKTOP)
    page.goto(f"/care/workload/?start={week}&end={week}&level=region")
    expect(page.locator("#workload-table tbody tr")).to_have_count(1)
    page.wait_for_function("() => window.Chart && Chart.getChart('workload-chart')")
    upper, lower = page.evaluate(THRESHOLD_DRAWN)
    assert upper > 5 and lower > 5, (upper, lower)
