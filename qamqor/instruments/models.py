"""Instrument versions, administrations (one child answering one instrument), alerts on
critical answers, and screening campaigns with their class lists."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import RestrictedQuerySet
from qamqor.cases.models import Case, Child
from qamqor.classification import ChildSex
from qamqor.directory.models import District, Organisation, Region
from qamqor.instruments.definitions import InstrumentSpec, cached_spec, spec_for
from qamqor.translation import pick

LANGUAGE_CHOICES = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]


class InstrumentVersion(models.Model):
    """A published version of an instrument definition; an administration keeps its version."""

    code = models.CharField(max_length=30)
    version = models.PositiveIntegerField()
    definition = models.JSONField()
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="instrument_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.short_name} v{self.version}"

    @property
    def spec(self) -> InstrumentSpec:
        """The parsed definition; the stored JSON is read only the first time in a process
        (so hot reads may ``defer("definition")``)."""
        return cached_spec(self.checksum) or spec_for(self.checksum, self.definition)

    @property
    def short_name(self) -> str:
        return self.spec.short_name

    @property
    def name(self) -> str:
        return pick(self.spec.name.as_dict())


class AdministrationQuerySet(RestrictedQuerySet["Administration"]):
    """Administrations; ``restrict(user, "view")``: those whose answers and results the
    user may see (``instruments.rules``)."""

    def completed(self) -> AdministrationQuerySet:
        return self.filter(status=Administration.Status.COMPLETED)


class Administration(models.Model):
    """One child answering one instrument version: in an interview, alone through a
    one-time code, or imported from another system as a FHIR QuestionnaireResponse."""

    class Mode(models.TextChoices):
        INTERVIEW = "interview", _("interview with a psychologist")
        SELF = "self", _("by the child alone, with a one-time code")
        IMPORTED = "imported", _("imported from FHIR")

    class StatedScale(models.TextChoices):
        RAW = "raw", _("raw total")
        SCORE = "score", _("final score")

    class Status(models.TextChoices):
        INVITED = "invited", _("code handed out, not answered yet")
        IN_PROGRESS = "in_progress", _("interview in progress")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    instrument = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="administrations"
    )
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="administrations")
    campaign = models.ForeignKey(
        "Campaign",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="administrations",
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="administrations",
        help_text="the school or PSC that runs it",
    )
    mode = models.CharField(max_length=10, choices=Mode.choices)
    status = models.CharField(max_length=12, choices=Status.choices)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="ru")
    access_code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    raw_total = models.IntegerField(null=True, blank=True)
    score = models.IntegerField(null=True, blank=True, help_text="raw total × the multiplier")
    subscales = models.JSONField(default=dict, blank=True)
    band = models.CharField(max_length=30, blank=True)
    needs_follow_up = models.BooleanField(default=False)
    critical = models.BooleanField(default=False)
    stated_total = models.IntegerField(
        null=True, blank=True, help_text="the total an imported response claimed"
    )
    stated_total_scale = models.CharField(
        max_length=5,
        choices=StatedScale.choices,
        blank=True,
        help_text="the scale the stated total is on (WHO-5: raw 0–25 or the score 0–100)",
    )
    # Where an imported response came from: the system that issued its identifier (or sent
    # its id) and that identifier. Unique together, so one response is one administration
    # however often, and however concurrently, it is sent.
    source_system = models.CharField(max_length=255, blank=True)
    source_id = models.CharField(max_length=255, blank=True)
    # Denormalised at creation so that national aggregates need no join (DESIGN §9).
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    age_years = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=8, choices=ChildSex.choices, default=ChildSex.UNKNOWN)

    objects = AdministrationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["child", "status", "submitted_at"]),
            models.Index(fields=["campaign", "status"]),
            models.Index(fields=["instrument", "status", "region", "band"]),
            models.Index(
                fields=["campaign", "school"],
                condition=Q(needs_follow_up=True),
                name="administration_follow_up",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "source_id"],
                condition=~Q(source_id=""),
                name="administration_source_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} · {self.child_id} · {self.status}"

    @property
    def spec(self) -> InstrumentSpec:
        return self.instrument.spec

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED

    @property
    def recomputed_on_stated_scale(self) -> int | None:
        """The recomputed total on the scale the imported response stated its total in
        (WHO-5: the raw sum of 0 to 25 or the score of 0 to 100)."""
        if self.stated_total_scale == self.StatedScale.RAW:
            return self.raw_total
        return self.score

    @property
    def total_mismatch(self) -> bool:
        """An imported response stated a total that its own answers do not give."""
        stated = self.stated_total
        return stated is not None and stated != self.recomputed_on_stated_scale

    def band_label(self) -> str:
        band = self.spec.band(self.band) if self.band else None
        return pick(band.label.as_dict()) if band else ""

    def is_expired(self, now: Any = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class Alert(models.Model):
    """A critical answer pattern in one administration: the psychologist is told at once,
    the PSC when nobody acknowledges it in time (QAMQOR_ALERT_ESCALATION_MINUTES)."""

    administration = models.ForeignKey(
        Administration, on_delete=models.CASCADE, related_name="alerts"
    )
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(max_length=40)
    severity = models.CharField(max_length=20)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opens_protocol = models.CharField(max_length=40, blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["administration", "rule"], name="one_alert_per_rule")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(acknowledged_at__isnull=True, escalated_at__isnull=True),
                name="alert_awaiting_escalation",
            ),
            models.Index(fields=["organisation", "acknowledged_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.administration_id}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

    def label(self) -> str:
        rule = self.administration.spec.alert_rule(self.rule)
        return pick(rule.label.as_dict()) if rule else self.rule


class CampaignQuerySet(RestrictedQuerySet["Campaign"]):
    """Campaigns; ``restrict(user, "view")``: those the user runs, takes part in (a
    school's psychologist) or coordinates (``instruments.rules``)."""


class Campaign(models.Model):
    """A screening campaign of a school, a district or a region with one instrument."""

    class Level(models.TextChoices):
        SCHOOL = "school", _("school")
        DISTRICT = "district", _("district")
        REGION = "region", _("region")

    class Status(models.TextChoices):
        ENROLLING = "enrolling", _("preparing class lists")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    instrument = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="campaigns"
    )
    level = models.CharField(max_length=10, choices=Level.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    class_labels = models.JSONField(default=list, blank=True)
    consent_required = models.BooleanField(default=True)
    follow_up_threshold = models.IntegerField(null=True, blank=True)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="ru")
    opens_on = models.DateField()
    closes_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return self.title


class CampaignPupil(models.Model):
    """A pupil on a campaign's class list: consent, and the one-time code's administration."""

    class Consent(models.TextChoices):
        UNKNOWN = "unknown", _("not recorded")
        GIVEN = "given", _("given")
        REFUSED = "refused", _("refused")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="pupils")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    class_label = models.CharField(max_length=20, blank=True)
    consent = models.CharField(max_length=10, choices=Consent.choices, default=Consent.UNKNOWN)
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    administration = models.OneToOneField(
        Administration, on_delete=models.SET_NULL, null=True, blank=True, related_name="pupil"
    )

    class Meta:
        ordering = ["class_label", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "child"], name="campaign_pupil_unique")
        ]
        indexes = [models.Index(fields=["campaign", "school", "class_label"])]

    def __str__(self) -> str:
        return f"{self.campaign_id} · {self.child_id}"

    def may_answer(self, consent_required: bool) -> bool:
        return self.consent == self.Consent.GIVEN or (
            not consent_required and self.consent != self.Consent.REFUSED
        )
