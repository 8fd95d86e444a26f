"""Permission cases generated from the rules, not hand-written (NetBox's
``utilities/testing/views.py``): every page guarded by a named gate, from the URL
resolver, is opened by every persona of ``build_world`` and must answer 200 exactly when
the gate is open and 404 otherwise; every link of every persona's menu must open.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from qamqor.accounts import access
from tests.factories import World, register_case


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def gated_pages() -> list[tuple[str, str]]:
    """(URL name, gate) of every route whose view carries a page gate."""
    found = []
    for _route, pattern in _patterns(get_resolver()):
        gate = getattr(pattern.callback, "access_gate", None)
        if gate is not None and pattern.name:
            found.append((pattern.name, gate))
    return sorted(set(found))


def test_the_named_pages_are_gated() -> None:
    """The menu's pages carry their gate (a gate removed from a view fails here)."""
    names = dict(gated_pages())
    assert {
        "report-staff-entry": "staff_entry",
        "open-steps": "open_steps",
        "protocol-list": "protocols",
        "locked-accounts": "locked_accounts",
        "poster-index": "posters",
        "dashboard": "dashboard",
        "care-home": "care",
        "referral-list": "referrals",
        "screenings": "screenings",
    }.items() <= names.items()
    assert set(names.values()) <= access.registered_gates()


@pytest.mark.django_db
def test_every_gated_page_answers_as_its_gate_says(world: World) -> None:
    for name, gate in gated_pages():
        try:
            url = reverse(name)
        except NoReverseMatch:  # a route with arguments: its object decides (restrict)
            continue
        for persona, user in world.users.items():
            client = Client()
            client.force_login(user)
            response = client.get(url)
            expected = 200 if access.allows(user, gate) else 404
            assert response.status_code == expected, (name, gate, persona)


MENU = re.compile(r'<ul class="nav-links"[^>]*>(.*)</nav>', re.S)
HREF = re.compile(r'<a href="([^"]+)"')


@pytest.mark.django_db
def test_a_menu_never_offers_a_page_that_answers_404(world: World) -> None:
    register_case(world)
    offered: dict[str, set[str]] = {}
    for persona, user in world.users.items():
        client = Client()
        client.force_login(user)
        home = client.get(reverse("home"))
        assert home.status_code == 200
        menu = MENU.search(home.content.decode())
        assert menu is not None, persona
        for href in HREF.findall(menu.group(1)):
            offered.setdefault(persona, set()).add(href)
            assert client.get(href).status_code == 200, (persona, href)
    # the menu differs by role: the national coordinator is offered no staff entry page
    assert reverse("report-staff-entry") in offered["coordinator_a"]
    assert reverse("report-staff-entry") not in offered["national"]
    assert reverse("dashboard") in offered["monitor"]
    assert reverse("case-list") not in offered["monitor"]


def test_an_action_without_a_rule_fails_loudly() -> None:
    with pytest.raises(LookupError):
        access.filter_for(None, "cases.Case", "no-such-action")
    with pytest.raises(LookupError):
        access.allows(object(), "no-such-gate")
    with pytest.raises(LookupError):
        access.acting_ids(object(), "no-such-acting")


@pytest.mark.django_db
def test_every_registered_rule_runs_for_every_persona(world: World) -> None:
    """Each (model, action) rule builds a query every persona can run; a monitor sees no
    case, the national coordinator every one (the two ends of the scale)."""
    from django.apps import apps

    case = register_case(world)
    for label, action in sorted(access.registered_actions()):
        model: Any = apps.get_model(label)
        for user in world.users.values():
            list(model._default_manager.filter(access.filter_for(user, label, action))[:1])
    Case = apps.get_model("cases.Case")
    assert not Case.objects.restrict(world.users["monitor"], "view").exists()
    assert Case.objects.restrict(world.users["national"], "view").filter(pk=case.pk).exists()
    assert not Case.objects.restrict(world.users["coordinator_b"], "view").exists()
