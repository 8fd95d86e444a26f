"""The Content-Security-Policy holds in a real browser: the main pages load their scripts,
styles and charts with no violation (docs/security.md).

Chromium reports each blocked inline script, inline style, eval or foreign source as a
``securitypolicyviolation`` event and a console error; the test records both. A page that
still had an inline handler or an injected ``<style>`` would show up here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import ConsoleMessage, Page, expect

from qamqor.analytics.fold import fold
from tests.factories import World, register_case

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.effectiveDirective + " " + (event.blockedURI || "inline") + " " +
    (event.sourceFile || "") + ":" + event.lineNumber + " " + (event.sample || ""));
});
"""


def sign_in(page: Page, live_url: str, user: Any) -> None:
    """Both sign-in steps done by the test client, the session handed to the browser."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.clear_cookies()
    host = urlsplit(live_url).hostname or "localhost"
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "domain": host, "path": "/"}]
    )


def visit(page: Page, live_url: str, path: str, console: list[str]) -> list[str]:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, path
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    page.wait_for_load_state("networkidle")
    found: list[str] = page.evaluate("window.__cspViolations")
    return [f"{path}: {violation}" for violation in found] + [f"{path}: {line}" for line in console]


def test_main_pages_load_without_a_policy_violation(
    browser_page: Page, live_server: Any, world: World
) -> None:
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            console.append(message.text)

    page.on("console", on_console)
    register_case(world)  # the dashboard draws its chart from at least one case

    violations: list[str] = []
    school = world.a.school.code
    for path in ["/", "/report/", f"/report/{school}/", "/followup/", "/login/"]:
        violations += visit(page, live_server.url, path, console)
        console.clear()
    # the report form's own script works under the policy: the quick-exit hint is shown
    page.goto(f"/report/{school}/")
    expect(page.locator("[data-quick-exit-hint]")).to_be_visible()

    sign_in(page, live_server.url, world.users["coordinator_a"])
    for path in ["/reports/", "/cases/", "/notifications/", "/api/v1/docs"]:
        violations += visit(page, live_server.url, path, console)
        console.clear()
    # the API documentation is drawn by Swagger UI from our own static files
    expect(page.locator("#swagger-ui .information-container")).to_be_visible()

    fold()  # the dashboard reads the statistics the worker has folded (decision 0014)
    sign_in(page, live_server.url, world.users["national"])
    violations += visit(page, live_server.url, "/dashboard/", console)
    console.clear()
    # Chart.js ran (it sizes and draws on the canvas) under script-src 'self'
    drawn = page.evaluate(
        "(() => { const c = document.getElementById('forms-chart');"
        " return !!(c && window.Chart && window.Chart.getChart(c)); })()"
    )
    assert drawn, "Chart.js did not draw the dashboard chart"

    assert violations == []


def test_a_blocked_inline_script_is_recorded(
    browser_page: Page, live_server: Any, world: World
) -> None:
    """The recorder itself works: an inline script injected into a page is refused by the
    policy and reported, so an empty list above means no violation, not a deaf listener."""
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto("/login/")
    page.evaluate(
        "(() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.appendChild(s); })()"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === true") is False
    found = page.evaluate("window.__cspViolations")
    assert any(v.startswith("script-src") for v in found), found
