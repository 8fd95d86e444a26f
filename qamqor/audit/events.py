"""The shape every timeline event shares: a named thing that happened to one record (a
case, a referral), who did it, when, and the facts as JSON (STYLE, "Two kinds of
history": the audit log in ``models.py`` records reads and changes; these feed the
timelines people read).

It lives in the audit app, the lowest layer that keeps history, so that cases and
referrals, which stand in different layers, both build on it; it names the user model by
its setting only, so it imports no app.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimelineEvent(models.Model):
    """A named thing that happened to ``subject``: its ``kind`` (the subclass lists the
    kinds it knows), when, by whom (None for the system), and facts and codes in
    ``payload``, which may be queried in SQL (so never anything a person typed)."""

    subject_field: ClassVar[str]  # the subclass's foreign key to what happened to

    kind = models.CharField(max_length=24)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{getattr(self, f'{self.subject_field}_id')} {self.kind}"

    def describe(self) -> dict[str, Any]:
        """The event as the API shows it (``apikit.TimelineEventOut``)."""
        return {"kind": self.kind, "at": self.at, "payload": self.payload}
