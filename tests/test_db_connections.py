"""Web processes keep their database connection between requests, and a database restart
under them costs a reconnect, not an error page (settings.DB_CONN_MAX_AGE, docs/deploy.md).

The server runs as production runs it: gunicorn in its own process (one sync worker, so
every request reuses the same connection), DEBUG off, on the test's PostgreSQL database.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import free_port
from tests.worker_process import ROOT, ThrowawayCluster, child_environment, wait_for


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _answers(port: int) -> bool:
    try:
        return _get(port, "/healthz") == 200
    except OSError:
        return False


def _backends() -> int:
    """How many connections the server holds to the test database, seen from the server."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        (count,) = cursor.fetchone()
    return int(count)


@pytest.mark.postgres
@pytest.mark.usefixtures("transactional_db")
def test_a_web_process_reuses_its_connection_and_survives_a_restart(tmp_path: Path) -> None:
    cluster = ThrowawayCluster()
    port = free_port()
    environment = child_environment(QAMQOR_DEBUG="0", QAMQOR_ALLOWED_HOSTS="127.0.0.1")
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(  # noqa: S603  fixed arguments
        [sys.executable, "-m", "gunicorn", "qamqor.wsgi:application", "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "--no-control-socket"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for(lambda: _answers(port), timeout=60, what="gunicorn")
        for _ in range(5):  # /readyz reads the database on every request
            assert _get(port, "/readyz") == 200
        assert _backends() == 1  # one connection for the five requests, kept open

        cluster.restart()  # the server's connection is cut under it
        # The first request after the restart finds its connection broken before using
        # it and opens another: a 200, where a stale connection would answer 503.
        assert _get(port, "/readyz") == 200
        assert _get(port, "/readyz") == 200
        assert _backends() == 1
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert "Traceback" not in (tmp_path / "gunicorn.log").read_text(errors="replace")
