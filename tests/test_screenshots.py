"""The screenshot command's page list names pages that exist (no browser, no database):
a renamed or removed page fails here, not months later in docs/screenshots/."""

from __future__ import annotations

import pytest
from django.core.management import get_commands
from django.urls import Resolver404, resolve

from qamqor.accounts.models import Role
from qamqor.demo.screenshots import DEMO_SCHOOL, PUBLIC_PAGES, ROLE_PAGES, Page
from qamqor.protocols import definitions

SAMPLE = {"school": DEMO_SCHOOL, "case": "KZ-75-2026-000001"}
PAGES = [("public", page) for page in PUBLIC_PAGES] + [
    (role.value, page) for role, pages in ROLE_PAGES.items() for page in pages
]


@pytest.mark.parametrize(("who", "page"), PAGES, ids=[f"{w}-{p.name}" for w, p in PAGES])
def test_every_page_in_the_list_is_a_page_of_the_site(who: str, page: Page) -> None:
    address = page.path.format(**SAMPLE)
    try:
        match = resolve(address)
    except Resolver404:
        pytest.fail(f"{who}: {address} is no page of the site")
    assert match.url_name, address  # a named page, not a catch-all


def test_every_role_has_pages_named_once_and_case_pages_name_a_protocol() -> None:
    assert set(ROLE_PAGES) == set(Role)
    for pages in (PUBLIC_PAGES, *ROLE_PAGES.values()):
        names = [page.name for page in pages]
        assert len(names) == len(set(names))
    for pages in ROLE_PAGES.values():
        for page in pages:
            assert ("{case}" in page.path) == bool(page.protocol), page
            assert not page.protocol or page.protocol in definitions.codes()


def test_the_command_is_installed() -> None:
    assert "screenshots" in get_commands()
