"""Shared fixtures. The database is SQLite unless the run targets PostgreSQL (see Makefile)."""

from __future__ import annotations

import pytest

from tests.factories import World, build_world

#: Argon2 is deliberately slow; tests that are not about hashing use this one.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    """``client.force_login`` stands for a finished sign-in, both steps: the session is
    marked as verified by a TOTP device (tests/support.py). Production is unchanged; the
    second step itself is tested in tests/accounts and tests/browser/test_two_factor.py."""
    from django.test import Client

    from qamqor.accounts.models import User
    from tests.support import verify_second_factor

    original = Client.force_login

    def force_login(self: Client, user: User, backend: str | None = None) -> None:
        original(self, user, backend)
        verify_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


# Test infrastructure (SMTP peer, browser, database passes): see tests/support.py.
from tests.support import (  # noqa: E402, F401
    _sqlite_flush_passes_the_audit_trigger,
    browser_page,
    chromium,
    pytest_collection_modifyitems,
    pytest_runtest_makereport,
    pytest_runtest_setup,
    smtp_server,
)
