"""Queueing notifications in the outbox and delivering them."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template import Context, Engine, engines
from django.utils import timezone, translation

from qamqor.accounts.models import Membership, User
from qamqor.directory.models import Organisation
from qamqor.notify.models import Notification
from qamqor.translation import pick

logger = logging.getLogger(__name__)

STALE_CLAIM_SECONDS = 600


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
            who = f"a{hashlib.sha256(self.address.lower().encode()).hexdigest()[:16]}"
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
    now = timezone.now()
    rows = []
    for dedupe_key, recipient in keys.items():
        if dedupe_key in existing:
            continue
        if recipient.language not in rendered:
            rendered[recipient.language] = _render(
                template, recipient.language, {**context, "link": link}
            )
        subject, body = rendered[recipient.language]
        in_app = recipient.channel == Notification.Channel.IN_APP
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


def _enqueue_after_commit(dedupe_keys: list[str]) -> None:
    """Hand the pending rows (email, chat) to the worker once the transaction commits."""
    if dedupe_keys:
        ids = list(
            Notification.objects.filter(
                dedupe_key__in=dedupe_keys, status=Notification.Status.PENDING
            ).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: _enqueue_delivery(ids))


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


def _enqueue_delivery(notification_ids: list[int]) -> None:
    from qamqor.notify.tasks import deliver_notifications

    try:
        deliver_notifications.enqueue(notification_ids)
    except Exception:  # the sweep picks them up; a queue hiccup must not fail the request
        logger.exception("could not enqueue notifications %s", notification_ids)


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


def deliver(notification_id: int) -> bool:
    """Send one email (or chat) notification if it is due; True if it was sent now.

    The claim is an atomic UPDATE from pending to sending, so two workers can never
    both send the same notification.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.PENDING, next_attempt_at__lte=now
    ).update(status=Notification.Status.SENDING, claimed_at=now)
    if not claimed:
        return False
    notification = Notification.objects.get(pk=notification_id)
    try:
        TRANSPORTS.get(notification.channel, _send_email)(notification)
    except Exception as error:
        attempts = notification.attempts + 1
        failed = attempts >= settings.OUTBOX_MAX_ATTEMPTS
        wait = (
            timedelta(seconds=error.seconds)
            if isinstance(error, RetryAfter)
            else Notification.backoff(attempts)
        )
        Notification.objects.filter(pk=notification_id).update(
            status=Notification.Status.FAILED if failed else Notification.Status.PENDING,
            attempts=attempts,
            next_attempt_at=timezone.now() + wait,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            claimed_at=None,
        )
        logger.warning(
            "notification %s not delivered (attempt %s): %s", notification_id, attempts, error
        )
        return False
    Notification.objects.filter(pk=notification_id).update(
        status=Notification.Status.SENT,
        attempts=notification.attempts + 1,
        sent_at=timezone.now(),
        last_error="",
    )
    return True


def _send_email(notification: Notification) -> None:
    body = notification.body
    if notification.link:
        body = f"{body}\n\n{settings.SITE_URL}{notification.link}"
    message = EmailMessage(
        subject=notification.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient_address],
        headers={"Message-ID": f"<notification-{notification.pk}@qamqor.invalid>"},
        connection=get_connection(fail_silently=False),
    )
    message.send()


def sweep_outbox(limit: int = 500) -> int:
    """Retry due notifications and release claims a crashed worker left; returns how many sent."""
    stale = timezone.now() - timedelta(seconds=STALE_CLAIM_SECONDS)
    Notification.objects.filter(status=Notification.Status.SENDING, claimed_at__lt=stale).update(
        status=Notification.Status.PENDING, claimed_at=None
    )
    due = Notification.objects.filter(
        Q(status=Notification.Status.PENDING) & Q(next_attempt_at__lte=timezone.now())
    ).values_list("pk", flat=True)[:limit]
    return sum(deliver(pk) for pk in list(due))


def mark_read(user: User, notification_id: int) -> None:
    Notification.objects.filter(
        pk=notification_id,
        recipient=user,
        channel=Notification.Channel.IN_APP,
        read_at__isnull=True,
    ).update(read_at=timezone.now())


def mark_all_read(user: User) -> int:
    """Mark every unread in-app notification of ``user`` as read; returns how many."""
    return Notification.objects.filter(
        recipient=user, channel=Notification.Channel.IN_APP, read_at__isnull=True
    ).update(read_at=timezone.now())
