"""The menu grouped by task (cases, care, screenings and surveys, statistics, prevention and
training, administration): a group with one item is that link, a group with several a
dropdown, a group without any is not shown; every persona's header holds a handful of
entries, so it fits one row at 1280 px (the browser test measures it)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World, register_case

pytestmark = pytest.mark.django_db

MOST_ENTRIES = 8  # groups, lone links, notifications and log out


class _Menu(HTMLParser):
    """The entries of ``ul.nav-links``: top-level items and the summaries of groups."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # of <ul> inside the menu; 0: outside it
        self.entries = 0
        self.groups: list[str] = []
        self._summary: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ul" and (self.depth or ("class", "nav-links") in attrs):
            self.depth += 1
        elif tag == "li" and self.depth == 1:
            self.entries += 1
        elif tag == "summary" and self.depth == 1:
            self._summary = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul" and self.depth:
            self.depth -= 1
        elif tag == "summary" and self._summary is not None:
            self.groups.append("".join(self._summary).strip())
            self._summary = None

    def handle_data(self, data: str) -> None:
        if self._summary is not None:
            self._summary.append(data)


def menu_of(html: str) -> _Menu:
    menu = _Menu()
    menu.feed(html)
    return menu


def test_every_personas_menu_is_a_handful_of_entries(world: World) -> None:
    register_case(world)
    for persona, user in world.users.items():
        client = Client(headers={"accept-language": "en"})
        client.force_login(user)
        menu = menu_of(client.get(reverse("home")).content.decode())
        assert 2 <= menu.entries <= MOST_ENTRIES, (persona, menu.entries)


def test_groups_with_several_items_drop_down_and_the_current_one_is_marked(world: World) -> None:
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.coordinator_a)
    html = client.get(reverse("case-list")).content.decode()
    menu = menu_of(html)
    assert "Cases" in menu.groups  # reports, entering a report, cases, open steps
    assert '<summary class="current">Cases</summary>' in html


def test_a_group_of_one_is_a_plain_link_and_an_empty_group_is_not_shown(world: World) -> None:
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.monitor)
    html = client.get(reverse("home")).content.decode()
    menu = menu_of(html)
    assert "Cases" not in menu.groups and "Care" not in menu.groups
    assert f'href="{reverse("dashboard")}"' in html


def test_the_public_menu_has_no_groups_and_no_menu_button() -> None:
    html = Client().get(reverse("home")).content.decode()
    assert menu_of(html).groups == []
    assert "data-menu-toggle" not in html
