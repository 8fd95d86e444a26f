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

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.template import Context, Engine, engines
from django.utils import timezone, translation

from qamqor.accounts.models import Membership, User
from qamqor.directory.models import Organisation
from qamqor.notify import kinds
from qamqor.notify.models import ADDRESS_PURPOSE, Notification, NotificationPreference
from qamqor.ops.fields import blind_index
from qamqor.translation import LANGUAGE_CODES, pick

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


@cache
def _text_engine() -> Engine:
    """Templates for plain-text messages: no HTML escaping (an apostrophe stays one)."""
    default = engines["django"].engine  # type: ignore[attr-defined]
    return Engine(
        dirs=default.dirs, app_dirs=default.app_dirs, libraries=default.libraries, autoescape=False
    )


def _render(template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """Subject and body in ``language``; {kk, ru, en} texts in the context are picked too."""
    context = {
        key: pick(value, language) if isinstance(value, dict) and "ru" in value else value
        for key, value in context.items()
    }
    engine = _text_engine()
    with translation.override(language):
        subject = str(
            engine.get_template(f"notify/{template}.subject.txt").render(Context(context))
        )
        body = str(
            engine.get_template(f"notify/{template}.body.txt").render(
                Context(context, autoescape=False)
            )
        )
    return " ".join(subject.split()), body.strip()


@dataclass(frozen=True)
class Recipient:
    """Who receives one copy: a user (in-app and/or email) or an institutional mailbox."""

    channel: str
    language: str
    user: User | None = None
    address: str = ""
    organisation: Organisation | None = None

    @property
    def key(self) -> str:
        if self.user:
            who = f"u{self.user.pk}"
        elif self.organisation:
            who = f"o{self.organisation.pk}"
        else:
            who = f"a{blind_index(self.address, purpose=ADDRESS_PURPOSE)[:16]}"  # no plain hash
        return f"{self.channel}:{who}"


def _store(
    recipients: list[Recipient],
    template: str,
    context: dict[str, Any],
    *,
    key: str,
    case: Any,
    link: str,
) -> int:
    """Queue one notification per recipient, rendered once per language; returns how many.

    Rows whose ``dedupe_key`` exists are skipped, so calling twice queues nothing new.
    Email rows are handed to the worker after the transaction commits.
    """
    if not recipients:
        return 0
    keys = {f"{key}:{r.key}": r for r in recipients}
    existing = set(
        Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    rendered: dict[str, tuple[str, str]] = {}

    def text(language: str) -> tuple[str, str]:
        if language not in rendered:
            rendered[language] = _render(template, language, {**context, "link": link})
        return rendered[language]

    now = timezone.now()
    rows = []
    for dedupe_key, recipient in keys.items():
        if dedupe_key in existing:
            continue
        subject, body = text(recipient.language)
        in_app = recipient.channel == Notification.Channel.IN_APP
        # in-app texts in every language: the list shows them in the reader's language
        texts = {code: list(text(code)) for code in LANGUAGE_CODES} if in_app else {}
        rows.append(
            Notification(
                channel=recipient.channel,
                template=template,
                language=recipient.language,
                recipient=recipient.user,
                recipient_address=recipient.address,
                organisation=recipient.organisation,
                case=case,
                subject=subject,
                body=body,
                texts=texts,
                link=link,
                dedupe_key=dedupe_key,
                # in-app notifications are delivered by being stored
                status=Notification.Status.SENT if in_app else Notification.Status.PENDING,
                sent_at=now if in_app else None,
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    _enqueue_after_commit([row.dedupe_key for row in rows if row.status == "pending"])
    return len(rows)


class _Handover(threading.local):
    """The outbox rows queued by this thread that wait for their transaction to commit."""

    def __init__(self) -> None:
        self.keys: list[str] = []


_handover = _Handover()


def _enqueue_after_commit(dedupe_keys: list[str]) -> None:
    """Hand the pending rows (email, SMS, chat) to the worker once the transaction commits:
    one task for everything a transaction queued, however many calls queued it.

    Every call registers a commit hook, and the first hook that runs hands over all keys
    gathered so far (the others find nothing left). A hook dropped with a rolled-back
    savepoint therefore never loses the keys of a call that survived; a key whose row was
    rolled back is harmless, because the task delivers only rows that exist and are
    pending; keys left when a whole transaction rolled back (no hook of ours pending) are
    dropped. Outside a transaction the hook runs at once.
    """
    if not dedupe_keys:
        return
    pending_hooks = transaction.get_connection().run_on_commit
    if not any(hook is _hand_over_queued for _, hook, _ in pending_hooks):
        _handover.keys = []  # left by transactions that were rolled back: nothing to hand over
    _handover.keys.extend(dedupe_keys)
    transaction.on_commit(_hand_over_queued)


def _hand_over_queued() -> None:
    keys, _handover.keys = _handover.keys, []
    if keys:
        _enqueue_delivery(list(dict.fromkeys(keys)))


def queue_message(
    *,
    channel: str,
    address: str,
    language: str,
    subject: str,
    body: str,
    key: str,
    template: str,
    extra: dict[str, Any] | None = None,
    case: Any = None,
) -> bool:
    """Queue one already-written message to an address that has no account (a reporter's
    chat or mailbox); the channel's app wrote the text in the reporter's language.
    Returns False when a message with this ``key`` was queued before."""
    if Notification.objects.filter(dedupe_key=key).exists():
        return False
    row = Notification(
        channel=channel,
        template=template,
        language=language,
        recipient_address=address,
        subject=subject[:255],
        body=body,
        extra=extra or {},
        case=case,
        dedupe_key=key,
    )
    Notification.objects.bulk_create([row], ignore_conflicts=True)  # a racing twin wins
    _enqueue_after_commit([key])
    return True


def _enqueue_delivery(notifications: list[str] | list[int]) -> None:
    """One delivery task for these notifications, named by dedupe key or by id."""
    from qamqor.notify.tasks import deliver_notifications

    try:
        deliver_notifications.enqueue(notifications)
    except Exception:  # the sweep picks them up; a queue hiccup must not fail the request
        logger.exception("could not enqueue notifications %s", notifications)


def _user_recipients(users: Iterable[User], *, email: bool = True) -> list[Recipient]:
    recipients = []
    for user in users:
        recipients.append(
            Recipient(Notification.Channel.IN_APP, user.preferred_language, user=user)
        )
        if email and user.email:
            recipients.append(
                Recipient(
                    Notification.Channel.EMAIL,
                    user.preferred_language,
                    user=user,
                    address=user.email,
                )
            )
    return recipients


def notify_users(
    users: Iterable[User],
    template: str,
    context: dict[str, Any],
    *,
    key: str,
    case: Any = None,
    link: str = "",
) -> int:
    """In-app to each user, and email where the user has an address. Returns how many queued."""
    return _store(_user_recipients(users), template, context, key=key, case=case, link=link)


def notify_organisation(
    organisation: Organisation,
    template: str,
    context: dict[str, Any],
    *,
    key: str,
    case: Any = None,
    link: str = "",
    roles: Iterable[str] | None = None,
    email: bool = True,
) -> int:
    """Every active member (optionally of some roles), plus the institutional mailbox;
    ``email=False`` keeps it to in-app notifications."""
    members = Membership.objects.filter(organisation=organisation, active=True)
    if roles is not None:
        members = members.filter(role__in=list(roles))
    users = User.objects.filter(pk__in=members.values("user_id"), is_active=True).order_by("pk")
    recipients = _user_recipients(users, email=email)
    if email and organisation.email:
        recipients.append(
            Recipient(
                Notification.Channel.EMAIL,
                settings.LANGUAGE_CODE,
                address=organisation.email,
                organisation=organisation,
            )
        )
    return _store(recipients, template, context, key=key, case=case, link=link)


def notify_addresses(
    addresses: Iterable[tuple[str, str]],
    template: str,
    context: dict[str, Any],
    *,
    key: str,
    case: Any = None,
    link: str = "",
) -> int:
    """Email people who have no account (a child's legal representatives), each in their
    own language: ``addresses`` holds (email, language) pairs."""
    recipients = [
        Recipient(Notification.Channel.EMAIL, language, address=address)
        for address, language in addresses
    ]
    return _store(recipients, template, context, key=key, case=case, link=link)


def cancel_pending(case: Any, *, templates: Iterable[str]) -> int:
    """Cancel notifications of a case not yet sent (a switched protocol forbids them)."""
    return Notification.objects.filter(
        case=case, template__in=list(templates), status=Notification.Status.PENDING
    ).update(status=Notification.Status.CANCELLED)


def transport_worst_case_seconds() -> int:
    """The longest one try of any transport may block: connect and a handful of commands
    at their timeout, plus (email) the wait for the answer to the message."""
    commands = 6  # connect, EHLO/bind, STARTTLS, AUTH, MAIL, RCPT
    return max(
        settings.EMAIL_DATA_TIMEOUT + commands * settings.EMAIL_TIMEOUT,
        commands * getattr(settings, "TELEGRAM_TIMEOUT", 0),
        commands * getattr(settings, "SMS_SMPP_TIMEOUT", 0),
    )


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
    """Notifications that did not reach their recipient: failed, or delivery unconfirmed."""
    return Notification.objects.filter(status__in=Notification.UNDELIVERED)


def resend(notifications: QuerySet[Notification], *, actor: Any = None) -> list[int]:
    """Queue undelivered notifications again, with the same Message-ID and a fresh retry
    horizon; returns their ids. Written to the audit log."""
    from qamqor.audit import services as audit

    now = timezone.now()
    with transaction.atomic():
        ids = list(
            notifications.filter(status__in=Notification.UNDELIVERED)
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


def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of ``user``'s in-app notifications read; False when ``user`` has no such
    notification (another user's is never touched: the page and the API answer 404)."""
    mine = Notification.objects.in_app_of(user).filter(pk=notification_id)
    if not mine.exists():
        return False
    mine.filter(read_at__isnull=True).update(read_at=timezone.now())
    return True


def mark_all_read(user: User, *, case: str = "", kind: str = "") -> int:
    """Mark ``user``'s unread in-app notifications read, all of them or those of one group
    (``case``: a case number or ``"none"``) and/or one kind; returns how many."""
    return (
        Notification.objects.in_app_of(user)
        .of_case(case)
        .of_kind(kind)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )


# --- the daily digest -------------------------------------------------------------------


def wants_digest(user: User) -> bool:
    return NotificationPreference.objects.filter(user=user, daily_digest=True).exists()


def set_daily_digest(user: User, *, daily_digest: bool) -> bool:
    """Turn the daily digest on or off for ``user``. Turning it off hands the emails held so
    far to the worker at once (none is lost). Returns the new setting."""
    from qamqor.audit import services as audit

    with transaction.atomic(durable=True):
        NotificationPreference.objects.update_or_create(
            user=user, defaults={"daily_digest": daily_digest}
        )
        if not daily_digest:
            held = Notification.objects.filter(
                recipient=user,
                channel=Notification.Channel.EMAIL,
                status=Notification.Status.HELD,
            )
            keys = list(held.values_list("dedupe_key", flat=True))
            held.update(status=Notification.Status.PENDING, next_attempt_at=timezone.now())
            _enqueue_after_commit(keys)
        audit.record(
            actor=user,
            action="notification.preference",
            object_type="accounts.User",
            object_id=str(user.pk),
            changes={"daily_digest": daily_digest},
        )
    return daily_digest


def _hold_for_digest(notification_id: int) -> bool:
    """Hold a first-try email for a user who takes the daily digest, unless it is urgent
    (life safety, overdue) or a digest itself; True when it was held."""
    return bool(
        Notification.objects.filter(
            pk=notification_id,
            channel=Notification.Channel.EMAIL,
            status=Notification.Status.PENDING,
            attempts=0,
            digest__isnull=True,
            recipient__notification_preference__daily_digest=True,
        )
        .exclude(template__in=[*kinds.URGENT_TEMPLATES, DIGEST_TEMPLATE])
        .update(status=Notification.Status.HELD)
    )


DIGEST_TEMPLATE = "daily_digest"


def digest_hour() -> int:
    """The local hour from which the day's digests go out (``NOTIFY_DIGEST_HOUR``, 8)."""
    return int(getattr(settings, "NOTIFY_DIGEST_HOUR", 8))


def send_digests(limit: int = 200) -> int:
    """Write today's digest for every user with held emails, once the digest hour has come;
    returns how many digests were queued. Each digest is an outbox email of its own (its
    dedupe key names the user and the day), delivered like any other: claimed under a
    lease, one Message-ID, never sent twice."""
    local = timezone.localtime()
    if local.hour < digest_hour():
        return 0
    users = (
        Notification.objects.filter(
            channel=Notification.Channel.EMAIL, status=Notification.Status.HELD
        )
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")[:limit]
    )
    day = local.date().isoformat()
    return sum(_write_digest(user_id, day) for user_id in list(users) if user_id is not None)


def _write_digest(user_id: int, day: str) -> bool:
    """One user's digest for ``day``, written in one transaction with the held emails it
    carries: a worker killed before the commit leaves them held (the next sweep writes the
    digest), after it the digest is in the outbox and its items are marked as carried."""
    key = f"digest:u{user_id}:{day}"
    with transaction.atomic():
        if Notification.objects.filter(dedupe_key=key).exists():
            return False  # today's digest is written; what came later waits for tomorrow
        items = list(
            Notification.objects.select_for_update(of=("self",))
            .filter(
                recipient_id=user_id,
                channel=Notification.Channel.EMAIL,
                status=Notification.Status.HELD,
            )
            .select_related("case", "recipient")
            .order_by("created_at", "pk")
        )
        if not items:
            return False
        user = items[0].recipient
        if user is None:  # held rows are users' (filtered above); for the type checker
            return False
        language = user.preferred_language
        subject, body = _render_digest(items, language)
        digest = Notification.objects.create(
            channel=Notification.Channel.EMAIL,
            template=DIGEST_TEMPLATE,
            language=language,
            recipient=user,
            recipient_address=user.email or items[-1].recipient_address,
            subject=subject,
            body=body,
            link="/notifications/",
            dedupe_key=key,
        )
        Notification.objects.filter(
            pk__in=[item.pk for item in items], status=Notification.Status.HELD
        ).update(status=Notification.Status.DIGESTED, digest=digest, sent_at=timezone.now())
        _enqueue_after_commit([key])
    return True


def _render_digest(items: list[Notification], language: str) -> tuple[str, str]:
    groups: dict[str, list[Notification]] = {}
    for item in items:
        groups.setdefault(item.case.number if item.case else "", []).append(item)
    with translation.override(language):
        sections = [
            {
                "case": number,
                "items": [
                    {"subject": item.subject, "created_at": item.created_at, "link": item.link}
                    for item in group
                ],
            }
            for number, group in sorted(groups.items(), key=lambda pair: (pair[0] == "", pair[0]))
        ]
        context = {"count": len(items), "groups": sections, "site": settings.SITE_URL}
        engine = _text_engine()
        subject = engine.get_template(f"notify/{DIGEST_TEMPLATE}.subject.txt").render(
            Context(context)
        )
        body = engine.get_template(f"notify/{DIGEST_TEMPLATE}.body.txt").render(
            Context(context, autoescape=False)
        )
    return " ".join(str(subject).split()), str(body).strip()
