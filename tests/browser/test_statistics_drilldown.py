"""In Chromium: from the national tile map of the regions down to one school's figures
(brief 1.2.1, 3.1.1): region, district, school, the chosen period carried along."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.analytics.test_dashboards import FEB, MAR, cases, consultations
from tests.factories import World

from .test_content_security_policy import RECORD_VIOLATIONS
from .test_core_loop import sign_in

pytestmark = pytest.mark.browser


def test_a_coordinator_drills_from_the_map_to_a_schools_figures(
    browser_page: Page, world: World
) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    cases(MAR, "KZ-75", 9)
    cases(MAR, "KZ-71", 3)
    consultations(FEB, world.a.school, 7)
    consultations(MAR, world.a.school, 12)

    page.add_init_script(RECORD_VIOLATIONS)  # the chart and the tile map within the CSP
    sign_in(page, "national")
    page.goto("/statistics/?kind=month&period=2026-03&indicator=cases_registered")
    tiles = page.locator("#region-tiles [data-region]")
    expect(tiles).to_have_count(20)
    almaty = page.locator("#region-tiles a[data-region='KZ-75']")
    expect(almaty).to_contain_text("9")
    expect(page.locator("#statistics-trend")).to_be_attached()  # the chart's canvas
    page.wait_for_function("document.querySelector('#statistics-trend').width > 0")
    assert page.evaluate("window.__cspViolations") == []

    almaty.click()
    expect(page).to_have_url(re.compile(r"/statistics/region/KZ-75/\?.*period=2026-03"))
    expect(page.locator("h1")).to_have_text(world.a.region.name_ru)

    district = f"/statistics/district/{world.a.district.pk}/"
    page.locator(f"#table-ranked a[href^='{district}']").click()
    expect(page).to_have_url(re.compile(re.escape(district)))

    school = f"/statistics/organisation/{world.a.school.pk}/"
    page.locator(f"#table-ranked a[href^='{school}']").click()
    expect(page).to_have_url(re.compile(re.escape(school)))
    tile = page.locator("#headline-tiles li[data-indicator='consultations']")
    expect(tile.locator(".stat-value")).to_have_text("12")
    expect(tile).to_contain_text("7")  # the previous month
    assert page.evaluate("window.__cspViolations") == []
