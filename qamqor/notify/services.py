"""Queueing notifications in the outbox and delivering them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from qamqor.accounts.models import Membership, User
from qamqor.directory.models import Organisation
from qamqor.notify.models import Notification
from qamqor.translation import pick

logger = logging.getLogger(__name__)

STALE_CLAIM_SECONDS = 600


def _render(template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """Subject and body in ``language``; {kk, ru, en} texts in the context are picked too."""
    context = {
        key: pick(value, language) if isinstance(value, dict) and "ru" in value else value
        for key, value in context.items()
    }
    with translation.override(language):
        subject = render_to_string(f"notify/{template}.subject.txt", context).strip()
        body = render_to_string(f"notify/{template}.body.txt", context).strip()
    return " ".join(subject.split()), body


def _queue(
    *,
    channel: str,
    template: str,
    context: dict[str, Any],
    dedupe_key: str,
    language: str,
    recipient: User | None = None,
    address: str = "",
    organisation: Organisation | None = None,
    case: Any = None,
    link: str = "",
) -> Notification | None:
    subject, body = _render(template, language, {**context, "link": link})
    notification, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "channel": channel,
            "template": template,
            "language": language,
            "recipient": recipient,
            "recipient_address": address,
            "organisation": organisation,
            "case": case,
            "subject": subject,
            "body": body,
            "link": link,
        },
    )
    if not created:
        return None
    if channel == Notification.Channel.IN_APP:
        # In-app notifications are delivered by being stored; nothing more to send.
        Notification.objects.filter(pk=notification.pk).update(
            status=Notification.Status.SENT, sent_at=timezone.now()
        )
    else:
        transaction.on_commit(lambda: _enqueue_delivery(notification.pk))
    return notification


def _enqueue_delivery(notification_id: int) -> None:
    from qamqor.notify.tasks import deliver_notification

    try:
        deliver_notification.enqueue(notification_id)
    except Exception:  # the sweep picks it up; a queue hiccup must not fail the request
        logger.exception("could not enqueue notification %s", notification_id)


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
    count = 0
    for user in users:
        language = user.preferred_language
        for channel, address in (
            (Notification.Channel.IN_APP, ""),
            (Notification.Channel.EMAIL, user.email),
        ):
            if channel == Notification.Channel.EMAIL and not address:
                continue
            if _queue(
                channel=channel,
                template=template,
                context=context,
                dedupe_key=f"{key}:{channel}:u{user.pk}",
                language=language,
                recipient=user,
                address=address,
                case=case,
                link=link,
            ):
                count += 1
    return count


def notify_organisation(
    organisation: Organisation,
    template: str,
    context: dict[str, Any],
    *,
    key: str,
    case: Any = None,
    link: str = "",
    roles: Iterable[str] | None = None,
) -> int:
    """Every active member (optionally of some roles), plus the institutional mailbox."""
    members = Membership.objects.filter(organisation=organisation, active=True)
    if roles is not None:
        members = members.filter(role__in=list(roles))
    users = User.objects.filter(pk__in=members.values("user_id"), is_active=True).order_by("pk")
    count = notify_users(users, template, context, key=key, case=case, link=link)
    if organisation.email and _queue(
        channel=Notification.Channel.EMAIL,
        template=template,
        context=context,
        dedupe_key=f"{key}:email:o{organisation.pk}",
        language="ru",
        address=organisation.email,
        organisation=organisation,
        case=case,
        link=link,
    ):
        count += 1
    return count


def deliver(notification_id: int) -> bool:
    """Send one email notification if it is due; True if it was sent now.

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
        _send_email(notification)
    except Exception as error:
        attempts = notification.attempts + 1
        failed = attempts >= settings.OUTBOX_MAX_ATTEMPTS
        Notification.objects.filter(pk=notification_id).update(
            status=Notification.Status.FAILED if failed else Notification.Status.PENDING,
            attempts=attempts,
            next_attempt_at=timezone.now() + Notification.backoff(attempts),
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
