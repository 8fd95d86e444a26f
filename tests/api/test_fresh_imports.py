"""Every app's API module imports on its own in a fresh process: no hidden import order.

``qamqor.api`` assembles the routers and imports every app's ``api``; the apps import only
``qamqor.apikit``. Were an app to import the assembly again, the cycle would show here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
API_MODULES = sorted(
    ".".join(path.relative_to(ROOT).with_suffix("").parts)
    for path in (ROOT / "qamqor").glob("*/api.py")
)


def test_the_apps_have_api_modules() -> None:
    assert "qamqor.cases.api" in API_MODULES
    assert len(API_MODULES) >= 8


@pytest.mark.parametrize("module", API_MODULES)
def test_an_app_api_module_imports_in_a_fresh_process(module: str) -> None:
    env = dict(
        os.environ, DJANGO_SETTINGS_MODULE="qamqor.settings", DATABASE_URL="sqlite://:memory:"
    )
    code = f"import django; django.setup(); import {module}"
    result = subprocess.run(  # noqa: S603 - our own interpreter and module name
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
