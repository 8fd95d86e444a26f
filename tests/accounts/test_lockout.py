"""Lockout per account and per address (django-axes), and the coordinators' unlock path."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from qamqor.accounts.models import User
from qamqor.audit.models import AuditEvent
from tests.factories import PASSWORD, World


def fail_logins(username: str, *, address: str, times: int | None = None) -> None:
    client = Client(REMOTE_ADDR=address)
    for _attempt in range(times or settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": username, "password": "wrong"})


def can_log_in(username: str, *, address: str) -> bool:
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    return response.status_code == 302 and "_auth_user_id" in client.session


def test_one_account_tried_from_many_addresses_is_locked(world: World) -> None:
    for number in range(settings.AXES_FAILURE_LIMIT):
        fail_logins("psc_a", address=f"198.51.100.{number + 1}", times=1)
    assert not can_log_in("psc_a", address="203.0.113.9")  # even the owner, elsewhere
    assert can_log_in("police_a", address="203.0.113.9")


def test_one_address_trying_many_accounts_is_locked(world: World) -> None:
    for username in ["psc_a", "police_a", "coordinator_a", "regional_a", "national"]:
        fail_logins(username, address="198.51.100.50", times=1)
    assert not can_log_in("guardianship_a", address="198.51.100.50")
    assert can_log_in("guardianship_a", address="198.51.100.51")


def csrf_client_for(user: User) -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.get(reverse("locked-accounts"))  # sets the CSRF cookie
    return client


def test_the_regional_coordinator_unlocks_an_account_of_the_region(world: World) -> None:
    fail_logins("psc_a", address="198.51.100.1")
    fail_logins("psc_b", address="198.51.100.2")
    client = csrf_client_for(world.regional_a)
    page = client.get(reverse("locked-accounts"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "psc_a" in html
    assert "psc_b" not in html  # region B is not theirs
    # not theirs to unlock either: 404, nothing changed
    token = client.cookies["csrftoken"].value
    other = client.post(
        reverse("unlock-account", args=[world.psc_b.pk]), {"csrfmiddlewaretoken": token}
    )
    assert other.status_code == 404
    assert not can_log_in("psc_b", address="203.0.113.2")
    no_token = client.post(reverse("unlock-account", args=[world.psc_a.pk]))
    assert no_token.status_code == 403
    done = client.post(
        reverse("unlock-account", args=[world.psc_a.pk]), {"csrfmiddlewaretoken": token}
    )
    assert done.status_code == 302
    assert can_log_in("psc_a", address="203.0.113.1")
    event = AuditEvent.objects.get(action="account.unlock")
    assert event.actor_id == world.regional_a.pk
    assert event.object_id == str(world.psc_a.pk)


def test_the_national_coordinator_sees_every_locked_account(world: World) -> None:
    fail_logins("psc_b", address="198.51.100.2")
    client = csrf_client_for(world.national)
    assert "psc_b" in client.get(reverse("locked-accounts")).content.decode()


@pytest.mark.parametrize("persona", ["coordinator_a", "psc_a", "monitor"])
def test_other_roles_have_no_unlock_page(world: World, persona: str) -> None:
    fail_logins("police_a", address="198.51.100.1")
    client = csrf_client_for(world.users[persona])
    assert client.get(reverse("locked-accounts")).status_code == 404
    token = client.cookies["csrftoken"].value
    refused = client.post(
        reverse("unlock-account", args=[world.police_a.pk]), {"csrfmiddlewaretoken": token}
    )
    assert refused.status_code == 404
    assert not can_log_in("police_a", address="203.0.113.1")


def test_the_command_unlocks_and_is_audited(world: World) -> None:
    fail_logins("psc_a", address="198.51.100.1")
    out = StringIO()
    call_command("unlock_login", "psc_a", stdout=out)
    assert "unlocked psc_a" in out.getvalue()
    assert can_log_in("psc_a", address="203.0.113.1")
    assert AuditEvent.objects.filter(action="account.unlock", actor_id=None).exists()
    with pytest.raises(CommandError):
        call_command("unlock_login", "nobody-by-this-name")


def test_the_command_unlocks_an_address(world: World) -> None:
    for username in ["psc_a", "police_a", "coordinator_a", "regional_a", "national"]:
        fail_logins(username, address="198.51.100.50", times=1)
    call_command("unlock_login", "--address", "198.51.100.50", stdout=StringIO())
    assert can_log_in("guardianship_a", address="198.51.100.50")
