"""A briefing in Chromium: the national coordinator publishes a methodology version for
school psychologists from the library's page, a school psychologist finds it on her home
page and acknowledges it, and the coverage report shows one fewer person missing
(brief 2.3.6)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from qamqor.library import services
from qamqor.library.models import Acknowledgement
from tests.factories import PASSWORD, World, add_school_psychologists
from tests.support import browser_sign_in

pytestmark = pytest.mark.browser


def test_publish_acknowledge_and_the_coverage_updates(browser_page: Page, world: World) -> None:
    page = browser_page
    add_school_psychologists(world)  # psychologist_a, psychologist_a2 (region A), psychologist_b
    services.add_document(
        actor=world.national,
        code="bullying-response-methodology",
        kind="methodology",
        title_kk="Буллингке ден қою әдістемесі",
        title_ru="Методика реагирования на буллинг",
        title_en="Bullying response methodology",
    )

    # 1. The national coordinator publishes a version from the library's pages.
    browser_sign_in(page, "national", PASSWORD)
    page.goto("/library/")
    page.click("a[href='/library/documents/bullying-response-methodology/']")
    page.click("a[href='/library/documents/bullying-response-methodology/publish/']")
    form = page.locator("form[action$='/publish/']")
    form.locator("input[name=version-number]").fill("Methodology 2026, edition 1")
    form.locator("textarea[name=version-summary_kk]").fill("Әңгіме 1 жұмыс күні ішінде.")
    form.locator("textarea[name=version-summary_ru]").fill("Беседа в течение 1 рабочего дня.")
    form.locator("textarea[name=version-summary_en]").fill("The conversation within 1 working day.")
    form.locator("input[name=version-affected_roles][value=school_psychologist]").check()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/library/coverage/[0-9a-f-]{36}/$"))
    coverage_url = page.url
    expect(page.locator("#coverage-total")).to_contain_text(
        re.compile(r"\b0 \S+ 3\b")
    )  # "0 of 3", "0 из 3"
    expect(page.locator("#missing-table tr[data-username=psychologist_a]")).to_have_count(1)

    # 2. The school psychologist sees it on her home page and acknowledges it.
    browser_sign_in(page, "psychologist_a", PASSWORD)
    page.goto("/")
    briefings = page.locator("section.briefings-due")
    expect(briefings).to_contain_text("Methodology 2026, edition 1")
    briefings.locator("a").first.click()
    expect(page).to_have_url(re.compile(r"/library/briefings/"))
    page.locator("input[name=ack-read]").check()
    page.locator("form[action$='/acknowledge/'] button[type=submit]").click()
    expect(page.locator("article.briefing")).to_have_count(0)
    page.goto("/")
    expect(page.locator("section.briefings-due")).to_have_count(0)
    assert Acknowledgement.objects.get(user=world.psychologist_a).acknowledged_at is not None

    # 3. The coverage report shows her as done, the others still missing.
    browser_sign_in(page, "national", PASSWORD)
    page.goto(coverage_url)
    expect(page.locator("#coverage-total")).to_contain_text(re.compile(r"\b1 \S+ 3\b"))
    expect(page.locator("#missing-table tr[data-username=psychologist_a]")).to_have_count(0)
    expect(page.locator("#missing-table tr[data-username=psychologist_b]")).to_have_count(1)
