"""Training of the people who protect children (brief 1.7.2, 1.7.3, 2.3.2-2.3.5, 2.3.9).

- ``Programme``: one entry of the unified catalogue of recommended programmes that the
  coordinating body keeps (2.3.4): modules (1.7.3), topics from a fixed vocabulary, the
  provider (a state programme, or an alternative course whose certificates are recognised,
  1.7.2), hours, format and the roles it is meant for; texts in kk/ru/en.
- ``Enrolment``: one programme in one specialist's record, planned or completed (with the
  date, the hours it counted for and, where given, the certificate, encrypted at rest).
- ``MethodologicalDay``: the mandatory methodological day of a PSC's staff (2.3.5) and who
  attended it.

Who sees what is in ``training.rules``; the coverage figures (2.3.9) in ``selectors``.
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
from qamqor.accounts.models import Role
from qamqor.directory.models import Organisation
from qamqor.files import StoredFile
from qamqor.translation import pick

#: The roles whose training is recorded and counted (brief 1.7, 2.3.2): the front-line
#: staff of schools, PSCs, the 111 center, police, guardianship and clinics. Coordinators
#: and monitors keep and read the records; they are not counted as specialists.
SPECIALIST_ROLES = (
    Role.SCHOOL_COORDINATOR,
    Role.SCHOOL_PSYCHOLOGIST,
    Role.PSC_PSYCHOLOGIST,
    Role.PSC_HEAD,
    Role.OPERATOR_111,
    Role.POLICE_INSPECTOR,
    Role.GUARDIANSHIP_OFFICER,
    Role.HEALTH_WORKER,
)


class Topic(models.TextChoices):
    """The key topics of the Comprehensive Plan a programme covers (brief 1.7.3)."""

    BULLYING = "bullying", pgettext_lazy("training topic", "bullying")
    CYBERBULLYING = "cyberbullying", pgettext_lazy("training topic", "cyberbullying")
    VIOLENCE = "violence", pgettext_lazy("training topic", "violence")
    SUICIDAL_BEHAVIOUR = "suicidal_behaviour", pgettext_lazy("training topic", "suicidal behaviour")


class ProviderKind(models.TextChoices):
    """A state professional development programme, or an alternative course whose
    certificate is recognised (brief 1.7.2)."""

    STATE = "state", _("state programme")
    ALTERNATIVE = "alternative", _("alternative course, certificate recognised")


class Format(models.TextChoices):
    IN_PERSON = "in_person", pgettext_lazy("training format", "in person")
    ONLINE = "online", pgettext_lazy("training format", "online")
    BLENDED = "blended", pgettext_lazy("training format", "blended")


class ProgrammeQuerySet(access.RestrictedQuerySet["Programme"]):
    """Programmes answer ``restrict(user, "view" | "manage")`` (``training.rules``)."""

    def current(self) -> ProgrammeQuerySet:
        return self.filter(retired_at__isnull=True)


class Programme(models.Model):
    """One programme of the catalogue of recommended training (brief 2.3.4).

    ``topics`` and ``target_roles`` are lists of ``Topic`` and ``Role`` values (a JSON list,
    filtered with the quoted value, so ``"bullying"`` does not match ``"cyberbullying"``).
    A retired programme stays in the records of those who took it; it leaves the catalogue.
    """

    code = models.SlugField(max_length=40, unique=True)
    title_kk = models.CharField(max_length=200)
    title_ru = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    description_kk = models.TextField(blank=True)
    description_ru = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    provider_kind = models.CharField(max_length=12, choices=ProviderKind.choices)
    provider_name = models.CharField(max_length=200)
    hours = models.PositiveSmallIntegerField()
    format = models.CharField(max_length=12, choices=Format.choices)
    topics = models.JSONField(default=list)
    target_roles = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["title_en", "code"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return pick({"kk": self.title_kk, "ru": self.title_ru, "en": self.title_en})

    @property
    def description(self) -> str:
        return pick(
            {"kk": self.description_kk, "ru": self.description_ru, "en": self.description_en}
        )

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels.get(topic, topic)) for topic in self.topics]

    @property
    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels.get(role, role)) for role in self.target_roles]


class Module(models.Model):
    """One module of a programme (brief 1.7.3: modular programmes), in order."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="modules")
    position = models.PositiveSmallIntegerField()
    title_kk = models.CharField(max_length=200)
    title_ru = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    hours = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["programme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "position"], name="training_module_order")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return pick({"kk": self.title_kk, "ru": self.title_ru, "en": self.title_en})


class Certificate(StoredFile):
    """A scanned certificate of a completed programme: checked by content (PDF, JPEG or
    PNG, ``files.check_upload``) and encrypted at rest like every upload."""

    def __str__(self) -> str:
        return self.file_name


class EnrolmentQuerySet(access.RestrictedQuerySet["Enrolment"]):
    """Enrolments answer ``restrict(user, "view")``: the specialist's own, their heads' and
    coordinators' within their scope (``training.rules``)."""

    def completed_in(self, year: int) -> EnrolmentQuerySet:
        return self.filter(
            status=Enrolment.Status.COMPLETED,
            completed_on__gte=date(year, 1, 1),
            completed_on__lte=date(year, 12, 31),
        )


class Enrolment(models.Model):
    """A programme in a specialist's record: planned (with the month they mean to take it,
    if known) or completed (the date, the hours it counted for, the certificate).

    ``hours`` is copied from the programme when it is completed, so a later change to the
    catalogue does not rewrite what a specialist has done."""

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("enrolment", "planned")
        COMPLETED = "completed", pgettext_lazy("enrolment", "completed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_enrolments"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(max_length=10, choices=Status.choices)
    planned_for = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True, db_index=True)
    hours = models.PositiveSmallIntegerField(default=0)
    certificate = models.OneToOneField(
        Certificate, on_delete=models.PROTECT, null=True, blank=True, related_name="enrolment"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_on", "planned_for", "pk"]

    def __str__(self) -> str:
        return f"{self.specialist_id}: {self.programme_id} ({self.status})"


class MethodologicalDayQuerySet(access.RestrictedQuerySet["MethodologicalDay"]):
    """Days answer ``restrict(user, "view" | "manage")`` (``training.rules``)."""


class MethodologicalDay(models.Model):
    """The methodological professional development day of a PSC's staff (brief 2.3.5),
    scheduled by a coordinator: the date, the topic and, where it follows one, a
    programme of the catalogue."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    psc = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="methodological_days"
    )
    held_on = models.DateField(db_index=True)
    topic = models.CharField(max_length=20, choices=Topic.choices)
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, null=True, blank=True, related_name="days"
    )
    note = models.CharField(max_length=500, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scheduled_at = models.DateTimeField(default=timezone.now)

    objects = MethodologicalDayQuerySet.as_manager()

    class Meta:
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.psc_id} {self.held_on}"


class Attendance(models.Model):
    """Whether one member of the PSC's staff attended its methodological day."""

    day = models.ForeignKey(MethodologicalDay, on_delete=models.CASCADE, related_name="attendance")
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    present = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day", "specialist"]
        constraints = [
            models.UniqueConstraint(fields=["day", "specialist"], name="training_attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.day_id}: {self.specialist_id} {'present' if self.present else 'absent'}"
