"""``qamqor worker`` outlives its database: a PostgreSQL restart under it loses no work.

The PostgreSQL test runs the real worker in a child process against the throwaway
cluster, stops the server under it, starts it again, and checks that the worker is
still the same process and delivers work queued afterwards.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from django.db import OperationalError

from qamqor import worker
from qamqor.notify.models import Notification
from tests.factories import World, register_case
from tests.support import SmtpPeer
from tests.worker_process import ThrowawayCluster, WorkerProcess, wait_for


def emails_of(case_pk: int) -> list[Notification]:
    return list(Notification.objects.filter(case_id=case_pk, channel=Notification.Channel.EMAIL))


def test_retry_delay_doubles_up_to_thirty_seconds() -> None:
    assert [worker.retry_delay(n) for n in (1, 2, 3, 4, 5, 6, 7, 20, 5000)] == [
        1.0,
        2.0,
        4.0,
        8.0,
        16.0,
        30.0,
        30.0,
        30.0,
        30.0,  # hours into an outage: still 30 s, no overflow
    ]


def test_the_loop_survives_errors_and_stops_on_a_signal(monkeypatch: pytest.MonkeyPatch) -> None:
    """In process: three database errors in a row, then work again, then SIGTERM."""
    calls: list[str] = []
    waits: list[float] = []

    def run_pending_tasks(worker_id: str | None = None) -> None:
        calls.append("tasks")
        if len(calls) <= 3:
            raise OperationalError("server closed the connection unexpectedly")
        if len(calls) == 5:
            worker._Stop.handler(signal.SIGTERM, None)

    monkeypatch.setattr(worker, "run_pending_tasks", run_pending_tasks)
    monkeypatch.setattr(worker, "run_sweeps", lambda: {})
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)  # no database here
    monkeypatch.setattr(worker, "_wait", waits.append)
    dropped: list[bool] = []
    monkeypatch.setattr(worker, "_drop_connections", lambda: dropped.append(True))
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker.run_forever(poll_seconds=0.5)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    assert calls == ["tasks"] * 5
    assert waits == [1.0, 2.0, 4.0, 0.5, 0.5]  # backoff on each error, the poll after success
    assert dropped == [True, True, True]


@pytest.mark.postgres
@pytest.mark.usefixtures("transactional_db")
def test_worker_survives_a_postgresql_restart(
    world: World, smtp_server: SmtpPeer, tmp_path: Path
) -> None:
    cluster = ThrowawayCluster()
    process = WorkerProcess(
        tmp_path / "worker.log",
        QAMQOR_EMAIL_HOST=smtp_server.host,
        QAMQOR_EMAIL_PORT=str(smtp_server.port),
    )
    try:
        first = register_case(world)
        expected = len(emails_of(first.pk))
        assert expected
        wait_for(lambda: len(smtp_server.received) == expected, timeout=60, what="first emails")

        cluster.stop()
        try:
            # The worker notices (a refused connection), logs it and keeps retrying.
            wait_for(lambda: "still failing" in process.log(), timeout=60, what="retries")
            assert process.alive, process.log()
        finally:
            cluster.start()

        second = register_case(world)  # queued after the restart, on a new connection
        expected += len(emails_of(second.pk))
        wait_for(
            lambda: len(smtp_server.received) == expected, timeout=90, what="emails after restart"
        )
        assert process.alive, process.log()
        assert "OperationalError" in process.log()
        wait_for(lambda: "recovered after" in process.log(), timeout=30, what="recovery")
        assert {n.status for n in emails_of(second.pk)} == {Notification.Status.SENT}

        cluster.restart()  # a plain restart too: connections cut, server back at once
        third = register_case(world)
        expected += len(emails_of(third.pk))
        wait_for(
            lambda: len(smtp_server.received) == expected, timeout=90, what="emails after restart"
        )
        assert process.alive, process.log()
        # Each message arrived once.
        assert set(smtp_server.deliveries().values()) == {1}
    finally:
        status = process.stop()
    assert status == 0, process.log()  # SIGTERM still stops it cleanly
    assert "stopped" in process.log()
