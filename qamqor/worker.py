"""The background worker: runs queued tasks (django-tasks, database backend) and the sweeps.

``qamqor worker`` loops: process every ready task, run the periodic sweeps when their
interval has passed, sleep a little. Sweeps are idempotent (atomic claims), so several
workers on several machines may run at once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from types import FrameType

from django.conf import settings
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger(__name__)


def run_sweeps() -> dict[str, int]:
    """One pass of every periodic sweep; returns what each did."""
    from qamqor.care.services import release_appeals
    from qamqor.instruments.services import escalate_unacknowledged_alerts
    from qamqor.intake.alerts import repeat_unacknowledged
    from qamqor.notify.services import sweep_outbox
    from qamqor.protocols.sweeps import escalate_overdue, send_reminders
    from qamqor.referrals.services import escalate_overdue_referrals

    return {
        "reminded": send_reminders(),
        "escalated": escalate_overdue(),
        "referrals_escalated": escalate_overdue_referrals(),  # issue 5
        "appeals_released": release_appeals(),  # issue 5: once a day, never one by one
        "screening_alerts_escalated": escalate_unacknowledged_alerts(),  # issue 6
        "life_safety_repeated": repeat_unacknowledged(),  # issue 4
        "delivered": sweep_outbox(),
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


def run_forever(*, poll_seconds: float = 1.0) -> None:
    """The worker loop; stops after the current task on SIGINT or SIGTERM."""
    worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _Stop.handler)
    # The task runner logs two lines per empty poll; keep its warnings only.
    logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
    last_sweep = 0.0
    logger.info("worker %s started; sweeps every %ss", worker_id, settings.SWEEP_INTERVAL_SECONDS)
    while not _Stop.requested:
        close_old_connections()
        run_pending_tasks(worker_id)
        if time.monotonic() - last_sweep >= settings.SWEEP_INTERVAL_SECONDS:
            try:
                done = run_sweeps()
                if any(done.values()):
                    logger.info("sweeps: %s", done)
            except Exception:
                logger.exception("sweep failed; will try again")
            last_sweep = time.monotonic()
        deadline = time.monotonic() + poll_seconds
        while not _Stop.requested and time.monotonic() < deadline:
            time.sleep(0.1)
    logger.info("worker %s stopped", worker_id)
