"""Small builders for the in-app list tests: notifications written straight into the
outbox table (their texts in every language), so that a test sets exactly what it needs."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from qamqor.accounts.models import User
from qamqor.notify.models import Notification

_serial = itertools.count(1)


def note(
    user: User,
    template: str,
    *,
    case: Any = None,
    read: bool = False,
    minutes_ago: int = 0,
    subject: str = "",
    channel: str = Notification.Channel.IN_APP,
) -> Notification:
    """One of ``user``'s notifications; its subject says which language it is in."""
    n = next(_serial)
    subject = subject or f"{template} {n}"
    now = timezone.now() - timedelta(minutes=minutes_ago)
    in_app = channel == Notification.Channel.IN_APP
    return Notification.objects.create(
        channel=channel,
        recipient=user,
        recipient_address="" if in_app else (user.email or f"{user.username}@example.org"),
        template=template,
        language="ru",
        subject=f"{subject} ru",
        body=f"body {n} ru",
        texts={code: [f"{subject} {code}", f"body {n} {code}"] for code in ("kk", "ru", "en")}
        if in_app
        else {},
        case=case,
        dedupe_key=f"test:{n}:{template}",
        status=Notification.Status.SENT if in_app else Notification.Status.PENDING,
        created_at=now,
        read_at=now if read else None,
    )
