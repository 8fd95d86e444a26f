"""Writing and verifying the audit log."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from qamqor.audit.context import current_request
from qamqor.audit.models import AuditAnchor, AuditEvent
from qamqor.ops.fields import blind_index
from qamqor.units import entry_point_in_steps

logger = logging.getLogger(__name__)
ANCHOR_FILE_NAME = "audit-anchors.jsonl"

GENESIS = "0" * 64
_CHAIN_LOCK_KEY = 7_201_126  # PostgreSQL advisory lock that serialises the chain's tail


def sealed(text: str) -> dict[str, Any] | str:
    """What the log keeps of a free text someone typed (a note, a reason, a step's
    answer): its length and a keyed digest, never the words, which may name a child or a
    family (docs/security.md "Encryption at rest"). Whoever holds the text can show it is
    the one recorded (``sealed(text) == changes[...]``); the log cannot be read for it, and
    being append-only it could never be re-encrypted or pseudonymised later."""
    if not text:
        return ""
    return {"sealed": blind_index(text, purpose="audit")[:32], "length": len(text)}


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


# --- reads of lists ---------------------------------------------------------------------------


def listed_id(item: Any, attribute: str) -> object:
    """The id an audit event names for one listed item (a model or a dict; dotted paths)."""
    value = item
    for part in attribute.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


def record_list(
    *, actor: Any, object_type: str, object_ids: list[object], total: int | None = None
) -> AuditEvent | None:
    """One event for a list of personal data someone was shown, naming every object in it
    (DESIGN §5.2: every read is written down, lists too). ``action`` is
    ``<object_type>.list``; the ids are in ``changes["ids"]``. An empty list shows nobody
    and is not recorded."""
    if not object_ids:
        return None
    ids = [str(object_id) for object_id in object_ids]
    return record(
        actor=actor,
        action=f"{object_type}.list",
        object_type=object_type,
        object_id=f"list:{len(ids)}",
        changes={"ids": ids, "total": total if total is not None else len(ids)},
    )


# --- anchors: the chain's head kept where the application cannot change it -----------------


@dataclass(frozen=True)
class Anchor:
    at: str
    event_count: int
    head_id: int | None
    head_hash: str
    source: str  # "table" or the file's path


def _anchor_file() -> Path | None:
    directory = getattr(settings, "AUDIT_ANCHOR_DIR", "")
    return Path(directory) / ANCHOR_FILE_NAME if directory else None


@entry_point_in_steps
def anchor_chain(*, force: bool = False) -> AuditAnchor | None:
    """Write the chain's head (event count, last id and hash) to the anchors table and, if
    ``AUDIT_ANCHOR_DIR`` is set, append it to the anchors file there. Without ``force``
    only when the last anchor is older than ``AUDIT_ANCHOR_HOURS`` (the worker's sweep
    calls this every pass; several workers may: the chain lock makes one of them write)."""
    with transaction.atomic():
        _lock_chain()
        last = AuditAnchor.objects.order_by("-id").first()
        due = timezone.now() - timedelta(hours=settings.AUDIT_ANCHOR_HOURS)
        if not force and last is not None and last.at > due:
            return None
        head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        anchor = AuditAnchor.objects.create(
            event_count=AuditEvent.objects.count(),
            head_id=head[0] if head else None,
            head_hash=head[1] if head else GENESIS,
        )
    path = _anchor_file()
    if path is not None:
        line = json.dumps(
            {
                "at": anchor.at.isoformat(),
                "event_count": anchor.event_count,
                "head_id": anchor.head_id,
                "head_hash": anchor.head_hash,
            }
        )
        # O_APPEND: each anchor one whole line at the end, also with the file set
        # append-only (chattr +a) so that even this process cannot rewrite earlier lines.
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(descriptor, (line + "\n").encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    logger.info("audit anchored: %s events, head %s", anchor.event_count, anchor.head_hash[:12])
    return anchor


def anchors() -> list[Anchor]:
    """Every anchor from the table and, if configured, from the file."""
    found = [
        Anchor(a.at.isoformat(), a.event_count, a.head_id, a.head_hash, "table")
        for a in AuditAnchor.objects.order_by("id")
    ]
    path = _anchor_file()
    if path is not None and path.exists():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                found.append(
                    Anchor(
                        str(data["at"]),
                        int(data["event_count"]),
                        data["head_id"],
                        str(data["head_hash"]),
                        f"{path}:{number}",
                    )
                )
            except (ValueError, KeyError, TypeError):
                found.append(Anchor("?", -1, None, "unreadable", f"{path}:{number}"))
    return found


def verify_anchors() -> list[str]:
    """Problems between the log and its anchors: an anchored head that is gone or changed,
    or fewer events up to it than were anchored (the newest events removed). Empty if none."""
    problems = []
    for anchor in anchors():
        where = f"anchor of {anchor.at} ({anchor.source})"
        if anchor.event_count < 0:
            problems.append(f"{where}: unreadable")
            continue
        if anchor.head_id is None:
            if anchor.event_count != 0:
                problems.append(f"{where}: no head but {anchor.event_count} events")
            continue
        head = AuditEvent.objects.filter(pk=anchor.head_id).values_list("hash", flat=True).first()
        if head is None:
            problems.append(
                f"{where}: event {anchor.head_id} is missing (the log was cut after it)"
            )
            continue
        if head != anchor.head_hash:
            problems.append(f"{where}: event {anchor.head_id} has another hash")
        count = AuditEvent.objects.filter(pk__lte=anchor.head_id).count()
        if count != anchor.event_count:
            problems.append(
                f"{where}: {count} events up to {anchor.head_id}, {anchor.event_count} anchored"
            )
    return problems
