"""Test infrastructure: database passes, a real SMTP peer, a real browser.

The fixtures and hooks are imported into tests/conftest.py. The Makefile runs the suite
three times: on SQLite, on a throwaway PostgreSQL (the tests that use a database, and
``@pytest.mark.postgres`` tests only there) and in Chromium (``@pytest.mark.browser``
tests only there).
"""

from __future__ import annotations

import email
import email.policy
import importlib
import logging
import os
import shutil
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from qamqor.browser import CHROMIUM_ARGS

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("QAMQOR_CHROMIUM", "/usr/bin/chromium")
RESULTS_DIR = Path(__file__).resolve().parent.parent / "test-results"


def missing_prerequisite(message: str) -> None:
    """Skip locally with a clear message; fail under CI, where a skip would hide a gap."""
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing prerequisite fails the run)", pytrace=False)
    pytest.skip(message)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.postgres`` tests run only when the database is PostgreSQL."""
    if item.get_closest_marker("postgres") is None:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run `make test-postgres` (DATABASE_URL=postgres://…)")


#: The fixtures through which a test reaches the database (pytest-django blocks it
#: otherwise); ``item.fixturenames`` holds every fixture a test uses, directly or not.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


def uses_the_database(item: pytest.Item) -> bool:
    return (
        item.get_closest_marker("django_db") is not None
        or item.get_closest_marker("postgres") is not None
        or not DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the PostgreSQL pass, only the tests that use a database: the others (imports in
    a fresh process, settings, templates, pure functions) cannot see which database runs
    and have passed in the SQLite pass; running them again is minutes of CI for nothing.
    A test that reaches PostgreSQL another way (a child process given DATABASE_URL) is
    marked ``postgres``."""
    from django.conf import settings

    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return
    deselected = [item for item in items if not uses_the_database(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if uses_the_database(item)]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so a fixture can tell that its test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session", autouse=True)
def _sqlite_flush_passes_the_audit_trigger() -> Iterator[None]:
    """Let the flush after a transactional test empty the audit log on SQLite too.

    The append-only trigger (audit migration 0002) rejects DELETE. On PostgreSQL the
    flush is a TRUNCATE, which the trigger does not cover; on SQLite it is a DELETE, so
    the flush drops the triggers, empties the tables and creates the triggers again.
    """
    # The backend module first: importing its operations module on its own is circular.
    import django.db.backends.sqlite3.base  # noqa: F401
    from django.db.backends.sqlite3.operations import DatabaseOperations

    triggers = [
        importlib.import_module(f"qamqor.audit.migrations.{name}")
        for name in ("0002_append_only_trigger", "0004_anchor_append_only_trigger")
    ]
    original = DatabaseOperations.sql_flush

    def sql_flush(self: DatabaseOperations, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        statements = original(self, style, tables, **kwargs)
        if not any("audit_audit" in statement for statement in statements):
            return statements
        drop = [sql for trigger in triggers for sql in trigger.SQLITE_BACKWARD]
        create = [sql for trigger in triggers for sql in trigger.SQLITE_FORWARD]
        return [*drop, *statements, *create]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


# --- SMTP -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage  # parsed with the modern policy, so get_body() is there

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class CollectingHandler:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        self.received.append(
            ReceivedMail(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                # The modern policy decodes headers: message["Subject"] is plain text.
                message=email.message_from_bytes(content, policy=email.policy.default),
            )
        )
        return "250 Message accepted for delivery"


class SmtpPeer:
    """A real SMTP server on 127.0.0.1 that can go down and come back on the same port."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port()
        self.handler = CollectingHandler()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    @property
    def received(self) -> list[ReceivedMail]:
        return list(self.handler.received)

    def start(self) -> None:
        if self._controller is None:
            # A controller closes its event loop when stopped, so each start makes a new one.
            controller = Controller(self.handler, hostname=self.host, port=self.port)
            controller.start()
            self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def deliveries(self) -> Counter[tuple[str, str]]:
        """How many times each (Message-ID, recipient) pair arrived."""
        return Counter(
            (mail.message_id, recipient) for mail in self.received for recipient in mail.rcpt_tos
        )


@pytest.fixture
def smtp_server(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpPeer]:
    """A running SMTP peer, with Django's SMTP backend pointed at it for this test.

    ``smtp_server.stop()`` takes it down (connections are refused), ``start()`` brings it
    back on the same port; ``received`` lists what it accepted.
    """
    from django.core.mail.utils import DNS_NAME

    peer = SmtpPeer()
    # pytest-django switches to the in-memory backend; these tests want real SMTP.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = peer.host
    settings.EMAIL_PORT = peer.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    # The HELO name would otherwise come from a DNS lookup, slow on a machine without DNS.
    monkeypatch.setattr(DNS_NAME, "_fqdn", "qamqor.test", raising=False)
    # aiosmtpd logs every SMTP command at INFO from its own thread; keep warnings only.
    server_log = logging.getLogger("mail.log")
    monkeypatch.setattr(server_log, "level", max(server_log.level, logging.WARNING))
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()


# --- Browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, once per session; never downloads a browser."""
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        missing_prerequisite(
            f"Chromium not found at {CHROMIUM}: install the Debian package 'chromium' "
            "(or set QAMQOR_CHROMIUM)"
        )
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an event loop in the main thread, so Django would
        # refuse the test's own ORM calls; they are still plain synchronous calls.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield browser
            finally:
                browser.close()


@pytest.fixture
def browser_page(chromium: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh browser context whose base URL is the live server's.

    ``browser_page.goto("/healthz")`` opens the live server. When the test fails, a
    screenshot is saved in test-results/.
    """
    context = chromium.new_context(base_url=live_server.url, locale="ru-RU")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            RESULTS_DIR.mkdir(exist_ok=True)
            name = request.node.nodeid.replace("/", "_").replace("::", "__")
            page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
        context.close()


def verify_second_factor(client: Any, user: Any) -> Any:
    """Mark ``client``'s session as having passed the second factor (a TOTP device of the
    user's, created if needed), as if the code had just been entered. Returns the device."""
    import time

    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from qamqor.accounts.second_factor import VERIFIED_AT_SESSION_KEY

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[VERIFIED_AT_SESSION_KEY] = int(time.time())
    session.save()
    return device


def totp_device(user: Any) -> Any:
    """The user's confirmed authenticator (TOTP device), created if needed."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    return device


def totp_code(device: Any) -> str:
    """The code the authenticator app shows: now, or the next time step when this one was
    already used (a code is accepted once; the server allows one step of clock drift)."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    counter = TOTP(device.bin_key, device.step, device.t0, device.digits)
    counter.time = time.time()
    step = max(counter.t(), device.last_t + 1)
    if step > counter.t() + 1:
        time.sleep(device.step)
        return totp_code(device)
    counter.time = device.t0 + step * device.step
    return f"{counter.token():0{device.digits}d}"


def browser_sign_in(page: Any, username: str, password: str) -> None:
    """Sign in through the pages as a person does: password, then the authenticator's code."""
    import re

    from playwright.sync_api import expect

    from qamqor.accounts.models import User

    device = totp_device(User.objects.get(username=username))
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/login/'] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/login/code/"))
    page.fill("#otp-form input[name=code]", totp_code(device))
    page.click("#otp-form button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def audit_locks(events: int = 1) -> int:
    """Queries that ``events`` audit writes add on PostgreSQL (the chain's advisory lock,
    qamqor.audit.services) and not on SQLite, which serialises writers itself."""
    from django.db import connection

    return events if connection.vendor == "postgresql" else 0
