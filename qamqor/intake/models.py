"""Reports as they arrive, before and after triage."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import RestrictedQuerySet
from qamqor.classification import Setting
from qamqor.directory.models import Organisation, Region
from qamqor.files import StoredFile
from qamqor.ops.fields import EncryptedTextField


class Channel(models.TextChoices):
    """How a report came in (brief 1.3.2); later intake issues add their channels' details."""

    WEB_FORM = "web_form", _("web form or QR code")
    STAFF_ENTRY = "staff_entry", _("oral report or message box, entered by staff")
    MESSAGE_BOX = "message_box", _("note from a school's message box, entered by staff")
    ORAL_REPORT = "oral_report", _("oral report to a member of staff")
    HELPLINE_111 = "helpline_111", _("111 contact center")
    EMAIL = "email", _("email")
    CHATBOT = "chatbot", _("chatbot")


class ReporterRole(models.TextChoices):
    CHILD = "child", _("the child")
    PARENT = "parent", _("parent or legal representative")
    WITNESS = "witness", _("another child or witness")
    STAFF = "staff", _("teacher or school staff")
    OTHER = "other", _("someone else")


class ReportQuerySet(RestrictedQuerySet["Report"]):
    """Reports; ``restrict(user, action)`` by ``intake.rules``."""

    def awaiting_triage(self) -> ReportQuerySet:
        return self.filter(status=Report.Status.NEW)


class Report(models.Model):
    """What someone told us, exactly as they told it; triage turns it into a case."""

    class Status(models.TextChoices):
        NEW = "new", _("new, awaiting triage")
        REGISTERED = "registered", _("registered as a case")
        DISMISSED = "dismissed", _("dismissed")
        UNTRUE = "untrue", _("closed as untrue and meant to harm")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="reports")
    school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_by = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    narrative = EncryptedTextField()  # encrypted at rest (qamqor.ops.fields)
    forms = models.JSONField(default=list, help_text="violence form codes the reporter chose")
    setting = models.CharField(max_length=20, choices=Setting.choices, default=Setting.UNKNOWN)
    in_danger_now = models.BooleanField(default=False)
    self_harm_risk = models.BooleanField(
        default=False, help_text="the reporter says the child may hurt themselves"
    )
    anonymous = models.BooleanField(default=True)
    reporter_role = models.CharField(
        max_length=10, choices=ReporterRole.choices, default=ReporterRole.CHILD
    )
    reporter_name = EncryptedTextField(max_length=200, blank=True)
    reporter_contact = EncryptedTextField(max_length=200, blank=True)
    language = models.CharField(max_length=2, default="ru")
    followup_code_hash = models.CharField(max_length=64, unique=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)
    channel_ref = models.CharField(
        max_length=32, blank=True, db_index=True, help_text="keyed hash of the chat id or address"
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="staff member who entered it on the reporter's behalf",
    )
    taken_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    dismissal_reason = EncryptedTextField(blank=True)
    # named, not imported: cases sit above intake (docs/decisions/0012-layers.md)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["region", "status"]),
        ]

    def __str__(self) -> str:
        return f"report {self.public_id}"

    @property
    def urgent(self) -> bool:
        """In danger now or at risk of self-harm: a life-safety alert went out at once."""
        return self.in_danger_now or self.self_harm_risk

    def closed_at(self) -> datetime | None:
        """When the reporter's matter ended: dismissal, or the closure of its case."""
        if self.status in {Report.Status.DISMISSED, Report.Status.UNTRUE}:
            return self.triaged_at
        if self.case is not None and self.case.closed_at is not None:
            return self.case.closed_at
        return None


class ReportAttachment(StoredFile):
    """A photo or PDF sent with a report (or a photo of a paper note), kept in the database
    like the care scans: never in a public folder, served only through the access policy."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.file_name


class ReporterMessage(models.Model):
    """One message of the thread between an (often anonymous) reporter and the case handler.

    The reporter sees only these messages: no internal notes, no staff names (the staff
    author is kept for the audit, shown to the reporter as "the child protection team").
    """

    class Sender(models.TextChoices):
        REPORTER = "reporter", _("the reporter")
        STAFF = "staff", _("the child protection team")
        SYSTEM = "system", _("Qamqor")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=8, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    read_by_staff_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["report", "created_at"])]

    def __str__(self) -> str:
        return f"{self.sender} message on {self.report_id}"


class LifeSafetyAlert(models.Model):
    """A report of a child in danger now (or at risk of suicide) sent to the on-duty
    responders at once and again every few minutes until someone acknowledges it."""

    class Reason(models.TextChoices):
        IN_DANGER_NOW = "in_danger_now", _("the child is in danger now")
        SUICIDE_RISK = "suicide_risk", _("the child may hurt themselves")

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="alert")
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.IN_DANGER_NOW)
    raised_at = models.DateTimeField(default=timezone.now)
    next_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    rounds = models.JSONField(
        default=list, blank=True, help_text="when each round was sent (ISO 8601), for the timeline"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_step = models.CharField(
        max_length=64,
        blank=True,
        help_text="key of the protocol step whose completion acknowledged the alert",
    )
    responders = models.ManyToManyField(Organisation, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["acknowledged_at", "next_at"])]

    def __str__(self) -> str:
        return f"life-safety alert on {self.report_id}"


class RateLimitCounter(models.Model):
    """Hits of one key (a keyed hash of a client address or channel identifier) in one
    fixed window; kept in the database so every process and machine shares the count."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="ratelimit_key_window")
        ]
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.window_start}: {self.count}"
