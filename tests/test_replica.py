"""Statistics read from a real PostgreSQL streaming replica (qamqor.replica, brief 3.1.1).

The suite's throwaway PostgreSQL (scripts/pg-throwaway, ``wal_level=replica`` by
default) is the primary: once its test database exists, ``pg_basebackup -R`` copies the
cluster into a standby on another port, started as the ``postgres`` user, and the
``replica`` alias points at it for this module. Data is committed (transactional tests)
and each test waits until the standby has replayed it. The settings' own parsing of
``QAMQOR_REPLICA_DATABASE_URL`` is checked in a child process, on any database.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import psycopg
import pytest
from django.db import connections, transaction
from django.db.models.expressions import RawSQL
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from qamqor import replica
from qamqor.accounts.models import Role, User
from qamqor.directory.models import Region
from tests.place import build_place, member, new_case, signed_in
from tests.support import missing_prerequisite
from tests.worker_process import wait_for

ROOT = Path(__file__).resolve().parent.parent
REPLICATED = pytest.mark.django_db(transaction=True, databases=["default", "replica"])
# The standby must allow at least as much as the primary, or it refuses hot standby.
AT_LEAST_THE_PRIMARYS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; as root (CI) the server runs as `postgres`.
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Standby:
    """A hot standby of the suite's throwaway cluster, made by ``pg_basebackup -R``."""

    bindir: Path
    directory: Path
    options: str
    port: int = 0

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def _pg_ctl(self, *arguments: str) -> None:
        subprocess.run(  # noqa: S603  fixed arguments
            _as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.data), *arguments]),
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} {self.options}"
        log = str(self.directory / "server.log")
        self._pg_ctl("-l", log, "-w", "-t", "60", "start", "-o", options)

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-m", mode, "-w", "stop")

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        """The first column of the first row, on a connection of its own (not the alias)."""
        db = connections["default"].settings_dict
        with psycopg.connect(
            host="127.0.0.1", port=self.port, dbname=db["NAME"], user=db["USER"], autocommit=True
        ) as conn:
            row = conn.execute(query.encode(), params).fetchone()
        return None if row is None else row[0]


def _primary_sql(query: str) -> Any:
    with connections["default"].cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchone()[0]


def replayed(standby: Standby) -> None:
    """Wait until the standby has replayed everything the primary has written so far and
    says it is usable (caught up, its WAL receiver connected again after a restart)."""
    lsn = _primary_sql("SELECT pg_current_wal_insert_lsn()")
    wait_for(
        lambda: standby.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)),
        timeout=20,
        what="the standby to replay the primary's writes",
    )
    usable()


def usable() -> None:
    wait_for(lambda: replica.check()[0], timeout=20, what="the standby to be usable")


def _reading_on() -> str:
    with replica.replica_reads() as alias:
        assert Region.objects.filter(code="KZ-71").exists()
        return alias


@pytest.fixture(scope="module")
def standby(django_db_setup: None, django_db_blocker: Any) -> Iterator[Standby]:
    """The standby, registered as the ``replica`` alias for the module's tests."""
    bindir = os.environ.get("QAMQOR_TEST_PG_BINDIR", "")
    if not bindir:
        missing_prerequisite("needs the cluster of scripts/pg-throwaway (QAMQOR_TEST_PG_BINDIR)")
    with django_db_blocker.unblock():
        if _primary_sql("SHOW wal_level") == "minimal":
            missing_prerequisite("the throwaway PostgreSQL runs with wal_level=minimal")
        limits = {name: _primary_sql(f"SHOW {name}") for name in AT_LEAST_THE_PRIMARYS}
        primary = dict(connections["default"].settings_dict)
    directory = Path(tempfile.mkdtemp(prefix="qamqor-standby."))
    if os.getuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    options = " ".join(f"-c {name}={value}" for name, value in limits.items())
    node = Standby(Path(bindir), directory, f"-c listen_addresses=127.0.0.1 -c fsync=off {options}")
    previous = connections.settings.get(replica.REPLICA)
    try:
        subprocess.run(  # noqa: S603  fixed arguments
            _as_postgres(
                [
                    str(node.bindir / "pg_basebackup"),
                    *("-D", str(node.data), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
                    *("-h", "127.0.0.1", "-p", str(primary["PORT"]), "-U", primary["USER"]),
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        for _attempt in range(5):  # a port found free may be taken before the server binds
            node.port = _free_port()
            try:
                node.start()
                break
            except subprocess.CalledProcessError:
                continue
        else:
            pytest.fail((directory / "server.log").read_text())
        connections.settings[replica.REPLICA] = {
            **primary,
            "HOST": "127.0.0.1",
            "PORT": str(node.port),
            "OPTIONS": {**primary["OPTIONS"], "connect_timeout": 2},
            "TEST": {**primary["TEST"], "MIRROR": "default"},
        }
        yield node
    finally:
        for connection in connections.all(initialized_only=True):
            if connection.alias == replica.REPLICA:
                connection.close()
                del connections[replica.REPLICA]
        connections.settings.pop(replica.REPLICA, None)
        if previous is not None:
            connections.settings[replica.REPLICA] = previous
        if node.running:
            node.stop(mode="immediate")
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def routed(standby: Standby, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Standby:
    """The router installed, the health unknown, the standby running and replaying."""
    settings.DATABASE_ROUTERS = ["qamqor.replica.ReplicaRouter"]
    settings.REPLICA_MAX_LAG_SECONDS = 30
    settings.REPLICA_CHECK_SECONDS = 300  # one check per test unless a test asks again
    monkeypatch.setattr(replica, "health", replica.ReplicaHealth())
    if not standby.running:
        standby.start()
    standby.sql("SELECT pg_wal_replay_resume()")
    return standby


def new_region(code: str) -> Region:
    return Region.objects.create(code=code, kind="region", name_kk=code, name_ru=code, name_en=code)


def _dashboard_data() -> Any:
    place = build_place()
    new_case(place, member("school", place.school, Role.SCHOOL_COORDINATOR))
    return signed_in(member("regional", place.education, Role.REGIONAL_COORDINATOR))


STATISTICS_TABLES = ("cases_case", "analytics_", "protocols_step")


def _statistics_queries(queries: CaptureQueriesContext) -> list[str]:
    """The queries that read figures: cases, steps, rollups (not the session or the user)."""
    return [
        query["sql"]
        for query in queries.captured_queries
        if any(table in query["sql"] for table in STATISTICS_TABLES)
    ]


def _on_standby(model: Any = Region) -> Any:
    """pg_is_in_recovery() of the database an ORM read of ``model`` goes to."""
    return (
        model.objects.annotate(standby=RawSQL("pg_is_in_recovery()", ()))
        .values_list("standby", flat=True)
        .first()
    )


@pytest.mark.postgres
@REPLICATED
def test_reads_inside_replica_reads_run_on_the_standby_and_writes_on_the_primary(
    routed: Standby,
) -> None:
    place = build_place()
    member("regional", place.education, Role.REGIONAL_COORDINATOR)
    replayed(routed)
    assert _on_standby() is False
    with replica.replica_reads() as alias:
        assert alias == replica.REPLICA
        assert _on_standby() is True
        # Who someone is and what they may see: always the primary.
        assert _on_standby(User) is False
        # A write inside goes to the primary (the standby would refuse it) ...
        new_region("KZ-71")
        # ... and a read inside a transaction on the primary reads its own writes there.
        with transaction.atomic():
            Region.objects.create(
                code="KZ-11", kind="region", name_kk="B", name_ru="B", name_en="B"
            )
            assert _on_standby() is False
            assert Region.objects.filter(code="KZ-11").exists()
    assert Region.objects.filter(code__in=["KZ-71", "KZ-11"]).count() == 2
    assert _on_standby() is False


@pytest.mark.postgres
@REPLICATED
def test_the_dashboard_and_the_statistics_api_query_the_standby(routed: Standby) -> None:
    client = _dashboard_data()
    replayed(routed)
    for url in (reverse("dashboard"), "/api/v1/stats"):
        with (
            CaptureQueriesContext(connections["replica"]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            response = client.get(url)
        assert response.status_code == 200
        assert _statistics_queries(on_replica), url
        assert not _statistics_queries(on_primary), url


@pytest.mark.postgres
@REPLICATED
def test_an_export_streams_its_rows_from_the_standby(routed: Standby) -> None:
    place = build_place()
    coordinator = member("school", place.school, Role.SCHOOL_COORDINATOR)
    case = new_case(place, coordinator)
    client = signed_in(coordinator)
    replayed(routed)
    downloads = {
        "api": lambda: client.get(
            "/api/v1/exports/cases", {"format": "csv", "purpose": "statistics"}
        ),
        "page": lambda: client.post(
            reverse("case-list") + "?download=csv", {"purpose": "statistics"}
        ),
    }
    for way, download in downloads.items():
        response = download()
        assert response.status_code == 200, way
        # The rows are read while the file streams, after the view returned.
        with (
            CaptureQueriesContext(connections["replica"]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            content = cast(StreamingHttpResponse, response).getvalue().decode()
        assert case.number in content, way
        assert _statistics_queries(on_replica), way
        assert not _statistics_queries(on_primary), way


@pytest.mark.postgres
@REPLICATED
def test_a_standby_that_lags_beyond_the_limit_is_skipped_until_it_catches_up(
    routed: Standby, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = _dashboard_data()
    replayed(routed)
    settings.REPLICA_CHECK_SECONDS = 0  # ask at every use
    # Caught up, the standby lags 0 however old its last replayed commit is.
    settings.REPLICA_MAX_LAG_SECONDS = 0
    usable()
    routed.sql("SELECT pg_wal_replay_pause()")
    wait_for(
        lambda: routed.sql("SELECT pg_get_wal_replay_pause_state()") == "paused",
        timeout=20,
        what="the standby's replay to pause",
    )
    new_region("KZ-71")
    lsn = _primary_sql("SELECT pg_current_wal_insert_lsn()")
    wait_for(
        lambda: routed.sql("SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", (lsn,)),
        timeout=20,
        what="the standby to receive the write it does not replay",
    )
    caplog.set_level(logging.INFO, logger="qamqor.replica")
    assert _reading_on() == replica.PRIMARY
    with CaptureQueriesContext(connections["default"]) as on_primary:
        assert client.get(reverse("dashboard")).status_code == 200
    assert _statistics_queries(on_primary)
    assert "lags" in caplog.text and "more than 0 s" in caplog.text

    routed.sql("SELECT pg_wal_replay_resume()")
    replayed(routed)
    # The primary may write in the background (autovacuum): used again once caught up.
    wait_for(lambda: _reading_on() == replica.REPLICA, timeout=20, what="the standby used again")
    assert "read replica in use" in caplog.text


@pytest.mark.postgres
@REPLICATED
def test_a_stopped_standby_falls_back_to_the_primary_and_is_used_again_when_back(
    routed: Standby, caplog: pytest.LogCaptureFixture
) -> None:
    client = _dashboard_data()
    replayed(routed)
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert client.get(reverse("dashboard")).status_code == 200
    assert _statistics_queries(on_replica)

    routed.stop()
    caplog.set_level(logging.INFO, logger="qamqor.replica")
    # Still known healthy: the page's first query fails on the standby, the page runs
    # again on the primary; then the replica is skipped without being asked.
    for url in (reverse("dashboard"), "/api/v1/stats", reverse("dashboard")):
        with CaptureQueriesContext(connections["default"]) as on_primary:
            response = client.get(url)
        assert response.status_code == 200, url
        assert _statistics_queries(on_primary), url
    # Asked again, the stopped standby refuses the connection: still the primary.
    replica.health.forget()
    with replica.replica_reads() as alias:
        assert alias == replica.PRIMARY
    warnings = [
        r for r in caplog.records if r.name == "qamqor.replica" and r.levelno == logging.WARNING
    ]
    assert len(warnings) == 1, "logged once, not at every request"

    routed.start()
    replayed(routed)
    replica.health.forget()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert client.get(reverse("dashboard")).status_code == 200
    assert _statistics_queries(on_replica)
    assert "read replica in use" in caplog.text


def _settings_with(**environment: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    env.update(environment, DJANGO_SETTINGS_MODULE="qamqor.settings")
    script = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({'replica': s.DATABASES.get('replica'), "
        "'routers': s.DATABASE_ROUTERS, 'lag': s.REPLICA_MAX_LAG_SECONDS}))"
    )
    return subprocess.run(  # noqa: S603  our own settings module
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_settings_add_the_replica_alias_only_when_it_is_configured() -> None:
    plain = json.loads(_settings_with().stdout)
    assert plain == {"replica": None, "routers": [], "lag": 30}
    configured = _settings_with(
        QAMQOR_REPLICA_DATABASE_URL="postgres://reader:secret@replica.internal:5432/qamqor",
        QAMQOR_REPLICA_MAX_LAG_SECONDS="10",
    )
    result = json.loads(configured.stdout)
    assert result["routers"] == ["qamqor.replica.ReplicaRouter"]
    assert result["lag"] == 10
    alias = result["replica"]
    assert (alias["HOST"], alias["NAME"], alias["USER"]) == ("replica.internal", "qamqor", "reader")
    assert alias["OPTIONS"]["connect_timeout"] == 2
    assert alias["TEST"] == {"MIRROR": "default"}
    refused = _settings_with(QAMQOR_REPLICA_DATABASE_URL="sqlite:///replica.sqlite3")
    assert refused.returncode != 0
    assert "must be a postgres:// URL" in refused.stderr
