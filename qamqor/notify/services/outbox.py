"""Queueing notifications in the outbox: one row per recipient and channel, rendered once
per language, deduplicated by key, handed to the worker after the transaction commits
(docs/notifications.md)."""

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template import Context, Engine, engines
from django.utils import timezone, translation

from qamqor.accounts.models import Membership, User
from qamqor.directory.models import Organisation
from qamqor.notify.models import ADDRESS_PURPOSE, Notification
from qamqor.ops.fields import blind_index
from qamqor.translation import LANGUAGE_CODES, pick

logger = logging.getLogger(__name__)


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
