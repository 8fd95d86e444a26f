"""The second factor in a real browser (docs/security.md): enrolment by QR code with the key the
page shows, recovery codes, and signing in again with a code computed here, as the
authenticator app would."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, World

pytestmark = pytest.mark.browser


def app_code(secret: str, *, step_offset: int = 0) -> str:
    """What an authenticator app shows for ``secret`` (base32, as the page prints it)."""
    key = base64.b32decode(secret.replace(" ", ""))
    counter = TOTP(key, step=30, t0=0, digits=6)
    counter.time = time.time() + step_offset * 30
    return f"{counter.token():06d}"


def password_step(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")


def test_enrol_by_qr_code_then_sign_in_with_the_apps_code(browser_page: Page, world: World) -> None:
    page = browser_page
    password_step(page, "coordinator_a")
    # someone who sees children's data cannot go on without enrolling
    expect(page).to_have_url(re.compile(r"/account/two-step/"))
    page.goto("/cases/")
    expect(page).to_have_url(re.compile(r"/account/two-step/"))
    qr = page.locator("[data-testid=otp-qr]")
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("img => img.naturalWidth") > 0  # the QR code really renders
    secret = page.locator("[data-testid=otp-secret]").inner_text()
    page.fill("#otp-setup-form input[name=code]", app_code(secret))
    page.click("#otp-setup-form button[type=submit]")
    codes = page.locator("[data-testid=recovery-codes] code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    page.click("a[role=button]")
    page.goto("/cases/")
    expect(page).to_have_url(re.compile(r"/cases/$"))

    # next time: password, then the app's code (the next one: each code works once)
    password_step(page, "coordinator_a")
    expect(page).to_have_url(re.compile(r"/login/code/"))
    page.fill("#otp-form input[name=code]", "000000" if app_code(secret) != "000000" else "111111")
    page.click("#otp-form button[type=submit]")
    expect(page.locator(".field-errors")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/code/"))
    time.sleep(1.1)  # a wrong code makes the next try wait a second
    page.fill("#otp-form input[name=code]", app_code(secret, step_offset=1))
    page.click("#otp-form button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.goto("/cases/")
    expect(page).to_have_url(re.compile(r"/cases/$"))

    # a lost phone: one recovery code instead, once
    password_step(page, "coordinator_a")
    page.fill("#otp-form input[name=code]", codes[0])
    page.click("#otp-form button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login/"))
    password_step(page, "coordinator_a")
    page.fill("#otp-form input[name=code]", codes[0])
    page.click("#otp-form button[type=submit]")
    expect(page.locator(".field-errors")).to_be_visible()
