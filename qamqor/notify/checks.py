"""``manage.py check``: the outbox lease must outlast the slowest transport try."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register()
def lease_outlasts_transports(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A lease shorter than a try would let a second worker take a notification that the
    first is still sending: the message would go out twice."""
    from qamqor.notify.services import transport_worst_case_seconds

    worst = transport_worst_case_seconds()
    if worst < settings.OUTBOX_LEASE_SECONDS:
        return []
    return [
        Error(
            f"QAMQOR_OUTBOX_LEASE_SECONDS ({settings.OUTBOX_LEASE_SECONDS}) must exceed the "
            f"longest a delivery try can take ({worst} s from QAMQOR_EMAIL_DATA_TIMEOUT, "
            "QAMQOR_EMAIL_TIMEOUT and the chat and SMS timeouts)",
            hint="raise QAMQOR_OUTBOX_LEASE_SECONDS or lower the transport timeouts",
            id="notify.E001",
        )
    ]
