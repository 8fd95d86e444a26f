"""The audit log: append-only and hash-chained, so an edit or a deletion shows.

Nothing in the application updates or deletes a row: ``save`` refuses an existing row,
``delete`` refuses always, the admin is not registered, and on PostgreSQL a trigger
rejects UPDATE and DELETE (migration 0002) even from a shell.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import models
from django.utils import timezone


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit event."""


class AuditEvent(models.Model):
    """One read or change of a protected object: who, what, which object, when, which request."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("audit events cannot be deleted")

    def canonical(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "request_id": self.request_id,
            "ip_address": self.ip_address,
            "changes": self.changes,
        }

    def compute_hash(self) -> str:
        body = json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256((self.prev_hash + body).encode()).hexdigest()


class AuditAnchor(models.Model):
    """The chain's head at one moment: how many events there were and the last one's hash.

    Written by the worker's sweep (``anchor_chain``) at most every ``AUDIT_ANCHOR_HOURS``
    and by ``qamqor manage anchor_audit``; ``verify_audit`` checks every anchor, so
    removing the newest events (which the chain alone cannot show) is detected up to the
    last anchor. Like the events, anchors are append-only (trigger, migration 0004); in
    production the table belongs to its own role and the application role may only insert
    and read, and a copy goes to a file outside the database (docs/security.md).
    """

    at = models.DateTimeField(default=timezone.now)
    event_count = models.BigIntegerField()
    head_id = models.BigIntegerField(null=True, blank=True)
    head_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.event_count} events, head {self.head_hash[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("audit anchors cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("audit anchors cannot be deleted")
