"""Background delivery of outbox notifications."""

from __future__ import annotations

from django_tasks import task

from qamqor.notify import services
from qamqor.notify.models import Notification


@task()
def deliver_notifications(notifications: list[str] | list[int]) -> int:
    """Send the given notifications, named by dedupe key (what a committed transaction
    queued) or by id (a resend); returns how many were sent now. A key whose row does not
    exist (its savepoint was rolled back) or is no longer pending is skipped."""
    keys = [item for item in notifications if isinstance(item, str)]
    ids = [item for item in notifications if isinstance(item, int)]
    if keys:
        ids += Notification.objects.filter(
            dedupe_key__in=keys, status=Notification.Status.PENDING
        ).values_list("pk", flat=True)
    return sum(services.deliver(pk) for pk in ids)
