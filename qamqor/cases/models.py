"""Registered cases: number, classification, parties' organisations, timeline."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import RestrictedQuerySet
from qamqor.audit.events import TimelineEvent
from qamqor.classification import (
    ChildSex,
    Outcome,
    PerpetratorRelationship,
    Relationship,
    RiskLevel,
    Setting,
    ViolenceForm,
)
from qamqor.directory.models import Organisation, Region
from qamqor.ops.fields import EncryptedTextField


class ChildQuerySet(RestrictedQuerySet["Child"]):
    """Children; ``restrict(user, "view")`` by ``cases.rules`` and ``care.rules``."""


class Child(models.Model):
    """A child the system knows: a case, a referral or a screening is about them.

    Pseudonymous by default: ``code`` identifies the child in class lists and campaigns;
    the name is recorded only where those who must act need it.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=20, unique=True, help_text="pseudonymous code")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="children")
    school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="pupils"
    )
    full_name = EncryptedTextField(max_length=200, blank=True)  # qamqor.ops.fields
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=8, choices=ChildSex.choices, default=ChildSex.UNKNOWN)
    class_label = models.CharField(max_length=20, blank=True, help_text='e.g. "7B"')
    created_at = models.DateTimeField(default=timezone.now)
    synthetic = models.BooleanField(default=False)

    objects = ChildQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["school", "class_label"])]

    def __str__(self) -> str:
        return self.full_name or self.code

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


class LegalRepresentative(models.Model):
    """A parent or guardian of the child: who they are and how to reach them.

    What they are in one case (the alleged perpetrator, not to be contacted) is recorded
    on that case's ``CaseRepresentative`` link, never on this permanent record (1.3.5).
    """

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="representatives")
    full_name = EncryptedTextField(max_length=200)
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    phone = EncryptedTextField(max_length=32, blank=True, help_text="E.164")
    email = EncryptedTextField(max_length=254, blank=True, validators=[validate_email])
    language = models.CharField(max_length=2, default="ru")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_relationship_display()})"

    def is_alleged_perpetrator_in_any_case(self) -> bool:
        """Marked as the alleged perpetrator in some case of the child (consent, 1.3.4)."""
        return self.case_links.filter(is_alleged_perpetrator=True).exists()


class CaseNumberCounter(models.Model):
    """The last sequence number used per region and year; its row lock keeps numbers gapless."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="one_counter_per_region_year")
        ]

    def __str__(self) -> str:
        return f"{self.region_id}/{self.year}: {self.last}"


class CaseQuerySet(RestrictedQuerySet["Case"]):
    """Cases; ``restrict(user, action)`` by ``cases.rules`` and ``protocols.rules``."""


class Case(models.Model):
    """A report that was registered: it has a number and runs a response protocol (1.3.5)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered")
        IN_PROGRESS = "in_progress", _("in progress")
        CLOSED = "closed", _("closed")

    number = models.CharField(max_length=24, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="cases")
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    school = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="school_cases",
        limit_choices_to={"kind": "school"},
    )
    received_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="received_cases"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REGISTERED)
    setting = models.CharField(max_length=20, choices=Setting.choices)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    in_danger_now = models.BooleanField(default=False)
    repeated = models.BooleanField(
        null=True, help_text="happened two or more times (Order No. 506 p.2); None if unknown"
    )
    summary = EncryptedTextField()
    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    perpetrator_relationship = models.CharField(
        max_length=32,
        choices=PerpetratorRelationship.choices,
        default=PerpetratorRelationship.UNKNOWN,
    )
    self_harm_risk = models.BooleanField(
        default=False, help_text="suicide risk or self-harm is part of the case"
    )
    child_age = models.PositiveSmallIntegerField(null=True, blank=True)
    child_sex = models.CharField(max_length=8, choices=ChildSex.choices, default=ChildSex.UNKNOWN)
    registered_at = models.DateTimeField(default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = EncryptedTextField(blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-registered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "sequence"], name="case_sequence_unique"
            )
        ]
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["school", "status"]),
            models.Index(fields=["registered_at"]),
        ]

    def __str__(self) -> str:
        return self.number

    @staticmethod
    def format_number(region_code: str, year: int, sequence: int) -> str:
        """``KZ-75-2026-000123``: ISO 3166-2 code, year, six-digit sequence (1.3.5)."""
        return f"{region_code}-{year}-{sequence:06d}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def form_codes(self) -> list[str]:
        return [form.code for form in self.forms.all()]

    def get_form_labels(self) -> list[str]:
        labels = dict(ViolenceForm.choices)
        return [str(labels.get(code, code)) for code in self.form_codes]


class CaseRepresentative(models.Model):
    """A legal representative in one case: whether they are its alleged perpetrator and
    whether they may be contacted in it (brief 1.3.5, 1.4.2).

    Neither is a fact about the person: a father suspected in one case is the parent to
    call in his child's next, unrelated one. A representative of the case's child with no
    link row has the defaults (not the perpetrator, may be contacted). Neither an alleged
    perpetrator nor a person marked "do not contact" is ever notified.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="representative_links")
    representative = models.ForeignKey(
        LegalRepresentative, on_delete=models.CASCADE, related_name="case_links"
    )
    is_alleged_perpetrator = models.BooleanField(default=False)
    do_not_contact = models.BooleanField(default=False)
    do_not_contact_reason = EncryptedTextField(blank=True)  # may name family matters
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "representative"], name="one_link_per_case_representative"
            ),
            models.CheckConstraint(
                condition=models.Q(do_not_contact=False) | ~models.Q(do_not_contact_reason=""),
                name="do_not_contact_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.representative_id}"

    @property
    def may_be_notified(self) -> bool:
        return not (self.is_alleged_perpetrator or self.do_not_contact)


class CaseViolenceForm(models.Model):
    """One form of violence in a case; a row each so statistics can count them."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="forms")
    code = models.CharField(max_length=32, choices=ViolenceForm.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="case_form_unique")]
        indexes = [models.Index(fields=["code"])]

    def __str__(self) -> str:
        return self.code


class CaseEvent(TimelineEvent):
    """A named thing that happened to a case: the case timeline (STYLE, "Two
    kinds of history")."""

    subject_field = "case"

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("registered")
        PROTOCOL_STARTED = "protocol_started", _("protocol started")
        STEP_OPENED = "step_opened", _("step opened")
        STEP_COMPLETED = "step_completed", _("step completed")
        STEP_SKIPPED = "step_skipped", _("step not needed")
        STEP_REMINDED = "step_reminded", _("reminder sent before the deadline")
        STEP_ESCALATED = "step_escalated", _("step overdue, escalated")
        NOTIFICATION_WITHHELD = "notification_withheld", _("notification withheld")
        RECLASSIFIED = "reclassified", _("reclassified, protocol switched")
        CLOSED = "closed", _("closed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    # what someone typed about the event (a reclassification's reason, why a notice was
    # not sent): it may name the family, so it is encrypted, never in ``payload``
    note = EncryptedTextField(blank=True)


class CaseMessage(models.Model):
    """A message between the organisations working on a case: the interagency thread.

    It keeps case talk inside the system instead of personal messengers (brief 2.2.1).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField()  # staff write about the child: encrypted (qamqor.ops.fields)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.body[:40]}"


class CaseMessageReceipt(models.Model):
    """That one organisation on the case has read a message: who read it and when."""

    message = models.ForeignKey(CaseMessage, on_delete=models.CASCADE, related_name="receipts")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "organisation"], name="one_receipt_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_id} read by {self.organisation_id}"
