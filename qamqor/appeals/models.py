"""Anonymous appeals of specialists to the coordinating body (brief 1.5.4).

The rows keep the tables they had when appeals were part of ``care`` (``care_appeal``,
``care_appealrelease``): the move changed where the code lives, not the data.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qamqor.accounts import access
from qamqor.directory.models import Region
from qamqor.ops.fields import EncryptedTextField


class AppealCategory(models.TextChoices):
    PRESSURE = "pressure", _("pressure from management")
    NON_SPECIALIST_DUTIES = "non_specialist_duties", _("non-specialist duties imposed")
    CONFIDENTIALITY = "confidentiality", _("demands to break confidentiality")
    HARASSMENT = "harassment", _("harassment or threats")
    WORKLOAD = "workload", _("workload beyond the norm")
    OTHER = "other", _("other")


class AppealQuerySet(access.RestrictedQuerySet["Appeal"]):
    """Appeals answer ``restrict(user, "view")`` (``appeals.rules``)."""


class Appeal(models.Model):
    """An anonymous appeal from a specialist to the coordinating body.

    Deliberately without an author: no user, no organisation of the author unless they
    choose to name one, no exact time (only the week), a random primary key (no sequence
    to correlate), and released to the coordinating body in a daily batch, so neither its
    content's arrival time nor its order tells who sent it.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("appeal status", "received")
        IN_REVIEW = "in_review", _("under review")
        ANSWERED = "answered", pgettext_lazy("appeal status", "answered")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    category = models.CharField(max_length=24, choices=AppealCategory.choices)
    text = EncryptedTextField()
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organisation_kind = models.CharField(max_length=24, blank=True)
    week = models.DateField(help_text="the Monday of the week it was sent; no exact time")
    released = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    response = EncryptedTextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    followup_code_hash = models.CharField(max_length=64, unique=True)
    idempotency_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        db_table = "care_appeal"
        ordering = ["-week", "id"]
        indexes = [models.Index(fields=["released", "week"], name="care_appeal_release_6c535b_idx")]

    def __str__(self) -> str:
        return f"appeal {self.id}"


class AppealRelease(models.Model):
    """One daily release of appeals; the unique day makes the release happen once."""

    day = models.DateField(unique=True)
    released = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "care_appealrelease"

    def __str__(self) -> str:
        return f"{self.day}: {self.released}"
