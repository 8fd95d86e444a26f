"""Background delivery of outbox notifications."""

from __future__ import annotations

from django_tasks import task

from qamqor.notify import services


@task()
def deliver_notification(notification_id: int) -> bool:
    return services.deliver(notification_id)
