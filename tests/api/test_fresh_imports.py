"""Every entry point of every app imports on its own in a fresh process: no hidden import
order (docs/decisions/0012-layers.md).

``qamqor.api`` assembles the routers and imports every app's ``api``; ``qamqor.urls``
includes every app's ``urls``, which import its views; the worker imports the ``tasks``
modules and ``manage.py`` the commands. Were a module to work only because another was
imported first (the circular import ``qamqor.care.api`` once had with ``qamqor.api``), it
shows here.

One interpreter runs ``django.setup()`` once, then imports each module in a child forked
from it, so each import starts from the state ``python -c "import django; django.setup();
import qamqor.<app>.api"`` starts from, at a fraction of the cost of one process per module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINT_PATTERNS = (
    "*/api.py",
    "*/views.py",
    "*/views/*.py",
    "*/urls.py",
    "*/admin.py",
    "*/tasks.py",
    "*/management/commands/*.py",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


ENTRY_POINTS = sorted(
    {
        _module_name(path)
        for pattern in ENTRY_POINT_PATTERNS
        for path in (ROOT / "qamqor").glob(pattern)
        if not (path.name == "__init__.py" and "commands" in path.parts)
    }
)

# Imports each module named on stdin in a child forked after django.setup(); prints
# {module: error or ""} as JSON.
_PROBE = """
import json, os, sys, traceback
import django
django.setup()
results = {}
for module in sys.stdin.read().split():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            __import__(module)
            message = b""
        except BaseException:
            message = traceback.format_exc()[-2000:].encode()
        os.write(write, message)
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    error = b"".join(chunks).decode()
    if not error and status != 0:
        error = f"child exited with status {status}"
    results[module] = error
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def import_errors() -> dict[str, str]:
    env = dict(
        os.environ, DJANGO_SETTINGS_MODULE="qamqor.settings", DATABASE_URL="sqlite://:memory:"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and module names
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        env=env,
        input="\n".join(ENTRY_POINTS),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    errors: dict[str, str] = json.loads(result.stdout.strip().splitlines()[-1])
    return errors


def test_the_entry_points_of_every_app_are_listed() -> None:
    for module in (
        "qamqor.cases.api",
        "qamqor.care.api",
        "qamqor.cases.views",
        "qamqor.intake.views.triage",
        "qamqor.referrals.urls",
        "qamqor.notify.tasks",
        "qamqor.audit.management.commands.verify_audit",
    ):
        assert module in ENTRY_POINTS
    assert sum(module.endswith(".api") for module in ENTRY_POINTS) >= 8


def test_the_probe_reports_a_module_that_fails_to_import() -> None:
    """The fork-per-module probe itself: a broken import is reported, not swallowed."""
    env = dict(
        os.environ, DJANGO_SETTINGS_MODULE="qamqor.settings", DATABASE_URL="sqlite://:memory:"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        env=env,
        input="qamqor.cases.api qamqor.no_such_module",
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = json.loads(result.stdout.strip().splitlines()[-1])
    assert errors["qamqor.cases.api"] == ""
    assert "ModuleNotFoundError" in errors["qamqor.no_such_module"]


@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_an_entry_point_imports_in_a_fresh_process(
    module: str, import_errors: dict[str, str]
) -> None:
    assert import_errors[module] == "", import_errors[module]
