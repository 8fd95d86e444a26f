"""Referrals between organisations and their lifecycle (brief 1.3.1, 2.3.8).

One standard form for every direction — school → PSC, PSC → healthcare, PSC → another
service — and self-referrals, where a child or parent asks a PSC directly. A referral is
sent, then accepted or declined with a reason before its deadline, then completed with a
short feedback note to the referrer (no confidential content), or cancelled.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import RestrictedQuerySet
from qamqor.audit.events import TimelineEvent
from qamqor.care.models import ChildShare
from qamqor.cases.models import Case, Child
from qamqor.directory.models import Organisation
from qamqor.files import StoredFile
from qamqor.ops.fields import EncryptedTextField


class ReferralKind(models.TextChoices):
    SCHOOL_TO_PSC = "school_to_psc", _("school → PSC")
    PSC_TO_HEALTH = "psc_to_health", _("PSC → healthcare")
    PSC_TO_SERVICE = "psc_to_service", _("PSC → another service")
    SELF_REFERRAL = "self_referral", _("self-referral to a PSC")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("routine")
    URGENT = "urgent", _("urgent")
    EMERGENCY = "emergency", _("emergency: life or health in danger")


class Concern(models.TextChoices):
    """Why the child is referred; stable codes for statistics, labels translated."""

    BULLYING = "bullying", _("bullying")
    CYBERBULLYING = "cyberbullying", _("cyberbullying")
    VIOLENCE = "violence", _("violence")
    SEXUAL_VIOLENCE = "sexual_violence", _("sexual violence")
    SUICIDE_RISK = "suicide_risk", _("suicide risk")
    SELF_HARM = "self_harm", _("self-harm")
    EMOTIONAL = "emotional", _("emotional difficulties")
    FAMILY_CONFLICT = "family_conflict", _("family conflict")
    OTHER = "other", _("other")


class SelfReferralChannel(models.TextChoices):
    WEB_FORM = "web_form", _("the PSC's web form")
    HELPLINE_111 = "helpline_111", _("111 contact center")
    CHATBOT = "chatbot", _("chatbot")
    PHONE = "phone", _("phone call to the PSC")
    WALK_IN = "walk_in", _("came to the PSC")


class Requester(models.TextChoices):
    CHILD = "child", _("the child")
    PARENT = "parent", _("parent or legal representative")


class ReferralQuerySet(RestrictedQuerySet["Referral"]):
    """Referrals; ``restrict(user, "view")`` by ``referrals.rules``."""

    def awaiting_answer(self) -> ReferralQuerySet:
        return self.filter(status=Referral.Status.SENT)


class Referral(models.Model):
    """One child referred from one organisation (or from the child) to another."""

    class Status(models.TextChoices):
        SENT = "sent", _("sent, awaiting an answer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        COMPLETED = "completed", _("service completed")
        CANCELLED = "cancelled", _("cancelled")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=ReferralKind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="referrals")
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    from_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_sent",
        help_text="empty for a self-referral through the public form",
    )
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals_received"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    share = models.OneToOneField(
        ChildShare, on_delete=models.PROTECT, null=True, blank=True, related_name="referral"
    )
    concern = models.CharField(max_length=20, choices=Concern.choices)
    reason = EncryptedTextField()  # encrypted at rest (qamqor.ops.fields)
    actions_taken = EncryptedTextField(blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    respond_by = models.DateTimeField()
    escalation_level = models.PositiveSmallIntegerField(default=0)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = EncryptedTextField(blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_referrals",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    feedback = EncryptedTextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = EncryptedTextField(max_length=300, blank=True)
    # self-referral only
    channel = models.CharField(max_length=16, choices=SelfReferralChannel.choices, blank=True)
    requester = models.CharField(max_length=8, choices=Requester.choices, blank=True)
    contact = EncryptedTextField(max_length=200, blank=True)  # a phone or email
    child_age = models.PositiveSmallIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    school_named = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="the child's school as they named it; never told without agreement",
    )
    school_may_be_told = models.BooleanField(default=False)
    school_informed_at = models.DateTimeField(null=True, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["to_organisation", "status", "respond_by"]),
            models.Index(fields=["from_organisation", "status"]),
            models.Index(fields=["status", "respond_by", "escalation_level"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="self_referral") | Q(share__isnull=False),
                name="referral_rests_on_a_share",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """A short reference people can read out: ``R-3F9A12BC``."""
        return f"R-{self.public_id.hex[:8].upper()}"

    @property
    def is_self_referral(self) -> bool:
        return self.kind == ReferralKind.SELF_REFERRAL

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.SENT, self.Status.ACCEPTED)

    def is_overdue(self, now: object = None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.SENT and self.respond_by < now  # type: ignore[operator]

    @property
    def overdue(self) -> bool:
        return self.is_overdue()


class ReferralEvent(TimelineEvent):
    """A named thing that happened to a referral: its timeline."""

    subject_field = "referral"

    class Kind(models.TextChoices):
        SENT = "sent", _("sent")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        COMPLETED = "completed", _("completed, feedback sent")
        CANCELLED = "cancelled", _("cancelled")
        ESCALATED = "escalated", _("not answered in time, escalated")
        SCHOOL_INFORMED = "school_informed", _("school informed")
        ATTACHMENT_ADDED = "attachment_added", _("attachment added")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)


class ReferralAttachment(StoredFile):
    """A document sent with a referral (a letter, a previous assessment)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.file_name
