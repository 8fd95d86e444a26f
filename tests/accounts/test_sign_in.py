"""Sign-in basics: argon2 hashes, lockout after repeated failures."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse

from qamqor import settings as project_settings
from tests.factories import PASSWORD, World


def test_passwords_are_hashed_with_argon2(settings) -> None:
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # the tests' fast one aside
    hashed = make_password("a long passphrase")
    assert hashed.startswith("argon2$argon2id$")


def test_lockout_refuses_even_the_right_password_and_only_for_that_login(world: World) -> None:
    client = Client()
    login = reverse("login")
    for _attempt in range(django_settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": "coordinator_a", "password": "wrong"})
    locked = client.post(login, {"username": "coordinator_a", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    other = Client(REMOTE_ADDR="192.0.2.7")
    answer = other.post(login, {"username": "coordinator_b", "password": PASSWORD})
    assert answer.status_code == 302
