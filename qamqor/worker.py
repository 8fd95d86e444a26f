"""The background worker: runs queued tasks (django-tasks, database backend) and the sweeps.

``qamqor worker`` loops: process every ready task, run the periodic sweeps when their
interval has passed, sleep a little. Sweeps are idempotent (atomic claims), so several
workers on several machines may run at once.

The loop outlives its database and its network: an error (PostgreSQL restarting, a
dropped connection, a refused connect) is logged, the connections are closed, and the
loop tries again after a backoff of 1, 2, 4 … up to 30 seconds, as long as it takes.
Only SIGINT or SIGTERM stop it (docs/deploy.md, "Worker").
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from types import FrameType

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger(__name__)


def run_sweeps() -> dict[str, int]:
    """One pass of every periodic sweep; returns what each did."""
    from qamqor.analytics.fold import fold
    from qamqor.appeals.services import release_appeals
    from qamqor.audit.services import anchor_chain
    from qamqor.instruments.services import escalate_unacknowledged_alerts
    from qamqor.intake.alerts import repeat_unacknowledged
    from qamqor.library.services import send_briefing_reminders
    from qamqor.notify.services import send_digests, sweep_outbox
    from qamqor.protocols.sweeps import escalate_overdue, send_reminders
    from qamqor.referrals.services import escalate_overdue_referrals

    return {
        "reminded": send_reminders(),
        "escalated": escalate_overdue(),
        "referrals_escalated": escalate_overdue_referrals(),
        "appeals_released": release_appeals(),  # once a day, never one by one
        "screening_alerts_escalated": escalate_unacknowledged_alerts(),
        "life_safety_repeated": repeat_unacknowledged(),  # life-safety alerts nobody acknowledged
        "briefings_reminded": send_briefing_reminders(),  # at most once a day per person
        "digests": send_digests(),  # one a day per user who takes the digest
        "delivered": sweep_outbox(),
        "audit_anchored": int(anchor_chain() is not None),  # once a day
        "statistics_folded": fold(),  # deltas into the rollups (decision 0014)
    }


def run_pending_tasks(worker_id: str | None = None) -> None:
    """Run every task that is ready now, then return (the worker's batch mode)."""
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id or f"{socket.gethostname()}-{os.getpid()}"[:64],
        excluded_queue_names=[],
    ).run()


class _Stop:
    """Set by SIGINT or SIGTERM; the loop finishes the task in hand and returns."""

    requested = False

    @classmethod
    def handler(cls, signum: int, frame: FrameType | None) -> None:
        logger.info("worker: %s received, stopping", signal.Signals(signum).name)
        cls.requested = True


RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0


def retry_delay(failures: int) -> float:
    """Wait after the ``failures``-th error in a row: 1, 2, 4, … capped at 30 seconds."""
    doublings = min(max(failures - 1, 0), 16)  # a long outage must not overflow the float
    return float(min(RETRY_FIRST_SECONDS * 2**doublings, RETRY_MAX_SECONDS))


def _drop_connections() -> None:
    """Close every database connection, broken ones included: the next query reconnects."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # a dead socket may fail to close; it is discarded either way
            logger.debug("closing a broken connection failed", exc_info=True)
            connection.connection = None


def _wait(seconds: float) -> None:
    """Sleep, but return at once when a stop is requested."""
    deadline = time.monotonic() + seconds
    while not _Stop.requested and time.monotonic() < deadline:
        time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))


def _sweep() -> None:
    """Run the sweeps; a database error goes up to the loop's backoff, any other is logged."""
    try:
        done = run_sweeps()
    except DatabaseError:
        raise
    except Exception:
        logger.exception("sweep failed; will try again")
        return
    if any(done.values()):
        logger.info("sweeps: %s", done)


def run_forever(*, poll_seconds: float = 1.0) -> None:
    """The worker loop; stops after the current task on SIGINT or SIGTERM, never on an error."""
    worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
    _Stop.requested = False
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _Stop.handler)
    # The task runner logs two lines per empty poll; keep its warnings only.
    logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
    last_sweep = -float(settings.SWEEP_INTERVAL_SECONDS)
    failures = 0
    logger.info("worker %s started; sweeps every %ss", worker_id, settings.SWEEP_INTERVAL_SECONDS)
    while not _Stop.requested:
        try:
            close_old_connections()
            run_pending_tasks(worker_id)
            if time.monotonic() - last_sweep >= settings.SWEEP_INTERVAL_SECONDS:
                _sweep()
                last_sweep = time.monotonic()
        except Exception as error:
            failures += 1
            delay = retry_delay(failures)
            if failures == 1:
                logger.exception("worker: %s; retrying in %.0f s", type(error).__name__, delay)
            else:
                logger.warning(
                    "worker: still failing (%s, %s times in a row): %s; retrying in %.0f s",
                    type(error).__name__,
                    failures,
                    str(error).strip().splitlines()[0] if str(error).strip() else "",
                    delay,
                )
            _drop_connections()
            _wait(delay)
            continue
        if failures:
            logger.info("worker: recovered after %s failed attempts", failures)
            failures = 0
        _wait(poll_seconds)
    logger.info("worker %s stopped", worker_id)
