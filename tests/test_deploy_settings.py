"""Production settings: secure defaults, `check --deploy` clean, refusal without a secret."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    environment.update(env)
    return subprocess.run(  # noqa: S603  fixed arguments, our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        QAMQOR_PRODUCTION="1",
        QAMQOR_SECRET_KEY=secrets.token_urlsafe(64),
        QAMQOR_ALLOWED_HOSTS="qamqor.example.kz",
        QAMQOR_DATA_KEYS=Fernet.generate_key().decode(),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_without_data_keys() -> None:
    """Production encrypts fields and backups with real keys (qamqor.ops.fields)."""
    result = run_manage(
        "check",
        "--deploy",
        QAMQOR_PRODUCTION="1",
        QAMQOR_SECRET_KEY=secrets.token_urlsafe(64),
        QAMQOR_ALLOWED_HOSTS="qamqor.example.kz",
        QAMQOR_DATA_KEYS="",
    )
    assert result.returncode != 0
    assert "ops.E001" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = run_manage("check", QAMQOR_PRODUCTION="1", QAMQOR_ALLOWED_HOSTS="x.kz")
    assert result.returncode != 0
    assert "QAMQOR_SECRET_KEY" in result.stderr
