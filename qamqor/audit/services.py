"""Writing and verifying the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from qamqor.audit.context import current_request
from qamqor.audit.models import AuditEvent

GENESIS = "0" * 64
_CHAIN_LOCK_KEY = 7_201_126  # PostgreSQL advisory lock that serialises the chain's tail


def _lock_chain() -> None:
    """Serialise appends so each event links to the true previous one.

    SQLite already serialises writers (IMMEDIATE transactions); on PostgreSQL an advisory
    transaction lock does the same without blocking readers.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: object,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. ``actor`` is a user or None (a public or system action)."""
    context = current_request.get()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            actor_id=actor.pk if authenticated else None,
            actor_label=(actor.get_username() if authenticated else "anonymous"),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            request_id=context.request_id if context else "",
            ip_address=context.ip_address if context else None,
            changes=changes or {},
            prev_hash=last or GENESIS,
        )
        event.hash = event.compute_hash()
        event.save()
    return event


@dataclass(frozen=True)
class ChainCheck:
    checked: int
    first_broken_id: int | None

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def verify_chain(batch_size: int = 5000) -> ChainCheck:
    """Recompute every hash in order; report the first event that does not match."""
    previous = GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        if event.prev_hash != previous or event.compute_hash() != event.hash:
            return ChainCheck(checked=checked, first_broken_id=event.pk)
        previous = event.hash
        checked += 1
    return ChainCheck(checked=checked, first_broken_id=None)
