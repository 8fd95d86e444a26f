"""scripts/audit_deps.py tells "clean" from "could not look" (docs/security.md).

pip-audit runs for real against a local stand-in for the OSV advisory API, so the test
needs no network: one answer per query, a vulnerability for one pin, an error page, and a
closed port for an unreachable source.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "audit_deps.py"

ADVISORY = {
    "id": "GHSA-test-0001",
    "summary": "a made-up advisory for the test",
    "affected": [
        {
            "package": {"name": "pypdf", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99.0"}]}],
        }
    ],
}


class FakeOsv:
    def __init__(self) -> None:
        self.vulnerable: set[str] = set()
        self.fail = False
        self.queries: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                name = body["package"]["name"]
                owner.queries.append(name)
                if owner.fail:
                    self.send_response(503)
                    self.end_headers()
                    return
                answer: dict[str, Any] = {"vulns": [ADVISORY]} if name in owner.vulnerable else {}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/query"


@pytest.fixture
def osv() -> Iterator[FakeOsv]:
    fake = FakeOsv()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


@pytest.fixture
def pins(tmp_path: Path) -> Path:
    path = tmp_path / "constraints.txt"
    path.write_text("# pins\ndjango-csp==4.0\npypdf==7.1.1\n")
    return path


def audit(pins: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            str(SCRIPT),
            "--requirements",
            str(pins),
            "--osv-url",
            url,
            "--timeout",
            "5",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_clean_when_the_source_answers_for_every_pin(osv: FakeOsv, pins: Path) -> None:
    result = audit(pins, osv.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("CLEAN: no known vulnerabilities in 2 pins")
    assert sorted(osv.queries) == ["django-csp", "pypdf"]


def test_vulnerable_pins_are_named_with_their_fix(osv: FakeOsv, pins: Path) -> None:
    osv.vulnerable = {"pypdf"}
    result = audit(pins, osv.url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "VULNERABLE: 1 known vulnerabilities" in result.stdout
    assert "pypdf==7.1.1: GHSA-test-0001 (fixed in: 99.0)" in result.stdout


def test_an_unreachable_source_is_skipped_never_clean(pins: Path) -> None:
    closed = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = closed.server_port
    closed.server_close()  # nothing listens there now
    result = audit(pins, f"http://127.0.0.1:{port}/v1/query")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.startswith("SKIPPED: could not check the pins")
    assert "CLEAN" not in result.stdout
    assert "no known vulnerabilities" not in result.stdout


def test_a_failing_source_is_skipped_never_clean(osv: FakeOsv, pins: Path) -> None:
    osv.fail = True
    result = audit(pins, osv.url)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.startswith("SKIPPED")
    assert "no known vulnerabilities" not in result.stdout


def test_a_pin_the_source_could_not_check_makes_it_skipped() -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import audit_deps
    finally:
        sys.path.remove(str(SCRIPT.parent))
    report = json.dumps(
        {
            "dependencies": [
                {"name": "a", "version": "1", "vulns": []},
                {"name": "b", "skip_reason": "could not be audited"},
            ]
        }
    )
    outcome = audit_deps.classify(0, report, "")
    assert outcome.status == audit_deps.SKIPPED
    assert outcome.lines == ["SKIPPED: 1 pins could not be checked", "b: could not be audited"]
    assert (
        audit_deps.classify(1, None, "Traceback…\nrequests.exceptions.ConnectionError: x").status
        == 2
    )
