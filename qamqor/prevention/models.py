"""Schools' prevention documents and children's individual plans (brief 1.1.3; Order
No. 506 pp. 3-6 and p. 12).

- ``PreventionDocument``: a school's yearly prevention plan (one per school year) or its
  internal policy on violence and bullying (with an adoption date), uploaded as a file or
  composed from the template's sections (``prevention/data/templates.json``), a draft
  until the school's head approves it.
- ``Activity``: prevention work held under a plan (date, kind, audience, participants).
- ``IndividualPlan``: after a bullying decision, the plan for one child involved in the
  case (measures, responsible person, review date). Personal data: encrypted texts, seen
  only by those who see the case, every read and change audited.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qamqor.accounts import access
from qamqor.cases.models import Case, Child
from qamqor.directory.models import Organisation
from qamqor.files import StoredFile
from qamqor.ops.fields import EncryptedTextField

#: Kazakhstan's school year starts on 1 September.
SCHOOL_YEAR_STARTS_IN = 9


def school_year_of(day: date) -> int:
    """The school year a day falls in, by the year it starts: 2026 for 2026/27, which runs
    from 1 September 2026 to 31 August 2027."""
    return day.year if day.month >= SCHOOL_YEAR_STARTS_IN else day.year - 1


def school_year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


class DocumentKind(models.TextChoices):
    PLAN = "plan", _("yearly prevention plan")
    POLICY = "policy", _("policy on violence and bullying")


class Source(models.TextChoices):
    UPLOADED = "uploaded", _("uploaded file")
    COMPOSED = "composed", _("composed from the template")


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("prevention document status", "draft")
    APPROVED = "approved", pgettext_lazy("prevention document status", "approved")


class DocumentFile(StoredFile):
    """An uploaded plan or policy (PDF, JPEG or PNG), checked by content and encrypted at
    rest like every upload (``qamqor.files``)."""

    def __str__(self) -> str:
        return self.file_name


class PreventionDocumentQuerySet(access.RestrictedQuerySet["PreventionDocument"]):
    """Plans and policies answer ``restrict(user, "view" | "edit" | "approve")``
    (``prevention.rules``)."""


class PreventionDocument(models.Model):
    """A school's yearly prevention plan or its policy on violence and bullying.

    A plan is for one school year (``school_year``, by the year it starts); a policy has
    the date it was adopted (``adopted_on``). Either is a file (``document``) or sections
    composed from the template (``sections``: section key → text), a draft until the head
    approves it (who and when are kept).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="prevention_documents"
    )
    kind = models.CharField(max_length=8, choices=DocumentKind.choices)
    school_year = models.PositiveSmallIntegerField(null=True, blank=True)
    adopted_on = models.DateField(null=True, blank=True)
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=10, choices=Source.choices)
    document = models.OneToOneField(
        DocumentFile, on_delete=models.PROTECT, null=True, blank=True, related_name="owner"
    )
    sections = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=2, default="ru")
    status = models.CharField(
        max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PreventionDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["school", "kind", "-school_year", "-adopted_on", "-created_at"]
        indexes = [models.Index(fields=["school", "kind", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year"],
                condition=models.Q(kind="plan"),
                name="one_prevention_plan_per_school_year",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="plan", school_year__isnull=False)
                    | models.Q(kind="policy", adopted_on__isnull=False)
                ),
                name="plan_has_year_policy_has_adoption_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_approved(self) -> bool:
        return self.status == DocumentStatus.APPROVED

    @property
    def period(self) -> str:
        """The school year of a plan ("2026/27"), the adoption date of a policy."""
        if self.kind == DocumentKind.PLAN and self.school_year is not None:
            return school_year_label(self.school_year)
        return self.adopted_on.strftime("%d.%m.%Y") if self.adopted_on else ""


class ActivityKind(models.TextChoices):
    CLASS_HOUR = "class_hour", _("class hour or lesson")
    CAMPAIGN = "campaign", _("awareness campaign or event")
    PARENTS_MEETING = "parents_meeting", _("parents' meeting")
    STAFF_TRAINING = "staff_training", _("staff training")
    PSYCHOLOGIST_SESSION = "psychologist_session", _("psychologist's group session")
    SURVEY = "survey", _("school climate survey")
    OTHER = "other", _("other")


class Audience(models.TextChoices):
    PUPILS = "pupils", _("pupils")
    PARENTS = "parents", _("parents")
    STAFF = "staff", _("staff")
    MIXED = "mixed", _("pupils, parents and staff")


class Activity(models.Model):
    """Prevention work held under a plan (Order No. 506 p. 4: awareness work at least once a
    quarter). Counts only: no pupil is named."""

    plan = models.ForeignKey(
        PreventionDocument, on_delete=models.CASCADE, related_name="activities"
    )
    held_on = models.DateField()
    kind = models.CharField(max_length=24, choices=ActivityKind.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    participants = models.PositiveIntegerField()
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.kind}"


class Party(models.TextChoices):
    VICTIM = "victim", _("child subjected to bullying")
    INITIATOR = "initiator", _("initiator")
    WITNESS = "witness", _("witness or bystander")
    OTHER = "other", _("other child involved")


class IndividualPlanQuerySet(access.RestrictedQuerySet["IndividualPlan"]):
    """Individual plans answer ``restrict(user, "view" | "edit")`` (``prevention.rules``)."""


class IndividualPlan(models.Model):
    """The individual plan for one child involved in a bullying case, drawn up after the
    decision (Order No. 506 p. 12): measures, the person responsible, the review date.

    ``child`` is the case's child when the plan is theirs; another child involved (the
    initiator, a witness) is named in ``child_label`` (a pseudonymous code or a name,
    encrypted). The review six months after the decision is a protocol step of the case
    (``monitoring_review``), not a field here.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="individual_plans")
    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, null=True, blank=True, related_name="individual_plans"
    )
    party = models.CharField(max_length=10, choices=Party.choices)
    child_label = EncryptedTextField(max_length=200, blank=True)
    measures = EncryptedTextField(max_length=4000)
    responsible = models.CharField(max_length=200, help_text="staff name and position")
    review_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = IndividualPlanQuerySet.as_manager()

    class Meta:
        ordering = ["case", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.party}"

    @property
    def who(self) -> str:
        """The child as shown: the case's child, else the label typed in."""
        if self.child is not None:
            return str(self.child)
        return self.child_label
