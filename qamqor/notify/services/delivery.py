"""Queueing notifications in the outbox and delivering them.

Delivery (DESIGN §5.1, brief 1.3.5: a notification that must reach the police or a parent
is neither lost nor sent twice; docs/notifications.md):

- a worker claims a notification with one UPDATE and holds it under a lease
  (``OUTBOX_LEASE_SECONDS``) longer than the transport can take; only an expired lease
  is taken back, so a slow but live worker is never doubled;
- every try carries the notification's own Message-ID, the same on every try;
- just before the message itself goes out (SMTP ``DATA``), the try records that it
  handed the message over. A failure before that point cannot have delivered anything and
  is retried, 30 s doubling to hourly, for ``OUTBOX_RETRY_DAYS``; then the notification
  is *failed*. A try that handed the message over and then lost the peer (no answer, a
  worker killed) may have delivered it: it becomes *unconfirmed* and is not sent again
  on its own. Both show to coordinators as undelivered; ``resend_notifications`` sends
  them again, with the same Message-ID.
"""

import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from qamqor.notify.models import Notification, undelivered_filter
from qamqor.notify.services.digest import _hold_for_digest
from qamqor.notify.services.outbox import _enqueue_delivery
from qamqor.units import entry_point, entry_point_in_steps

logger = logging.getLogger(__name__)


class DeliveryUncertain(Exception):
    """The message was handed over and then the peer went silent or away: it may have
    been delivered. Such a notification is not retried on its own (at most once)."""


class RetryAfter(Exception):
    """A transport's peer asked us to wait (Telegram's 429 ``retry_after``): the next
    attempt is scheduled after ``seconds`` instead of the usual backoff."""

    def __init__(self, seconds: int, message: str = "") -> None:
        super().__init__(message or f"retry after {seconds} s")
        self.seconds = max(int(seconds), 1)


# Delivery of channels other than email and in-app, registered by the app that owns the
# channel (qamqor.chatbot registers "telegram" in its AppConfig.ready): the outbox stays
# the single path, and notify does not import the apps that use it.
TRANSPORTS: dict[str, Callable[[Notification], None]] = {}


def register_transport(channel: str, send: Callable[[Notification], None]) -> None:
    TRANSPORTS[channel] = send


def transport_worst_case_seconds() -> int:
    """The longest one try of any transport may block: connect and a handful of commands
    at their timeout, plus (email) the wait for the answer to the message."""
    commands = 6  # connect, EHLO/bind, STARTTLS, AUTH, MAIL, RCPT
    return max(
        settings.EMAIL_DATA_TIMEOUT + commands * settings.EMAIL_TIMEOUT,
        commands * getattr(settings, "TELEGRAM_TIMEOUT", 0),
        commands * getattr(settings, "SMS_SMPP_TIMEOUT", 0),
    )


@entry_point_in_steps
def deliver(notification_id: int) -> bool:
    """Send one email (or chat, SMS) notification if it is due; True if it was sent now.

    The claim is an atomic UPDATE from pending to sending under a lease, so two workers
    never both send the same notification; every later write of this try names the claim
    (``claimed_at``), so a try whose lease was taken back changes nothing.
    """
    if _hold_for_digest(notification_id):
        return False
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.PENDING, next_attempt_at__lte=now
    ).update(
        status=Notification.Status.SENDING,
        claimed_at=now,
        lease_expires_at=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
        handed_over_at=None,
    )
    if not claimed:
        return False
    notification = Notification.objects.get(pk=notification_id)
    mine = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.SENDING, claimed_at=now
    )
    attempts = notification.attempts + 1

    def hand_over() -> None:
        mine.update(handed_over_at=timezone.now())

    try:
        transport = TRANSPORTS.get(notification.channel)
        if transport is None:
            _send_email(notification, hand_over)
        else:
            hand_over()  # a chat or SMS request goes out at once
            transport(notification)
    except DeliveryUncertain as error:
        mine.update(
            status=Notification.Status.UNCONFIRMED,
            attempts=attempts,
            last_error=f"{error}"[:2000],
            lease_expires_at=None,
        )
        logger.error("notification %s: delivery unconfirmed: %s", notification_id, error)
        return False
    except Exception as error:
        wait = (
            timedelta(seconds=error.seconds)
            if isinstance(error, RetryAfter)
            else Notification.backoff(attempts)
        )
        next_attempt = timezone.now() + wait
        give_up = next_attempt > notification.retry_deadline()
        mine.update(
            status=Notification.Status.FAILED if give_up else Notification.Status.PENDING,
            attempts=attempts,
            next_attempt_at=next_attempt,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            claimed_at=None,
            lease_expires_at=None,
            handed_over_at=None,
        )
        logger.warning(
            "notification %s not delivered (attempt %s%s): %s",
            notification_id,
            attempts,
            ", giving up" if give_up else "",
            error,
        )
        return False
    mine.update(
        status=Notification.Status.SENT,
        attempts=attempts,
        sent_at=timezone.now(),
        last_error="",
        lease_expires_at=None,
    )
    return True


def email_message(notification: Notification) -> EmailMessage:
    """The email of a notification, with its own Message-ID (the same on every try)."""
    body = notification.body
    if notification.link:
        body = f"{body}\n\n{settings.SITE_URL}{notification.link}"
    return EmailMessage(
        subject=notification.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient_address],
        headers={"Message-ID": notification.message_id},
    )


def _send_email(notification: Notification, hand_over: Callable[[], None]) -> None:
    """Send over SMTP, recording the hand-over just before ``DATA``.

    Connecting and each command wait ``EMAIL_TIMEOUT``; the relay's answer to the message
    waits ``EMAIL_DATA_TIMEOUT`` (RFC 5321 §4.5.3.2.6), since a client that stops waiting
    there cannot tell whether the relay took the message (the classic duplicate, RFC 1047).
    """
    message = email_message(notification)
    connection = get_connection(fail_silently=False)
    if not isinstance(connection, SmtpBackend):  # the test and console backends
        hand_over()
        message.connection = connection
        message.send()
        return
    connection.open()
    smtp = connection.connection
    if smtp is None:  # open() raises when it cannot connect; this is for the type checker
        raise smtplib.SMTPServerDisconnected("no SMTP connection")
    try:
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(message.from_email, encoding)
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        for address in message.recipients():
            recipient = sanitize_address(address, encoding)
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        content = message.message().as_bytes(linesep="\r\n")
        hand_over()
        if smtp.sock is not None:
            smtp.sock.settimeout(settings.EMAIL_DATA_TIMEOUT)
        try:
            code, reply = smtp.data(content)
        except smtplib.SMTPDataError:
            raise  # the relay answered: it refused the message, nothing was delivered
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryUncertain(
                f"the relay did not confirm the message {notification.message_id} "
                f"({type(error).__name__}: {error}); it may have been delivered"
            ) from error
    finally:
        try:
            connection.close()
        except Exception:  # the peer may be gone already
            logger.debug("closing the SMTP connection failed", exc_info=True)


def release_expired_leases() -> dict[str, int]:
    """Take back the claims of workers that died or hung past their lease.

    A try that never handed its message over goes back to pending (nothing was sent);
    one that did may have delivered it and becomes unconfirmed, never sent again on its own.
    """
    now = timezone.now()
    expired = Notification.objects.filter(
        status=Notification.Status.SENDING, lease_expires_at__lt=now
    )
    unconfirmed = expired.filter(handed_over_at__isnull=False).update(
        status=Notification.Status.UNCONFIRMED,
        attempts=F("attempts") + 1,
        last_error="the worker stopped after handing the message over; it may have been delivered",
        lease_expires_at=None,
    )
    retried = expired.filter(handed_over_at__isnull=True).update(
        status=Notification.Status.PENDING,
        next_attempt_at=now,
        last_error="the worker stopped before handing the message over",
        claimed_at=None,
        lease_expires_at=None,
    )
    if retried or unconfirmed:
        logger.warning(
            "outbox: %s expired claims retried, %s marked unconfirmed", retried, unconfirmed
        )
    return {"retried": retried, "unconfirmed": unconfirmed}


def sweep_outbox(limit: int = 500) -> int:
    """Take back expired claims, then retry due notifications; returns how many were sent."""
    release_expired_leases()
    due = Notification.objects.filter(
        Q(status=Notification.Status.PENDING) & Q(next_attempt_at__lte=timezone.now())
    ).values_list("pk", flat=True)[:limit]
    return sum(deliver(pk) for pk in list(due))


def undelivered() -> QuerySet[Notification]:
    """Notifications that did not reach their recipient and can be sent again."""
    return Notification.objects.filter(undelivered_filter())


@entry_point
def resend(notifications: QuerySet[Notification], *, actor: Any = None) -> list[int]:
    """Queue undelivered notifications again, with the same Message-ID and a fresh retry
    horizon; returns their ids. Written to the audit log."""
    from qamqor.audit import services as audit

    now = timezone.now()
    with transaction.atomic():
        ids = list(
            notifications.filter(undelivered_filter())
            .select_for_update(of=("self",))  # the scope joins nullable case/organisation
            .values_list("pk", flat=True)
        )
        if not ids:
            return []
        Notification.objects.filter(pk__in=ids).update(
            status=Notification.Status.PENDING,
            next_attempt_at=now,
            retry_until=now + timedelta(days=settings.OUTBOX_RETRY_DAYS),
            claimed_at=None,
            lease_expires_at=None,
            handed_over_at=None,
        )
        audit.record(
            actor=actor,
            action="notification.resend",
            object_type="notify.Notification",
            object_id=",".join(str(pk) for pk in ids)[:64],
            changes={"ids": ids},
        )
        transaction.on_commit(lambda: _enqueue_delivery(ids))
    return ids
