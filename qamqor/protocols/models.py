"""Protocol versions a case runs, and the steps each organisation must take."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import policy
from qamqor.cases.models import Case
from qamqor.directory.models import ContactPerson, Organisation
from qamqor.translation import pick


class ProtocolVersion(models.Model):
    """A published version of a protocol definition; a case keeps the one it started with."""

    code = models.CharField(max_length=60)
    version = models.PositiveIntegerField()
    definition = models.JSONField()
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="protocol_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def title(self) -> str:
        return pick(self.definition["title"])


class ProtocolRun(models.Model):
    """One protocol running on one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="protocol_runs")
    protocol = models.ForeignKey(ProtocolVersion, on_delete=models.PROTECT, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.case} · {self.protocol}"


class StepQuerySet(models.QuerySet["Step"]):
    def on_task_list_of(self, user: object) -> StepQuerySet:
        """Steps assigned to the user's organisations, in cases the user may see."""
        return self.filter(policy.step_filter(user)).filter(case__in=Case.objects.visible_to(user))

    def open(self) -> StepQuerySet:
        return self.filter(status=Step.Status.OPEN)

    def overdue(self, now: object = None) -> StepQuerySet:
        return self.filter(status=Step.Status.OPEN, due_at__lt=now or timezone.now())


class Step(models.Model):
    """One thing one accountable organisation must do on a case, by a deadline (1.2.1, 2.2.3)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for an earlier step")
        OPEN = "open", _("open")
        DONE = "done", _("done")

    run = models.ForeignKey(ProtocolRun, on_delete=models.CASCADE, related_name="steps")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    key = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField()
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="steps")
    contact_person = models.ForeignKey(
        ContactPerson, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    opened_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    output = models.JSONField(default=dict, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalation_level = models.PositiveSmallIntegerField(default=0)

    objects = StepQuerySet.as_manager()

    class Meta:
        ordering = ["case", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="step_key_unique")]
        indexes = [
            models.Index(fields=["organisation", "status", "due_at"]),
            models.Index(fields=["status", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.key}"

    @property
    def spec(self) -> dict:
        """This step's part of the protocol definition the case started with."""
        for step in self.run.protocol.definition["steps"]:
            if step["key"] == self.key:
                return dict(step)
        raise KeyError(self.key)

    @property
    def title(self) -> str:
        return pick(self.spec["title"])

    @property
    def output_label(self) -> str:
        return pick(self.spec["output"]["label"])

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    def is_overdue(self, now: object = None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.OPEN and self.due_at is not None and self.due_at < now  # type: ignore[operator]
