"""A parent in a browser, on a phone-sized screen: finds the school by its name, fills in
the application and downloads it as a PDF, then sends it to Qamqor and is shown the
follow-up code (docs/parents.md). Nothing of the letter is kept until it is sent."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import Page, expect

from qamqor.intake.models import Report
from tests.factories import World

pytestmark = pytest.mark.browser


def test_a_parent_downloads_the_application_and_sends_it(
    browser_page: Page, world: World, tmp_path: Path
) -> None:
    school = world.a.school
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/parents/")
    page.click(".parents-links a[href='/parents/application/']")
    page.fill("input[name=q]", school.name_ru[:10])
    page.click("form[role=search] button[type=submit]")
    page.click(f".school-matches a[href*='school={school.code}']")
    expect(page.locator("input[name=school]")).to_have_value(school.code)

    page.select_option("select[name=language]", "ru")
    page.fill("input[name=parent_name]", "Сәрсенова Айгүл")
    page.fill("input[name=parent_contact]", "+77010000000")
    page.fill("input[name=child_name]", "Сәрсенов Нұрлан")
    page.fill("input[name=child_class]", "7Б")
    page.check("input[name=forms][value=cyberbullying]")
    page.fill("textarea[name=what_happened]", "Одноклассники высмеивают его в чате класса.")
    page.fill("input[name=happened_from]", "2026-03-02")
    with page.expect_download() as download:
        page.click("button[name=action][value=pdf]")
    saved = tmp_path / "application.pdf"
    download.value.save_as(saved)
    document = pdfium.PdfDocument(saved.read_bytes())
    try:
        text = document[0].get_textpage().get_text_bounded()
    finally:
        document.close()
    assert school.name_ru in text and "ЗАЯВЛЕНИЕ" in text
    assert Report.objects.count() == 0

    page.click("button[name=action][value=send]")
    code = page.locator(".followup-code code").inner_text().strip()
    report = Report.objects.get()
    assert code and report.school == school and report.reporter_role == "parent"
