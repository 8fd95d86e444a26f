"""The 111 contact center: call records from the telephony system and the operators' call
cards (brief 1.2.2, docs/channels.md)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import RestrictedQuerySet
from qamqor.classification import ChildSex, RiskLevel, Setting, ViolenceForm
from qamqor.directory.models import District, Organisation, Region
from qamqor.ops.fields import EncryptedTextField


class CallerType(models.TextChoices):
    CHILD = "child", _("the child")
    PARENT = "parent", _("parent or legal representative")
    OTHER_ADULT = "other_adult", _("another adult")
    PROFESSIONAL = "professional", _("a professional (teacher, doctor, social worker)")
    ANONYMOUS = "anonymous", _("anonymous caller")


# Child Helpline International contact categories (DESIGN §7): the Violence and Mental
# health subcategories are kept one for one; our own split of bullying into bullying and
# cyberbullying is kept (both count as CHI "bullying"). Each code maps to the form of
# violence the report carries (None: not a form of violence).
CHI_CATEGORIES: list[tuple[str, str | Promise, str | None]] = [
    ("violence.bullying", _("Violence: bullying"), ViolenceForm.BULLYING),
    ("violence.cyberbullying", _("Violence: bullying online (cyberbullying)"), "cyberbullying"),
    ("violence.neglect", _("Violence: neglect"), ViolenceForm.NEGLECT),
    ("violence.physical", _("Violence: physical violence"), ViolenceForm.PHYSICAL),
    (
        "violence.psychological_emotional",
        _("Violence: psychological or emotional violence"),
        ViolenceForm.PSYCHOLOGICAL_EMOTIONAL,
    ),
    ("violence.sexual", _("Violence: sexual violence"), ViolenceForm.SEXUAL),
    (
        "violence.online_sexual_abuse_exploitation",
        _("Violence: online child sexual abuse and exploitation"),
        ViolenceForm.ONLINE_SEXUAL_EXPLOITATION,
    ),
    ("violence.other", _("Violence: other"), ViolenceForm.OTHER),
    ("mental_health.self_harm", _("Mental health: self-harm"), None),
    (
        "mental_health.suicidal_thoughts_attempts",
        _("Mental health: suicidal thoughts and attempts"),
        None,
    ),
    ("mental_health.other", _("Mental health: other concern"), None),
    ("other", _("Other reason for contact"), None),
]
CHI_CHOICES = [(code, label) for code, label, _form in CHI_CATEGORIES]
CHI_TO_FORM = {code: form for code, _label, form in CHI_CATEGORIES}
# The categories that are themselves a suicide or self-harm concern (brief 1.4.2).
SELF_HARM_CATEGORIES = frozenset(
    {"mental_health.self_harm", "mental_health.suicidal_thoughts_attempts"}
)

# Statistics bands (DESIGN §7): single years 0 to 17, 18 and over, unknown.
AGE_CHOICES = [
    *((str(age), str(age)) for age in range(18)),
    ("18_plus", _("18 or older")),
    ("unknown", _("unknown")),
]


class CallRecordQuerySet(RestrictedQuerySet["CallRecord"]):
    """Call records; ``restrict(user, "view")`` by ``helpline.rules``."""


class CallRecord(models.Model):
    """One call as the contact center's telephony system reports it; the caller's number is
    kept only as a keyed hash (like ``intake.Report.channel_ref``) to show repeat callers."""

    helpline = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    caller_ref = models.CharField(max_length=32, blank=True, db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CallRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["helpline", "external_id"], name="one_call_record_per_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"call {self.external_id}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class CallCardQuerySet(RestrictedQuerySet["CallCard"]):
    """Call cards; ``restrict(user, "view")`` by ``helpline.rules``."""


class CallCard(models.Model):
    """What the operator writes down while talking; saving it creates the report."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    helpline = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    call = models.OneToOneField(
        CallRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="card"
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    caller_type = models.CharField(max_length=16, choices=CallerType.choices, blank=True)
    child_age = models.CharField(max_length=8, choices=AGE_CHOICES, default="unknown")
    child_sex = models.CharField(max_length=8, choices=ChildSex.choices, default="unknown")
    category = models.CharField(max_length=48, choices=CHI_CHOICES, blank=True)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    self_harm_risk = models.BooleanField(
        default=False, help_text="the caller says the child may hurt themselves"
    )
    setting = models.CharField(max_length=20, choices=Setting.choices, default=Setting.UNKNOWN)
    narrative = EncryptedTextField(blank=True)  # encrypted at rest (qamqor.ops.fields)
    school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    danger_alerted_at = models.DateTimeField(null=True, blank=True)
    danger_alerted_to = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    danger_alerted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report = models.OneToOneField(
        "intake.Report", on_delete=models.PROTECT, null=True, blank=True, related_name="call_card"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CallCardQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["helpline", "created_at"])]

    def __str__(self) -> str:
        return f"call card {self.public_id}"

    @property
    def submitted(self) -> bool:
        return self.report_id is not None

    @property
    def place_region(self) -> Region | None:
        """The region the card concerns: the school's, the district's or the one chosen."""
        if self.school is not None:
            return self.school.region
        if self.district is not None:
            return self.district.region
        return self.region
