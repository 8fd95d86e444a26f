"""In Chromium: a table box that scrolls sideways on a phone takes the keyboard focus, is
a region named after its table, and scrolls with the arrow keys (WCAG 2.1.1, axe's
scrollable-region-focusable); the same box on a desktop, where the table fits, is no tab
stop (js/table-scroll.js)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import World

from .test_keyboard import tab_to
from .test_layout import DESKTOP, PHONE, signed_in

pytestmark = pytest.mark.browser

REGIONS_BOX = "section[aria-labelledby='regions-title'] .table-scroll"
OVERFLOWS = "(box) => box.scrollWidth > box.clientWidth"
# What the script adds to a box, as far as the box has it.
ADDED = "(box) => ['tabindex', 'role', 'aria-labelledby'].filter((n) => box.hasAttribute(n))"


def test_a_wide_table_scrolls_by_keyboard_on_a_phone_only(browser_page: Page, world: World) -> None:
    """The national dashboard's table by region: six columns, wider than a phone."""
    page = browser_page
    signed_in(page, world.national)
    page.set_viewport_size(PHONE)
    page.goto("/dashboard/")
    box = page.locator(REGIONS_BOX)
    assert box.evaluate(OVERFLOWS)

    expect(box).to_have_attribute("tabindex", "0")
    expect(box).to_have_role("region")
    heading = page.locator("#regions-title").inner_text().strip()
    assert heading
    expect(box).to_have_accessible_name(heading)

    tab_to(page, REGIONS_BOX)
    ring = "(box) => [getComputedStyle(box).outlineStyle, getComputedStyle(box).outlineWidth]"
    assert box.evaluate(ring) == ["solid", "3px"]  # the focus ring of links and fields
    assert box.evaluate("(box) => box.scrollLeft") == 0
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(box) => box.scrollLeft > 0", arg=box.element_handle())

    # Wider: the table fits, and the tab stop and region go away (the heading's id stays).
    page.set_viewport_size(DESKTOP)
    page.wait_for_function(f"(box) => ({ADDED})(box).length === 0", arg=box.element_handle())
    assert not box.evaluate(OVERFLOWS)

    # A page opened on a desktop: no box that fits is a tab stop.
    page.reload()
    boxes = page.locator(".table-scroll")
    expect(boxes.first).to_be_attached()
    fitting = [b for b in boxes.all() if not b.evaluate(OVERFLOWS)]
    assert fitting
    assert [b.evaluate(ADDED) for b in fitting] == [[] for _ in fitting]


def test_a_visitors_page_too(browser_page: Page, world: World) -> None:
    """The recommendations tracker, open to everyone: its progress table, one column per
    status, is wider than a phone on a page without the staff's scripts."""
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto("/oversight/recommendations/")
    box = page.locator("section[aria-labelledby='progress-heading'] .table-scroll")
    assert box.evaluate(OVERFLOWS)
    expect(box).to_have_attribute("tabindex", "0")
    expect(box).to_have_role("region")
    expect(box).to_have_accessible_name(page.locator("#progress-heading").inner_text().strip())
