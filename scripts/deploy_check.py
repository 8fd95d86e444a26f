"""Deploy as docs/deploy.md says, then fetch every public page, the login and a staff page.

Usage (``make test-deploy``): ``bash scripts/pg-throwaway .venv/bin/python scripts/deploy_check.py``

The commands are not repeated here: they are read from the fenced blocks of
docs/deploy.md that follow a ``<!-- deploy-check: NAME -->`` marker, and run as written
(``qamqor`` is the console script next to this Python), so the page and the check cannot
drift apart. Only the port of ``--bind`` is replaced by a free one. The environment is
the production one of the page's "Configure" table: ``QAMQOR_PRODUCTION=1``, a random
secret key, a data key from ``qamqor keys generate``, the allowed host, ``DATABASE_URL``
(the throwaway PostgreSQL), a temporary static root and a local SMTP sink for the worker.

Pages are requested the way the TLS proxy forwards them (``X-Forwarded-Proto: https``),
the probes over plain HTTP as a load balancer sends them. Every page must answer 200,
every static file a page links must be served, and the server log must show no 5xx and
no traceback. Exits non-zero with the reason on the first failure.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "deploy.md"
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DOCUMENTED_BIND = "127.0.0.1:8000"
START_TIMEOUT_SECONDS = 60
LONG_RUNNING = ("qamqor serve", "qamqor worker")


class CheckFailed(Exception):
    """The deployment does not work as documented."""


def doc_block(name: str) -> list[str]:
    """The lines of the fenced block after ``<!-- deploy-check: name -->`` in deploy.md."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(
        rf"<!-- deploy-check: {re.escape(name)} -->\s*```[a-z]*\n(.*?)\n```", text, re.S
    )
    if match is None:
        raise CheckFailed(f"docs/deploy.md has no block marked deploy-check: {name}")
    return [line for line in match.group(1).splitlines() if line.strip()]


def command_of(line: str) -> str:
    """A documented command without its trailing comment."""
    return re.sub(r"\s+#.*$", "", line).strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Page:
    scheme: str
    path: str
    login: str = ""

    @classmethod
    def parse(cls, line: str) -> Page:
        """``https /path [as <login>]   description`` from the pages block."""
        words = line.split()
        page = cls(scheme=words[0], path=words[1])
        if len(words) > 3 and words[2] == "as":
            page.login = words[3]
        if page.scheme not in ("http", "https") or not page.path.startswith("/"):
            raise CheckFailed(f"cannot read the page line {line!r} in docs/deploy.md")
        return page


@dataclass
class Browser:
    """A tiny HTTP client: cookies by hand (the secure cookies travel over the proxied
    plain connection, as they do behind nginx), no redirects followed."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, *, scheme: str = "https", body: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"Host": f"{HOST}:{self.port}", "Accept-Language": "ru"}
        if scheme == "https":
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            origin = f"https://{HOST}:{self.port}"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = origin
            headers["Referer"] = origin + path
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    cookie_name, _, rest = value.partition("=")
                    self.cookies[cookie_name.strip()] = rest.split(";", 1)[0]
            return response.status, {k.lower(): v for k, v in response.getheaders()}, content
        finally:
            connection.close()

    def get(self, path: str, *, scheme: str = "https") -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path, scheme=scheme)

    def log_in(self, username: str, password: str) -> None:
        status, _, content = self.get("/login/")
        if status != 200:
            raise CheckFailed(f"GET /login/ answered {status}")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        if token is None:
            raise CheckFailed("the login page has no CSRF token")
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": username,
                "password": password,
            }
        )
        status, headers, content = self.request("POST", "/login/", body=body)
        if status != 302 or "sessionid" not in self.cookies:
            raise CheckFailed(
                f"signing in as {username} answered {status} "
                f"(location {headers.get('location')!r}): {content[:300]!r}"
            )


def static_links(content: bytes) -> set[str]:
    return {m.decode() for m in re.findall(rb'(?:href|src)="(/static/[^"]+)"', content)}


def wait_until_ready(browser: Browser, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CheckFailed(f"the server exited with {server.returncode}")
        try:
            status, _, _ = browser.get("/readyz", scheme="http")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise CheckFailed(f"/readyz did not answer 200 within {START_TIMEOUT_SECONDS} s")


class Sink:
    """The SMTP relay's stand-in: counts what the worker delivers."""

    received = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        Sink.received += 1
        return "250 OK"


def start_smtp_sink(port: int) -> object:
    """A local SMTP peer for the worker (the relay of the Configure table)."""
    from aiosmtpd.controller import Controller

    controller = Controller(Sink(), hostname=HOST, port=port)
    controller.start()
    return controller


def wait_for_mail(smtp: object) -> int:
    """The life-safety alert's emails: the worker must hand them to the relay."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if Sink.received:
            return Sink.received
        time.sleep(0.5)
    raise CheckFailed(f"the worker delivered no email within {START_TIMEOUT_SECONDS} s")


def main() -> int:
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgres"):
        print("deploy check: DATABASE_URL must name a PostgreSQL database", file=sys.stderr)
        return 2
    port = free_port()
    smtp_port = free_port()
    work = Path(tempfile.mkdtemp(prefix="qamqor-deploy-"))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    environment.update(
        PATH=f"{BIN}{os.pathsep}{environment.get('PATH', '')}",
        DATABASE_URL=database,
        QAMQOR_PRODUCTION="1",
        QAMQOR_SECRET_KEY=secrets.token_urlsafe(64),
        QAMQOR_ALLOWED_HOSTS=HOST,
        QAMQOR_CSRF_TRUSTED_ORIGINS=f"https://{HOST}:{port}",
        QAMQOR_SITE_URL=f"https://{HOST}:{port}",
        QAMQOR_STATIC_ROOT=str(work / "static"),
        QAMQOR_VAR_DIR=str(work / "var"),
        QAMQOR_EMAIL_HOST=HOST,
        QAMQOR_EMAIL_PORT=str(smtp_port),
        QAMQOR_SWEEP_INTERVAL_SECONDS="5",
    )
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    smtp = start_smtp_sink(smtp_port)
    background: dict[str, subprocess.Popen[bytes]] = {}
    logs: dict[str, Path] = {}
    started = time.monotonic()
    try:
        environment["QAMQOR_DATA_KEYS"] = data_key(environment, work)
        for line in doc_block("start") + doc_block("smoke"):
            command = command_of(line).replace(DOCUMENTED_BIND, f"{HOST}:{port}")
            print(f"$ {command}", flush=True)
            arguments = shlex.split(command)
            if command.startswith(LONG_RUNNING):
                name = arguments[1]
                logs[name] = work / f"{name}.log"
                background[name] = subprocess.Popen(  # noqa: S603  the documented command
                    arguments,
                    cwd=work,
                    env=environment,
                    stdout=logs[name].open("wb"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                continue
            began = time.monotonic()
            result = subprocess.run(  # noqa: S603  the documented command
                arguments, cwd=work, env=environment, capture_output=True, text=True, check=False
            )
            print(f"  ({time.monotonic() - began:.1f} s)", flush=True)
            if result.returncode != 0:
                raise CheckFailed(
                    f"{command} exited with {result.returncode}:\n{result.stdout}{result.stderr}"
                )
        if "serve" not in background:
            raise CheckFailed("the documented start has no `qamqor serve`")
        browser = Browser(port)
        wait_until_ready(browser, background["serve"])
        pages = [Page.parse(line) for line in doc_block("pages")]
        checked = check_pages(browser, pages)
        send_report_in_danger(browser, pages)
        delivered = wait_for_mail(smtp)
        for name, process in background.items():
            if process.poll() is not None:
                raise CheckFailed(f"qamqor {name} exited with {process.returncode}")
        problems = server_errors(logs["serve"])
        if problems:
            raise CheckFailed("the server log shows errors:\n" + "\n".join(problems[:20]))
        print(
            f"deploy check passed: {checked} pages and files answered 200, the worker "
            f"delivered {delivered} emails, in {time.monotonic() - started:.0f} s; "
            "no 5xx, no traceback in the server log"
        )
        return 0
    except CheckFailed as failure:
        print(f"deploy check FAILED: {failure}", file=sys.stderr)
        for name, log in logs.items():
            print(f"--- last lines of qamqor {name} ---", file=sys.stderr)
            print("\n".join(log.read_text(errors="replace").splitlines()[-40:]), file=sys.stderr)
        return 1
    finally:
        for process in background.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in background.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        smtp.stop()  # type: ignore[attr-defined]
        subprocess.run(["rm", "-rf", str(work)], check=False)  # noqa: S603, S607


def data_key(environment: dict[str, str], work: Path) -> str:
    """A new data key, made as docs/deploy.md says: ``qamqor keys generate``."""
    result = subprocess.run(  # noqa: S603  our own console script
        [str(BIN / "qamqor"), "keys", "generate"],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise CheckFailed(f"qamqor keys generate failed:\n{result.stdout}{result.stderr}")
    return lines[-1].strip()


def check_pages(browser: Browser, pages: list[Page]) -> int:
    """Fetch each documented page and every static file it links; returns how many."""
    checked = 0
    statics: set[str] = set()
    for page in pages:
        if page.login:
            browser.log_in(page.login, demo_password())
        status, headers, content = browser.get(page.path, scheme=page.scheme)
        print(f"  {status} {page.scheme} {page.path}" + (f" as {page.login}" if page.login else ""))
        if status != 200:
            raise CheckFailed(
                f"{page.scheme} {page.path} answered {status} "
                f"(location {headers.get('location')!r}): {content[:500]!r}"
            )
        checked += 1
        statics |= static_links(content)
    if not statics:
        raise CheckFailed("no page links a static file: the manifest was not used")
    for path in sorted(statics):
        status, _, _ = browser.get(path)
        if status != 200:
            raise CheckFailed(f"static file {path} answered {status}")
        checked += 1
    return checked


def send_report_in_danger(browser: Browser, pages: list[Page]) -> None:
    """A report through the first documented report form, marked "in danger right now".

    The form's own CSRF token and cookies, posted as the proxy forwards it: the write a
    child makes must work in production, and the life-safety alert it raises at once is
    the email the worker must deliver (the synthetic data itself queues none)."""
    form = next((page for page in pages if page.path.startswith("/report/")), None)
    if form is None:
        raise CheckFailed("docs/deploy.md lists no report form (/report/<school>/)")
    browser.cookies.clear()  # as a child: no staff session
    status, _, content = browser.get(form.path)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
    if status != 200 or token is None:
        raise CheckFailed(f"the report form {form.path} answered {status} without a CSRF token")
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "narrative": "Deploy check: a synthetic report, not about a real child.",
            "setting": "school",
            "in_danger_now": "on",
            "reporter_role": "child",
            "anonymous": "on",
            "website": "",
        }
    )
    status, headers, content = browser.request("POST", form.path, body=body)
    location = headers.get("location", "")
    if status != 302 or "/thanks" not in location:
        raise CheckFailed(
            f"sending the report form answered {status} (location {location!r}): {content[:500]!r}"
        )
    status, _, _ = browser.get(urllib.parse.urlsplit(location).path)
    print(f"  {status} https {form.path} sent, in danger; thank-you page answered")
    if status != 200:
        raise CheckFailed(f"the thank-you page {location} answered {status}")


def demo_password() -> str:
    """The published password of the synthetic demo logins (qamqor.demo.DEMO_PASSWORD)."""
    source = (ROOT / "qamqor" / "demo" / "people.py").read_text(encoding="utf-8")
    match = re.search(r'^DEMO_PASSWORD = "([^"]+)"', source, re.M)
    if match is None:
        raise CheckFailed("qamqor/demo/people.py has no DEMO_PASSWORD")
    return match.group(1)


def server_errors(log: Path) -> list[str]:
    """Access-log lines with a 5xx status, and any traceback or logged server error."""
    problems = []
    for line in log.read_text(errors="replace").splitlines():
        if re.search(r'" 5\d\d ', line) or "Traceback" in line or "Internal Server Error" in line:
            problems.append(line)
    return problems


if __name__ == "__main__":
    sys.exit(main())
