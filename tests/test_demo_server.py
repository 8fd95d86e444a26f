"""`qamqor demo` as a newcomer meets it: DEBUG off, WhiteNoise, links on the chosen port.

The demo runs for real, in a child process on a free port, with its own SQLite file: a
copy of this test's (migrated) database holding one user, so the demo skips the seeding
(tested in tests/test_seed.py) and starts in seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from qamqor import cli
from qamqor.accounts.models import User
from qamqor.demo import DEMO_LOGINS
from tests.worker_process import wait_for

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 90  # a loaded two-core machine; about 5 s when idle


def _broken_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


# This module is the URLconf of the 500 page's test: one broken view, the project's handler.
urlpatterns = [path("broken/", _broken_view)]
handler500 = "qamqor.request_limits.server_error"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Demo:
    port: int
    log: Path

    def get(self, path: str, language: str = "ru") -> Answer:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers={"Accept-Language": language}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _answers(demo: Demo) -> bool:
    try:
        return demo.get("/healthz").status == 200
    except OSError:
        return False


@pytest.fixture
def demo(transactional_db: None, tmp_path: Path) -> Iterator[Demo]:
    if connection.vendor != "sqlite":
        pytest.skip("the demo's database is SQLite; the SQLite run starts it")
    User.objects.create_user(username="someone", password="not-the-demo-password")
    connection.ensure_connection()
    target = sqlite3.connect(tmp_path / "qamqor.sqlite3")
    # Committed (transactional_db): an open transaction would hold the backup off.
    connection.connection.backup(target)  # migrated, and not empty: no seeding
    target.close()
    port = _free_port()
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_") and k != "DATABASE_URL"
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="qamqor.settings",
        QAMQOR_VAR_DIR=str(tmp_path),
        QAMQOR_EMAIL_PORT="9",  # nothing is sent; never a developer's local SMTP catcher
        PYTHONUNBUFFERED="1",
        PYTHONFAULTHANDLER="1",  # SIGABRT prints every thread's stack into the log
    )
    log = tmp_path / "demo.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603  fixed arguments, our own command
            [sys.executable, "-m", "qamqor.cli", "demo", "--port", str(port)],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's job is
            # As a script's background job starts it (bash without job control): with
            # SIGINT ignored, which Python keeps, so Ctrl-C must be taken back by the demo.
            preexec_fn=_ignore_interrupts,
        )
    running = Demo(port, log)
    try:
        wait_for(
            lambda: process.poll() is not None or _answers(running),
            timeout=START_SECONDS,
            what="the demo to answer",
        )
        assert process.poll() is None, running.output()
        yield running
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as the banner says: to the job
        try:
            code = process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)  # where it hangs, into the log
            process.wait(timeout=30)
            pytest.fail(f"the demo did not stop on Ctrl-C:\n{running.output()}")
        assert code == 0, running.output()
    finally:
        with contextlib.suppress(ProcessLookupError):  # the worker too, if it outlived it
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_the_demo_serves_the_product_with_debug_off_on_the_chosen_port(demo: Demo) -> None:
    # The project's own 404 page, in the reader's language; not Django's URL list.
    for language, title in (("kk", "Бет табылмады"), ("ru", "Страница не найдена")):
        missing = demo.get("/no-such-page/", language)
        assert missing.status == 404
        page = missing.body.decode()
        assert title in page
        assert "URLconf" not in page
        assert "DEBUG = True" not in page
    # Static files through WhiteNoise (runserver serves none with DEBUG off), uncollected.
    stylesheet = demo.get("/static/css/qamqor.css")
    assert stylesheet.status == 200
    assert stylesheet.body == (ROOT / "qamqor/static/css/qamqor.css").read_bytes()
    assert stylesheet.headers["Access-Control-Allow-Origin"] == "*"  # WhiteNoise's mark
    assert demo.get("/static/css/no-such-file.css").status == 404
    # Absolute links carry the port the demo was started on.
    questionnaire = json.loads(demo.get("/screenings/instruments/gad7/fhir/").body)
    assert questionnaire["url"].startswith(f"http://127.0.0.1:{demo.port}/fhir/Questionnaire")
    # The banner: the address and every demo login; the worker runs beside the server.
    banner = demo.output()
    assert f"Qamqor demo: http://127.0.0.1:{demo.port}/" in banner
    assert all(username in banner for username, _role in DEMO_LOGINS)
    assert "QAMQOR_SITE_URL" not in banner  # links follow the port: nothing to point out
    wait_for(
        lambda: re.search(r"worker \S+ started", demo.output()),
        timeout=60,
        what="the demo's worker",
    )


def test_the_demo_settings_follow_the_port_unless_the_operator_set_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "environ", os.environ.copy())
    monkeypatch.setattr(cli, "_setup_django", lambda: None)
    monkeypatch.setattr(cli, "_demo", lambda port: 0)
    for name in ("QAMQOR_DEBUG", "QAMQOR_SITE_URL", "QAMQOR_SITE_URL_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["demo", "--port", "8123"]) == 0
    assert os.environ["QAMQOR_SITE_URL"] == "http://127.0.0.1:8123"
    assert os.environ["QAMQOR_DEBUG"] == "0"
    monkeypatch.setenv("QAMQOR_SITE_URL", "https://demo.example.kz")
    monkeypatch.setenv("QAMQOR_DEBUG", "1")
    cli.main(["demo", "--port", "8124"])
    assert os.environ["QAMQOR_SITE_URL"] == "https://demo.example.kz"
    assert os.environ["QAMQOR_DEBUG"] == "1"


@pytest.mark.urls(__name__)
def test_an_error_shows_the_projects_500_page_in_the_readers_language(db: None) -> None:
    client = Client(raise_request_exception=False)  # DEBUG is off, as in the demo
    for language, title in (
        ("kk", "Бірдеңе дұрыс болмады"),
        ("ru", "Что-то пошло не так"),
        ("en", "Something went wrong"),
    ):
        answer = client.get("/broken/", headers={"accept-language": language})
        assert answer.status_code == 500
        page = answer.content.decode()
        assert title in page
        assert "112" in page  # where a child in danger gets help even now
        assert "Traceback" not in page
