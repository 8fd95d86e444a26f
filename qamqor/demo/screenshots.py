"""Screenshots of the demo as each role meets it, for docs/screenshots/ and the README's tour.

``qamqor manage screenshots`` runs ``take``: on the demo database (seeded first when it is
empty) it starts ``qamqor demo`` on a free port, then Debian's Chromium, driven by
Playwright (never a downloaded browser), signs in as each demo login and saves the pages of
``ROLE_PAGES`` in Kazakh and Russian, and the public pages of ``PUBLIC_PAGES`` in Kazakh,
Russian and English: the 1280 by 900 window, not the whole page, reduced to 256 colours so
that the set stays small enough to keep in the repository.

The lists name addresses with ``{case}`` (a case in progress the login sees) and
``{school}`` (the demo school's code); tests/test_screenshots.py resolves every one, so a
renamed page fails a test instead of a screenshot.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qamqor.accounts.models import Role, User
from qamqor.browser import CHROMIUM_ARGS
from qamqor.cases.models import Case
from qamqor.demo.people import DEMO_PASSWORD

STAFF_LANGUAGES = ("kk", "ru")
PUBLIC_LANGUAGES = ("kk", "ru", "en")
DEMO_SCHOOL = "demo-school-kz75-001"
CHROMIUM = "/usr/bin/chromium"
START_SECONDS = 180


@dataclass(frozen=True)
class Page:
    """One screenshot: its name in the file name, the address it shows, and for a case
    page the protocol its case runs."""

    name: str
    path: str
    protocol: str = ""


PUBLIC_PAGES: tuple[Page, ...] = (
    Page("landing", "/"),
    Page("report-form", "/report/{school}/"),
    Page("followup", "/followup/"),
    Page("parents", "/parents/"),
    Page("public-report", "/statistics/report/"),
    Page("login", "/login/"),
)

ROLE_PAGES: dict[Role, tuple[Page, ...]] = {
    Role.SCHOOL_COORDINATOR: (
        Page("home", "/"),
        Page("reports", "/reports/"),
        Page("case", "/cases/{case}/", "bullying_outside_family"),
        Page("notifications", "/notifications/"),
    ),
    Role.SCHOOL_PSYCHOLOGIST: (Page("care", "/care/"), Page("screenings", "/screenings/")),
    Role.SCHOOL_HEAD: (Page("home", "/"), Page("library", "/library/")),
    Role.PSC_PSYCHOLOGIST: (
        Page("referrals", "/referrals/"),
        Page("case", "/cases/{case}/", "suicide_risk"),
        Page("care", "/care/"),
        Page("notifications", "/notifications/"),
    ),
    Role.PSC_HEAD: (Page("workload", "/care/workload/"),),
    Role.OPERATOR_111: (Page("helpline", "/helpline/"), Page("reports", "/reports/")),
    Role.POLICE_INSPECTOR: (
        Page("open-steps", "/steps/open/"),
        Page("case", "/cases/{case}/", "domestic_violence"),
    ),
    Role.GUARDIANSHIP_OFFICER: (Page("cases", "/cases/"),),
    Role.HEALTH_WORKER: (Page("cases", "/cases/"),),
    Role.REGIONAL_COORDINATOR: (
        Page("dashboard", "/dashboard/"),
        Page("open-steps", "/steps/open/"),
    ),
    Role.NATIONAL_COORDINATOR: (
        Page("dashboard", "/dashboard/"),
        Page("recommendations", "/oversight/recommendations/"),
    ),
    Role.MONITOR: (Page("dashboard", "/dashboard/"), Page("statistics", "/statistics/")),
}


def case_for(user: User, protocol: str) -> str:
    """The number of the newest case in progress that ``user`` sees and that runs
    ``protocol`` ("" if none)."""
    case = (
        Case.objects.restrict(user, "view")
        .filter(
            status=Case.Status.IN_PROGRESS,
            protocol_runs__ended_at__isnull=True,
            protocol_runs__protocol__code=protocol,
        )
        .order_by("-registered_at")
        .first()
    )
    return case.number if case else ""


def _address(page: Page, values: dict[str, str]) -> str:
    return page.path.format(**values)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def demo_server(port: int) -> Iterator[str]:
    """``qamqor demo`` in a child process on ``port`` (DEBUG off, as a newcomer meets it);
    its base URL while it runs. The database is the one this process uses."""
    log = tempfile.TemporaryFile()  # noqa: SIM115  kept open while the demo runs
    process = subprocess.Popen(  # noqa: S603  fixed arguments, no shell
        [sys.executable, "-m", "qamqor.cli", "demo", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                probe = f"{base}/healthz"  # our own demo, over http on 127.0.0.1
                with urllib.request.urlopen(probe, timeout=5):  # noqa: S310  # nosec B310
                    break
            except (urllib.error.URLError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(
                        "qamqor demo did not start:\n" + log.read().decode(errors="replace")
                    ) from None
                time.sleep(0.5)
        yield base
    finally:
        process.send_signal(signal.SIGINT)  # the demo stops its worker on Ctrl-C
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _save(page: Any, path: Path) -> None:
    """The window as a PNG of 256 colours (a third of the size; text stays sharp)."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=False)
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256)
    small.save(path, optimize=True)


def take(
    out: Path,
    *,
    port: int | None = None,
    chromium: str = CHROMIUM,
    say: Callable[[str], None] = print,
) -> list[Path]:
    """Every screenshot of ``ROLE_PAGES`` and ``PUBLIC_PAGES`` into ``out/<language>/``;
    the demo logins and a case for each are read from this process's database."""
    from playwright.sync_api import sync_playwright

    users = User.objects.in_bulk([role.value for role in ROLE_PAGES], field_name="username")
    missing = sorted(role.value for role in ROLE_PAGES if role.value not in users)
    if missing:
        raise RuntimeError(f"No demo login {', '.join(missing)}: load the demo data first.")
    cases = {
        (role, item.name): case_for(users[role.value], item.protocol)
        for role, pages in ROLE_PAGES.items()
        for item in pages
        if "{case}" in item.path
    }
    for language in PUBLIC_LANGUAGES:
        for old in (out / language).glob("*.png"):
            old.unlink()
    saved: list[Path] = []
    from django.conf import settings

    with demo_server(port or _free_port()) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, headless=True
        )
        try:

            def context(language: str) -> Any:
                opened = browser.new_context(
                    base_url=base,
                    viewport={"width": 1280, "height": 900},
                    device_scale_factor=1,
                    locale=language,
                )
                opened.set_default_timeout(60_000)
                opened.add_cookies(
                    [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
                )
                return opened

            for language in PUBLIC_LANGUAGES:
                opened = context(language)
                page = opened.new_page()
                for item in PUBLIC_PAGES:
                    page.goto(_address(item, {"school": DEMO_SCHOOL}), wait_until="networkidle")
                    saved.append(out / language / f"public-{item.name}.png")
                    _save(page, saved[-1])
                    say(str(saved[-1]))
                opened.close()
            for language in STAFF_LANGUAGES:
                for role, pages in ROLE_PAGES.items():
                    opened = context(language)
                    page = opened.new_page()
                    _sign_in(page, role.value)
                    for item in pages:
                        case = cases.get((role, item.name), "")
                        if "{case}" in item.path and not case:
                            continue
                        address = _address(item, {"school": DEMO_SCHOOL, "case": case})
                        page.goto(address, wait_until="networkidle")
                        saved.append(out / language / f"{role.value}-{item.name}.png")
                        _save(page, saved[-1])
                        say(str(saved[-1]))
                    opened.close()
        finally:
            browser.close()
    return saved


def _sign_in(page: Any, username: str) -> None:
    """The demo's sign-in: the password alone (the demo turns the second step off)."""
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
