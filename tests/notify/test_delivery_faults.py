"""Fault tests of the outbox with real SMTP: each notification delivered, at most once.

The SMTP peer is aiosmtpd (tests/support.py); it records every message's Message-ID, so
"at most once" is counted where it matters, at the receiving end. The faults tested: the
relay down for longer than the old one-hour horizon, a worker killed with SIGKILL
in the middle of a delivery (a real ``qamqor worker`` process), a relay slower than the
client's command timeout. Each test prints its figures (queued, sent, received, the most
copies of one Message-ID): ``pytest -s`` shows them.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from qamqor.notify import services
from qamqor.notify.models import Notification
from qamqor.worker import run_pending_tasks, run_sweeps
from tests.factories import World, register_case
from tests.support import CollectingHandler, SmtpPeer
from tests.worker_process import WorkerProcess, wait_for

pytestmark = pytest.mark.usefixtures("transactional_db")


class SlowRelay(CollectingHandler):
    """A relay that stalls at one stage of its first ``stall_sessions`` transactions.

    ``stage="rcpt"`` holds the answer to RCPT TO (before the message is handed over);
    ``stage="data"`` takes the message, keeps it, and answers only after ``seconds``.
    """

    def __init__(self, stage: str, seconds: float, stall_sessions: int = 1) -> None:
        super().__init__()
        self.stage = stage
        self.seconds = seconds
        self.stalls_left = stall_sessions
        self.stalled = threading.Event()

    async def _maybe_stall(self, stage: str) -> None:
        if stage == self.stage and self.stalls_left > 0:
            self.stalls_left -= 1
            self.stalled.set()
            await asyncio.sleep(self.seconds)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        await self._maybe_stall("rcpt")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await super().handle_DATA(server, session, envelope)  # kept: the relay has it now
        await self._maybe_stall("data")
        return "250 Message accepted for delivery"


def emails(case_pk: int) -> list[Notification]:
    return list(
        Notification.objects.filter(case_id=case_pk, channel=Notification.Channel.EMAIL).order_by(
            "pk"
        )
    )


def figures(fault: str, queued: list[Notification], peer: SmtpPeer) -> dict[str, int]:
    """What was queued, sent and received; printed for the record."""
    ours = {n.message_id for n in queued}
    counts = [c for (mid, _), c in peer.deliveries().items() if mid in ours]
    result = {
        "queued": len(queued),
        "sent": Notification.objects.filter(
            pk__in=[n.pk for n in queued], status=Notification.Status.SENT
        ).count(),
        "received": sum(counts),
        "distinct_received": len(counts),
        "most_copies_of_one_message_id": max(counts, default=0),
    }
    print(f"\n[{fault}] {result}")
    return result


def test_relay_down_longer_than_the_old_horizon_then_back(
    world: World, smtp_server: SmtpPeer
) -> None:
    """Six hours without a relay (the old limit gave up after about one): all delivered."""
    smtp_server.stop()
    case = register_case(world)
    queued = emails(case.pk)
    run_pending_tasks()
    moment = timezone.now()
    for _ in range(6 * 4):  # a sweep every 15 minutes for six hours
        moment += timedelta(minutes=15)
        with time_machine.travel(moment):
            run_sweeps()
    assert {n.status for n in emails(case.pk)} == {Notification.Status.PENDING}
    assert min(n.attempts for n in emails(case.pk)) > 8  # the old OUTBOX_MAX_ATTEMPTS

    smtp_server.start()
    moment += timedelta(hours=1, minutes=1)  # the longest backoff
    with time_machine.travel(moment):
        run_sweeps()

    assert {n.status for n in emails(case.pk)} == {Notification.Status.SENT}
    result = figures("relay down 6 h", queued, smtp_server)
    assert result["distinct_received"] == result["queued"] == result["sent"]
    assert result["most_copies_of_one_message_id"] == 1


def test_relay_slower_than_the_command_timeout_gets_each_message_once(
    world: World, smtp_server: SmtpPeer, settings: Any
) -> None:
    """The relay answers four messages after 2.5 s; commands time out after 1 s. Before,
    the client gave up, retried, and the relay kept two or three copies."""
    settings.EMAIL_TIMEOUT = 1
    settings.EMAIL_DATA_TIMEOUT = 10
    case_count = 1
    smtp_server.handler = SlowRelay("data", seconds=2.5, stall_sessions=4)
    smtp_server.stop()
    smtp_server.start()
    queued = []
    for _ in range(case_count):
        queued += emails(register_case(world).pk)
    run_pending_tasks()
    moment = timezone.now()
    for _ in range(3):  # later sweeps find nothing to resend
        moment += timedelta(hours=1)
        with time_machine.travel(moment):
            run_sweeps()

    assert {n.status for n in Notification.objects.filter(pk__in=[n.pk for n in queued])} == {
        Notification.Status.SENT
    }
    result = figures("relay slower than the command timeout", queued, smtp_server)
    assert result["distinct_received"] == result["queued"]
    assert result["most_copies_of_one_message_id"] == 1


def test_relay_silent_past_the_data_timeout_is_unconfirmed_not_resent(
    world: World, smtp_server: SmtpPeer, settings: Any
) -> None:
    """The relay keeps the message but answers after the client stopped waiting: the
    outcome is unknown, so the notification is shown as unconfirmed and not sent again."""
    settings.EMAIL_TIMEOUT = 1
    settings.EMAIL_DATA_TIMEOUT = 1
    smtp_server.handler = SlowRelay("data", seconds=2, stall_sessions=1)
    smtp_server.stop()
    smtp_server.start()
    queued = emails(register_case(world).pk)
    run_pending_tasks()
    moment = timezone.now()
    for _ in range(3):
        moment += timedelta(hours=1)
        with time_machine.travel(moment):
            run_sweeps()

    case_id = queued[0].case_id
    assert case_id is not None
    unconfirmed = [n for n in emails(case_id) if n.status == "unconfirmed"]
    assert len(unconfirmed) == 1
    assert unconfirmed[0].message_id in unconfirmed[0].last_error
    assert list(services.undelivered().filter(pk=unconfirmed[0].pk)) == unconfirmed
    result = figures("relay silent past the data timeout", queued, smtp_server)
    assert result["distinct_received"] == result["queued"]  # the relay did get it
    assert result["sent"] == result["queued"] - 1
    assert result["most_copies_of_one_message_id"] == 1


def _killed_mid_delivery(world: World, tmp_path: Path, stage: str) -> tuple[Any, SmtpPeer]:
    """A worker process stalls on the relay at ``stage`` and is SIGKILLed there; a second
    worker takes over. Returns the notifications and the peer."""
    relay = SlowRelay(stage, seconds=1.5, stall_sessions=1)
    peer = SmtpPeer()
    peer.handler = relay
    peer.start()
    # Short timeouts so that the lease (which must exceed them) is short enough to wait for.
    environment = {
        "QAMQOR_EMAIL_HOST": peer.host,
        "QAMQOR_EMAIL_PORT": str(peer.port),
        "QAMQOR_EMAIL_TIMEOUT": "2",
        "QAMQOR_EMAIL_DATA_TIMEOUT": "2",
        "QAMQOR_OUTBOX_LEASE_SECONDS": "15",
    }
    first = WorkerProcess(tmp_path / "first.log", **environment)
    second = None
    try:
        case = register_case(world)
        queued = emails(case.pk)
        assert relay.stalled.wait(60), first.log()
        first.process.kill()  # SIGKILL: no handler runs, the claim stays behind
        first.process.wait()
        stuck = Notification.objects.get(status=Notification.Status.SENDING)
        second = WorkerProcess(tmp_path / "second.log", **environment)
        # The others are delivered by the second worker's sweep; the stuck one waits
        # for its lease: no second try while the first might still be sending.
        others = [n.pk for n in queued if n.pk != stuck.pk]
        wait_for(
            lambda: (
                set(Notification.objects.filter(pk__in=others).values_list("status", flat=True))
                == {Notification.Status.SENT}
            ),
            timeout=30,
            what="the other notifications",
        )
        stuck.refresh_from_db()
        assert stuck.status == Notification.Status.SENDING
        assert stuck.lease_expires_at is not None and stuck.lease_expires_at > timezone.now()
        wait_for(
            lambda: (
                Notification.objects.get(pk=stuck.pk).status
                in (Notification.Status.SENT, Notification.Status.UNCONFIRMED)
            ),
            timeout=60,
            what="the lease to expire and the claim to be taken back",
        )
        return [Notification.objects.get(pk=n.pk) for n in queued], peer
    finally:
        first.kill()
        if second is not None:
            assert second.stop() == 0
        peer.stop()


@pytest.mark.postgres
def test_worker_killed_before_handing_over_the_message(world: World, tmp_path: Path) -> None:
    """Killed while the relay holds RCPT: nothing went out, so after the lease the
    notification is sent, once."""
    queued, peer = _killed_mid_delivery(world, tmp_path, "rcpt")
    assert {n.status for n in queued} == {Notification.Status.SENT}
    result = figures("worker SIGKILL before DATA", queued, peer)
    assert result["distinct_received"] == result["queued"] == result["sent"]
    assert result["most_copies_of_one_message_id"] == 1


@pytest.mark.postgres
def test_worker_killed_after_handing_over_the_message(world: World, tmp_path: Path) -> None:
    """Killed while waiting for the relay's answer to the message: the relay has it, the
    outbox cannot know; the notification is unconfirmed, shown, and not sent again."""
    queued, peer = _killed_mid_delivery(world, tmp_path, "data")
    statuses = sorted(n.status for n in queued)
    assert statuses.count(Notification.Status.UNCONFIRMED) == 1
    assert statuses.count(Notification.Status.SENT) == len(queued) - 1
    result = figures("worker SIGKILL during DATA", queued, peer)
    assert result["distinct_received"] == result["queued"]
    assert result["most_copies_of_one_message_id"] == 1
    assert services.undelivered().filter(pk__in=[n.pk for n in queued]).count() == 1
