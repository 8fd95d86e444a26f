"""In Chromium: the grouped menu (issue of the crowded header). At 1280 px the regional
coordinator's menu, the longest, fits one row; on a phone it folds behind its button and
opens with the keyboard, and a group's dropdown opens and leads to its page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import World

from .test_core_loop import sign_in

pytestmark = pytest.mark.browser

ONE_ROW = """() => {
  // How many menu entries sit below the first one's row (their middles outside it).
  const items = [...document.querySelectorAll('#main-menu > li')]
    .map((li) => li.getBoundingClientRect());
  const first = items[0];
  return items.filter((box) => {
    const middle = (box.top + box.bottom) / 2;
    return middle < first.top || middle > first.bottom;
  }).length;
}"""


def test_the_longest_menu_fits_one_row_and_folds_on_a_phone(
    browser_page: Page, world: World
) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "regional_a")
    page.goto("/")
    expect(page.locator("#main-menu")).to_be_visible()
    expect(page.locator("[data-menu-toggle]")).to_be_hidden()
    assert page.evaluate(ONE_ROW) == 0

    cases = page.locator("#main-menu details:has(a[href='/cases/'])")
    cases.locator("summary").click()
    cases.locator("a[href='/cases/']").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(
        page.locator("#main-menu details:has(a[href='/cases/']) > summary.current")
    ).to_be_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    toggle = page.locator("[data-menu-toggle]")
    expect(toggle).to_be_visible()
    expect(page.locator("#main-menu")).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#main-menu")).to_be_visible()
    statistics = page.locator("#main-menu details:has(a[href='/dashboard/']) > summary")
    statistics.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#main-menu a[href='/dashboard/']")).to_be_visible()


FOCUS_RING = """(selector) => {
  const style = getComputedStyle(document.activeElement);
  const reached = document.activeElement.matches(selector);
  return [reached, style.outlineStyle, parseFloat(style.outlineWidth)];
}"""


def test_keyboard_focus_is_visible_on_the_language_buttons_and_links(
    browser_page: Page, world: World
) -> None:
    """Tabbing past the quick exit and the skip link: the brand link, then the language
    buttons, each with a solid ring at least 2 px wide (it was Pico's faint shadow,
    invisible on the buttons)."""
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")
    for _press in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('a.brand')"):
            break
    reached = page.evaluate(FOCUS_RING, "a.brand")
    assert reached[0] and reached[1] == "solid" and reached[2] >= 2, reached
    page.keyboard.press("Tab")
    reached = page.evaluate(FOCUS_RING, ".language-switcher button")
    assert reached[0] and reached[1] == "solid" and reached[2] >= 2, reached
