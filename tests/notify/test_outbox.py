"""The outbox delivers through a real SMTP peer that goes down and comes back.

Notifications are created by the real services (registering a case queues the
step_assigned emails), the real django-tasks-db worker runs the delivery tasks, and
the sweep retries after the backoff. Nothing is lost and nothing is sent twice.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from qamqor.notify import services
from qamqor.notify.models import Notification
from qamqor.worker import run_pending_tasks, run_sweeps
from tests.factories import World, register_case
from tests.support import SmtpPeer

pytestmark = pytest.mark.usefixtures("transactional_db")  # on_commit must really fire


def message_id(notification: Notification) -> str:
    return notification.message_id


def task_arguments(task: DBTaskResult) -> list[str | int]:
    """The notifications a delivery task was enqueued for (dedupe keys or ids)."""
    argument = task.args_kwargs["args"][0]
    return list(argument) if isinstance(argument, list) else [argument]


def queued_emails(case_pk: int) -> list[Notification]:
    return list(
        Notification.objects.filter(case_id=case_pk, channel=Notification.Channel.EMAIL).order_by(
            "pk"
        )
    )


def test_uses_the_database_task_backend() -> None:
    assert django_settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def test_emails_wait_for_the_peer_and_are_delivered_once(
    world: World, smtp_server: SmtpPeer
) -> None:
    smtp_server.stop()

    case = register_case(world)

    emails = queued_emails(case.pk)
    assert emails, "registering a case queues step_assigned emails"
    assert {n.template for n in emails} == {"step_assigned"}
    assert {n.status for n in emails} == {Notification.Status.PENDING}
    # One delivery task covering every email was enqueued once the registration committed,
    # however many steps queued them.
    [task] = DBTaskResult.objects.ready()
    assert sorted(task_arguments(task)) == sorted(n.dedupe_key for n in emails)

    run_pending_tasks()

    assert not DBTaskResult.objects.ready().exists()
    for notification in queued_emails(case.pk):
        assert notification.status == Notification.Status.PENDING
        assert notification.attempts == 1
        assert notification.last_error
        assert notification.next_attempt_at > timezone.now()

    smtp_server.start()
    run_sweeps()  # the backoff has not passed: nobody is retried yet
    assert smtp_server.received == []

    with time_machine.travel(timezone.now() + Notification.backoff(1) + timedelta(seconds=1)):
        assert run_sweeps()["delivered"] == len(emails)

    delivered = queued_emails(case.pk)
    assert {n.status for n in delivered} == {Notification.Status.SENT}
    assert all(n.attempts == 2 and n.last_error == "" and n.sent_at for n in delivered)
    expected = {(message_id(n), n.recipient_address): 1 for n in delivered}
    assert dict(smtp_server.deliveries()) == expected
    received = {mail.message_id: mail.message for mail in smtp_server.received}
    for notification in delivered:
        # Stripped: a long encoded subject may be folded right after "Subject:".
        assert received[message_id(notification)]["Subject"].strip() == notification.subject

    # The worker and the sweep run again, later: nothing arrives twice.
    run_pending_tasks()
    run_sweeps()
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        run_pending_tasks()
        run_sweeps()
    assert len(smtp_server.received) == len(emails)


def test_a_transaction_hands_its_notifications_over_in_one_task_even_after_a_rollback(
    smtp_server: SmtpPeer,
) -> None:
    """A savepoint rolled back after the first queueing drops that call's commit hook and
    its row; the rows queued later still reach the worker, the rolled-back one does not."""

    def queue(key: str) -> None:
        services.queue_message(
            channel=Notification.Channel.EMAIL,
            address="parent@example.test",
            language="ru",
            subject=key,
            body="synthetic",
            key=key,
            template="test",
        )

    with transaction.atomic():
        queue("rolled-back-whole")  # a whole transaction rolled back leaves nothing behind
        transaction.set_rollback(True)
    with transaction.atomic():
        with transaction.atomic():
            queue("rolled-back")
            transaction.set_rollback(True)
        queue("kept-1")
        queue("kept-2")

    [task] = DBTaskResult.objects.ready()
    assert set(task_arguments(task)) >= {"kept-1", "kept-2"}
    assert "rolled-back-whole" not in task_arguments(task)
    run_pending_tasks()
    statuses = dict(Notification.objects.values_list("dedupe_key", "status"))
    assert statuses == {"kept-1": Notification.Status.SENT, "kept-2": Notification.Status.SENT}
    assert len(smtp_server.received) == 2


def test_each_notification_has_its_own_message_id_kept_across_tries(
    world: World, smtp_server: SmtpPeer
) -> None:
    smtp_server.stop()
    case = register_case(world)
    before = {n.pk: n.message_id for n in queued_emails(case.pk)}
    assert len(set(before.values())) == len(before)
    assert all(re.fullmatch(r"<[0-9a-f]{32}@qamqor\.invalid>", mid) for mid in before.values())

    run_pending_tasks()  # refused: a try that failed keeps the Message-ID
    smtp_server.start()
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        run_sweeps()
    assert {n.pk: n.message_id for n in queued_emails(case.pk)} == before
    assert sorted(smtp_server.deliveries()) == sorted(
        (mid, n.recipient_address) for n in queued_emails(case.pk) for mid in [before[n.pk]]
    )


def test_retries_go_on_for_days_then_the_notification_shows_as_failed(
    world: World, smtp_server: SmtpPeer, settings: object
) -> None:
    """Before: eight tries in about an hour, then failed for good. Now hourly for
    OUTBOX_RETRY_DAYS, then failed, visible, and sent again by resend()."""
    settings.OUTBOX_RETRY_DAYS = 2  # type: ignore[attr-defined]
    smtp_server.stop()
    case = register_case(world)
    pks = [n.pk for n in queued_emails(case.pk)]

    run_pending_tasks()  # attempt 1
    moment = timezone.now()
    for _hour in range(45):
        moment += timedelta(hours=1)  # past any backoff (capped at one hour)
        with time_machine.travel(moment):
            run_sweeps()
    tried = Notification.objects.filter(pk__in=pks)
    assert {n.status for n in tried} == {Notification.Status.PENDING}
    assert min(n.attempts for n in tried) >= 20  # the old limit gave up after 8 tries, 1 hour

    moment += timedelta(hours=3)  # past the horizon
    with time_machine.travel(moment):
        run_sweeps()
    for notification in Notification.objects.filter(pk__in=pks):
        assert notification.status == Notification.Status.FAILED
        assert "Connection" in notification.last_error
        assert notification.sent_at is None
    assert set(services.undelivered().values_list("pk", flat=True)) >= set(pks)

    # A failed notification stays failed: the sweep does not send it on its own.
    smtp_server.start()
    ours = {n.message_id for n in Notification.objects.filter(pk__in=pks)}
    with time_machine.travel(moment + timedelta(hours=2)):
        run_sweeps()  # (escalations of the overdue steps do go out now)
    assert not ours & {mail.message_id for mail in smtp_server.received}

    # Resent: delivered once, with the Message-ID it always had.
    with time_machine.travel(moment + timedelta(hours=3)):
        assert sorted(services.resend(Notification.objects.filter(pk__in=pks))) == sorted(pks)
        run_pending_tasks()
    sent = Notification.objects.filter(pk__in=pks)
    assert {n.status for n in sent} == {Notification.Status.SENT}
    arrived = {key: count for key, count in smtp_server.deliveries().items() if key[0] in ours}
    assert arrived == {(n.message_id, n.recipient_address): 1 for n in sent}
