"""Background delivery of outbox notifications."""

from __future__ import annotations

from django_tasks import task

from qamqor.notify import services


@task()
def deliver_notifications(notification_ids: list[int]) -> int:
    """Send the given email notifications; returns how many were sent now."""
    return sum(services.deliver(pk) for pk in notification_ids)
