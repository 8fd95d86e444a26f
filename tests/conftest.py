"""Shared fixtures. The database is SQLite unless the run targets PostgreSQL (see Makefile)."""

from __future__ import annotations

import pytest

from tests.factories import World, build_world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: None) -> World:
    return build_world()


# Test infrastructure (SMTP peer, browser, database passes): see tests/support.py.
from tests.support import (  # noqa: E402, F401
    _sqlite_flush_passes_the_audit_trigger,
    browser_page,
    chromium,
    pytest_runtest_makereport,
    pytest_runtest_setup,
    smtp_server,
)
