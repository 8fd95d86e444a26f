"""The recommendations tracker (brief 3.2.2): the brief's own recommendations as data, with
their status, the body responsible, the evidence and an append-only history of changes.

The recommendations themselves (number, addressee, summaries in kk/ru/en) come from
``oversight/data/recommendations.json`` (``services.load_recommendations``); the status,
the responsible body and the evidence are kept by the coordinating body (brief 1.2.1),
and everyone, signed in or not, reads them (docs/oversight.md).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qamqor.accounts import access
from qamqor.accounts.models import Role
from qamqor.directory.models import Organisation
from qamqor.files import StoredFile
from qamqor.translation import pick


class Addressee(models.TextChoices):
    """Whom the brief addresses, by its three parts."""

    DECISION_MAKERS = "decision_makers", _("state bodies that decide and oversee the plan")
    ENFORCEMENT = "enforcement", _("state bodies that enforce the plan's regulations")
    INDEPENDENT = "independent", _("independent monitoring and advocacy organisations")


class Status(models.TextChoices):
    NOT_STARTED = "not_started", pgettext_lazy("recommendation status", "not started")
    IN_PROGRESS = "in_progress", pgettext_lazy("recommendation status", "in progress")
    IMPLEMENTED = "implemented", pgettext_lazy("recommendation status", "implemented")
    REJECTED = "rejected", pgettext_lazy("recommendation status", "rejected")


def number_key(number: str) -> tuple[int, ...]:
    """``"2.3.10"`` sorts after ``"2.3.9"``."""
    return tuple(int(part) for part in number.split("."))


class RecommendationQuerySet(access.RestrictedQuerySet["Recommendation"]):
    """Recommendations answer ``restrict(user, "view" | "edit")`` (``oversight.rules``)."""


class Recommendation(models.Model):
    """One numbered recommendation of the brief and where its implementation stands.

    ``position`` is the brief's order (``number_key`` flattened), so lists sort as the
    brief reads; ``section`` is the first two parts of the number (``"1.3"``).
    """

    number = models.CharField(max_length=12, unique=True)
    section = models.CharField(max_length=8, db_index=True)
    position = models.PositiveIntegerField(db_index=True)
    addressee = models.CharField(max_length=20, choices=Addressee.choices, db_index=True)
    summary_kk = models.TextField()
    summary_ru = models.TextField()
    summary_en = models.TextField()
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.NOT_STARTED, db_index=True
    )
    responsible_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responsible_text = models.CharField(
        max_length=200, blank=True, help_text="a body not in the directory (a ministry, …)"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.number

    @property
    def summary(self) -> str:
        """The summary in the active language."""
        return pick({"kk": self.summary_kk, "ru": self.summary_ru, "en": self.summary_en})

    @property
    def responsible(self) -> str:
        """The responsible body as shown: the organisation's name, else the free text."""
        if self.responsible_organisation is not None:
            return self.responsible_organisation.name
        return self.responsible_text

    @property
    def part(self) -> str:
        return self.number.split(".")[0]


class EvidenceDocument(StoredFile):
    """An uploaded document of evidence (an order, a report), checked by content
    (``files.check_upload``, PDFs by ``pdf_check``) and encrypted at rest like every upload."""

    def __str__(self) -> str:
        return self.file_name


class Evidence(models.Model):
    """What shows a recommendation's progress: a link, an uploaded document, or both.

    Evidence is public (monitors read it without signing in), so only published documents
    belong here: the form says so, and no personal data is asked for."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="evidence"
    )
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    document = models.OneToOneField(
        EvidenceDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return self.title


class AppendOnly(Exception):
    """A history row is never changed or deleted."""


class Change(models.Model):
    """One change to a recommendation, kept for ever: who (the user, their role and the
    organisation they acted for), when, the status before and after, the responsible body
    before and after, what evidence was added, and the note.

    Append-only: ``save`` of an existing row and ``delete`` raise; corrections are new
    changes. The public page shows the role and organisation, never the person's name
    (docs/oversight.md)."""

    class Kind(models.TextChoices):
        STATUS = "status", _("status or responsible body changed")
        EVIDENCE = "evidence", _("evidence added")

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="changes"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=24, choices=Role.choices, blank=True)
    actor_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    old_status = models.CharField(max_length=12, choices=Status.choices)
    new_status = models.CharField(max_length=12, choices=Status.choices)
    old_responsible_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    old_responsible_text = models.CharField(max_length=200, blank=True)
    new_responsible_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    new_responsible_text = models.CharField(max_length=200, blank=True)
    evidence = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.recommendation_id}: {self.old_status} → {self.new_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnly("a change is never edited; record a new one")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnly("a change is never deleted")

    @property
    def status_changed(self) -> bool:
        return self.old_status != self.new_status

    @property
    def old_responsible(self) -> str:
        organisation = self.old_responsible_organisation
        return organisation.name if organisation is not None else self.old_responsible_text

    @property
    def new_responsible(self) -> str:
        organisation = self.new_responsible_organisation
        return organisation.name if organisation is not None else self.new_responsible_text

    @property
    def responsible_changed(self) -> bool:
        return (self.old_responsible_organisation_id, self.old_responsible_text) != (
            self.new_responsible_organisation_id,
            self.new_responsible_text,
        )
