"""Protocol versions a case runs, and the steps each organisation must take."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import RestrictedQuerySet
from qamqor.cases.models import Case
from qamqor.directory.models import ContactPerson, Organisation
from qamqor.ops.fields import EncryptedJSONField, EncryptedTextField
from qamqor.protocols.definitions import ProtocolSpec, StepSpec, parse
from qamqor.translation import pick

_PARSED: dict[str, ProtocolSpec] = {}  # checksum → validated definition


class ProtocolVersion(models.Model):
    """A published version of a protocol definition; a case keeps the one it started with."""

    code = models.CharField(max_length=60)
    version = models.PositiveIntegerField()
    definition = models.JSONField()
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="protocol_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def title(self) -> str:
        return pick(self.definition["title"])

    @property
    def spec(self) -> ProtocolSpec:
        """The validated definition. A stored version never changes (``sync_versions``
        refuses that), so it is parsed once per process, whichever row object asks."""
        spec = _PARSED.get(self.checksum)
        if spec is None:
            spec = _PARSED[self.checksum] = parse(self.definition, name=str(self))
        return spec


class ProtocolRun(models.Model):
    """One protocol running on one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="protocol_runs")
    protocol = models.ForeignKey(ProtocolVersion, on_delete=models.PROTECT, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    # why the protocol was switched (a reclassification's reason): may name the family
    end_reason = EncryptedTextField(blank=True, help_text="why the protocol was switched")

    def __str__(self) -> str:
        return f"{self.case} · {self.protocol}"


class StepQuerySet(RestrictedQuerySet["Step"]):
    """Steps; ``restrict(user, "view")`` is the user's task list (``protocols.rules``)."""

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
        SKIPPED = "skipped", _("not needed for this case")
        CANCELLED = "cancelled", _("cancelled when the protocol was switched")

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
    output = EncryptedJSONField(default=dict, blank=True)  # answers may name people
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = StepQuerySet.as_manager()

    class Meta:
        ordering = ["case", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="step_key_unique")]
        indexes = [
            models.Index(fields=["organisation", "status", "due_at"]),
            # The sweeps read only open steps: a partial index stays small however much
            # closed history accumulates.
            models.Index(
                fields=["due_at"], condition=models.Q(status="open"), name="step_open_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.key}"

    @property
    def spec(self) -> StepSpec:
        """This step's part of the protocol definition the case started with."""
        return self.run.protocol.spec.step(self.key)

    @property
    def title(self) -> str:
        return pick(self.spec.title.model_dump())

    @property
    def output_label(self) -> str:
        """The first output field's label (the whole output for one-field steps)."""
        return pick(self.spec.output.fields[0].label.model_dump())

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    def is_overdue(self, now: object = None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.OPEN and self.due_at is not None and self.due_at < now  # type: ignore[operator]


FINISHED = {Step.Status.DONE, Step.Status.SKIPPED, Step.Status.CANCELLED}


class RepresentativeNotice(models.Model):
    """A notice a step sends to the child's legal representatives (brief 1.3.5).

    Rendered in every language when its trigger fires (the step opens or is completed,
    with the step's outputs such as the conversation's date and place). A notice the
    protocol marks ``review: true`` waits as a draft: staff read it, may correct the
    text, and confirm; only then is it queued, by email and by SMS, to each
    representative who may be notified at that moment. A representative recorded later
    gets the confirmed text too (each person once).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("waiting for review")
        SENT = "sent", _("sent")
        CANCELLED = "cancelled", _("cancelled")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="representative_notices")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="representative_notices")
    template = models.CharField(max_length=60)
    trigger = models.CharField(max_length=20)
    review = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    texts = EncryptedJSONField(  # staff may edit them: encrypted as the outbox's copies
        default=dict, help_text='per language: {"subject": …, "body": …, "sms": …}'
    )
    edited = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "template"], name="one_notice_per_step_template"
            )
        ]
        indexes = [models.Index(fields=["case", "status"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.template} {self.status}"
