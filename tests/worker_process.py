"""A real ``qamqor worker`` in a child process, and the throwaway PostgreSQL under it.

Fault tests (tests/test_worker.py, tests/notify/test_delivery_faults.py) run the worker
as production does: its own process, its own connections to the test database, SMTP over
the network. ``scripts/pg-throwaway`` exports where its cluster lives, so a test can stop
and start the server under the running worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

from tests.support import missing_prerequisite

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The URL of the test database this process uses (PostgreSQL)."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def child_environment(**environment: str) -> dict[str, str]:
    """The environment of a product process on the test database: this one's, less its
    QAMQOR_ settings (the process gets the product's defaults), plus ``environment``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    env.update(DJANGO_SETTINGS_MODULE="qamqor.settings", DATABASE_URL=database_url())
    env.update(environment)
    return env


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")


class WorkerProcess:
    """``qamqor worker`` with the test's database and SMTP peer; its log in a file."""

    def __init__(self, log: Path, **environment: str) -> None:
        self.log_path = log
        defaults = {
            "QAMQOR_SWEEP_INTERVAL_SECONDS": "1",
            "QAMQOR_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        env = child_environment(**{**defaults, **environment})
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from qamqor.cli import main; sys.exit(main())",
                "worker",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, as a supervisor stops it; returns the exit status."""
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        finally:
            self.kill()

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
            self.process.wait()
        self._log_file.close()


class ThrowawayCluster:
    """The PostgreSQL server scripts/pg-throwaway started, to stop and start under load."""

    def __init__(self) -> None:
        names = ("QAMQOR_TEST_PGDATA", "QAMQOR_TEST_PG_BINDIR", "QAMQOR_TEST_PG_OPTIONS")
        if not all(os.environ.get(name) for name in names):
            missing_prerequisite(
                "needs the cluster of scripts/pg-throwaway (QAMQOR_TEST_PGDATA and friends)"
            )
        self.data = os.environ["QAMQOR_TEST_PGDATA"]
        self.pg_ctl = str(Path(os.environ["QAMQOR_TEST_PG_BINDIR"]) / "pg_ctl")
        self.options = os.environ["QAMQOR_TEST_PG_OPTIONS"]
        self.log = os.environ.get("QAMQOR_TEST_PG_LOG", os.devnull)

    def _pg_ctl(self, *arguments: str) -> None:
        # PostgreSQL refuses to run as root; pg-throwaway runs it as `postgres` then.
        prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        subprocess.run(  # noqa: S603  fixed arguments
            [*prefix, self.pg_ctl, "-D", self.data, *arguments],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")
        connection.close()  # this process's connection died with the server

    def start(self) -> None:
        self._pg_ctl("-l", self.log, "-w", "-t", "60", "start", "-o", self.options)

    def restart(self) -> None:
        self._pg_ctl("-l", self.log, "-m", "fast", "-w", "-t", "60", "restart")
        connection.close()
