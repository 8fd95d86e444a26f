"""The browser harness itself: Debian's Chromium against the live server and its database."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from qamqor.directory.models import Organisation
from tests.factories import World

pytestmark = pytest.mark.browser


def test_chromium_reaches_the_live_server(browser_page: Page, world: World) -> None:
    response = browser_page.goto("/readyz")
    assert response is not None
    assert response.status == 200
    assert response.json() == {"status": "ok"}
    # The test's own ORM calls still work while Playwright's event loop is running.
    assert Organisation.objects.filter(code=world.a.school.code).exists()
