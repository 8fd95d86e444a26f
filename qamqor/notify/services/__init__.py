"""Notifications: queueing them in the outbox, delivering them, reading them in the
application, and the daily digest (docs/notifications.md).

One module per part; the names the other apps, the worker and the pages use are here:

- ``outbox``: ``notify_users``, ``notify_organisation``, ``notify_addresses``,
  ``queue_message``, ``cancel_pending`` (rows written in the caller's transaction);
- ``delivery``: ``deliver``, ``sweep_outbox``, ``resend``, ``undelivered``, the transports
  (``register_transport``) and their exceptions;
- ``reading``: ``mark_read``, ``mark_all_read``, ``mark_acted_on`` (in the caller's
  transaction);
- ``digest``: ``set_daily_digest``, ``send_digests``.
"""

from qamqor.notify.services.delivery import (
    TRANSPORTS,
    DeliveryUncertain,
    RetryAfter,
    deliver,
    email_message,
    register_transport,
    release_expired_leases,
    resend,
    sweep_outbox,
    transport_worst_case_seconds,
    undelivered,
)
from qamqor.notify.services.digest import (
    DIGEST_TEMPLATE,
    digest_hour,
    send_digests,
    set_daily_digest,
    wants_digest,
)
from qamqor.notify.services.outbox import (
    Recipient,
    cancel_pending,
    notify_addresses,
    notify_organisation,
    notify_users,
    queue_message,
)
from qamqor.notify.services.reading import mark_acted_on, mark_all_read, mark_read

__all__ = [
    "DIGEST_TEMPLATE",
    "TRANSPORTS",
    "DeliveryUncertain",
    "Recipient",
    "RetryAfter",
    "cancel_pending",
    "deliver",
    "digest_hour",
    "email_message",
    "mark_acted_on",
    "mark_all_read",
    "mark_read",
    "notify_addresses",
    "notify_organisation",
    "notify_users",
    "queue_message",
    "register_transport",
    "release_expired_leases",
    "resend",
    "send_digests",
    "set_daily_digest",
    "sweep_outbox",
    "transport_worst_case_seconds",
    "undelivered",
    "wants_digest",
]
