"""The regulation library, its briefings and the methodological base (brief 1.5.1, 1.7.4,
2.3.6).

- A ``Document`` is an order, a methodology, an algorithm or a law that staff must apply;
  its ``DocumentVersion`` rows are its texts over time: number, effective date, a summary
  in kk/ru/en, the file or link, what changed against the version before, and optionally
  the protocol version that implements it. The real documents are loaded as references
  from ``library/data/documents.json`` (``services.load_documents``), never their texts.
- Publishing a version names the roles it concerns: every active user in those roles gets
  an ``Acknowledgement`` due (a briefing, brief 2.3.6) and a notification; coordinators
  see who has not acknowledged, by region and role (docs/library.md).
- A ``Material`` is a guide or a piece of practice in the methodological base (brief
  1.5.1): tagged by topic and role, searchable in kk/ru/en, shared by coordinators of
  every region, with the region it comes from shown.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qamqor.accounts import access
from qamqor.accounts.models import Role
from qamqor.directory.models import Organisation, Region
from qamqor.files import StoredFile
from qamqor.translation import pick


class DocumentKind(models.TextChoices):
    ORDER = "order", pgettext_lazy("regulation kind", "order")
    METHODOLOGY = "methodology", pgettext_lazy("regulation kind", "methodology")
    ALGORITHM = "algorithm", pgettext_lazy("regulation kind", "algorithm")
    LAW = "law", pgettext_lazy("regulation kind", "law")
    RESOLUTION = "resolution", pgettext_lazy("regulation kind", "government resolution")


class Topic(models.TextChoices):
    """What a material of the methodological base is about."""

    BULLYING = "bullying", _("bullying and cyberbullying")
    VIOLENCE = "violence", _("violence against children")
    SUICIDE = "suicide", _("suicide prevention and crisis help")
    REFERRAL = "referral", _("referral and interagency work")
    CONSENT = "consent", _("consent and confidentiality")
    LEGAL = "legal", _("law and regulations")
    PREVENTION = "prevention", _("prevention at school")
    PARENTS = "parents", _("work with parents")
    SUPERVISION = "supervision", _("supervision and self-care")


def _codes(values: list[str]) -> str:
    """Tags stored as ``",a,b,"`` so one ``contains`` finds one tag on either database."""
    return "," + ",".join(sorted(set(values))) + "," if values else ""


def _split(stored: str) -> list[str]:
    return [value for value in stored.split(",") if value]


class DocumentQuerySet(access.RestrictedQuerySet["Document"]):
    """Documents answer ``restrict(user, "view" | "publish")`` (``library.rules``)."""


class Document(models.Model):
    """A regulation staff must apply: an order, a methodology, an algorithm, a law."""

    code = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    title_kk = models.CharField(max_length=300)
    title_ru = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300)
    issuer = models.CharField(max_length=200, blank=True)
    reference = models.CharField(
        max_length=200, blank=True, help_text="its registration: Adilet number, state register"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def title(self) -> str:
        return pick({"kk": self.title_kk, "ru": self.title_ru, "en": self.title_en})

    @property
    def current_version(self) -> DocumentVersion | None:
        """The latest version (from the prefetched versions when the list has them)."""
        versions = list(self.versions.all())
        return max(versions, key=lambda version: version.sequence) if versions else None


class VersionFile(StoredFile):
    """The text of a version or a material's file (PDF, JPEG or PNG), checked by content
    and encrypted at rest like every upload."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    def __str__(self) -> str:
        return self.file_name


class DocumentVersionQuerySet(access.RestrictedQuerySet["DocumentVersion"]):
    """Versions answer ``restrict(user, "view")`` (``library.rules``)."""


class DocumentVersion(models.Model):
    """One version of a document: ``sequence`` 1, 2, … in order of publication.

    ``affected_roles`` are the roles briefed on it (empty for a version loaded as a
    reference, which asks nobody to acknowledge it)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=120, help_text="the act's number and date as cited")
    effective_on = models.DateField(null=True, blank=True, help_text="empty: not confirmed")
    summary_kk = models.TextField()
    summary_ru = models.TextField()
    summary_en = models.TextField()
    changes_kk = models.TextField(blank=True)
    changes_ru = models.TextField(blank=True)
    changes_en = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    file = models.OneToOneField(
        VersionFile, on_delete=models.PROTECT, null=True, blank=True, related_name="version"
    )
    protocol_version = models.ForeignKey(
        "protocols.ProtocolVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="the protocol version that implements it",
    )
    affected_roles = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = DocumentVersionQuerySet.as_manager()

    class Meta:
        ordering = ["document_id", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "sequence"], name="library_version_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.sequence}"

    @property
    def summary(self) -> str:
        return pick({"kk": self.summary_kk, "ru": self.summary_ru, "en": self.summary_en})

    @property
    def changes(self) -> str:
        return pick({"kk": self.changes_kk, "ru": self.changes_ru, "en": self.changes_en})

    @property
    def roles(self) -> list[str]:
        return _split(self.affected_roles)

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(code).label) for code in self.roles if code in Role.values]


class AcknowledgementQuerySet(access.RestrictedQuerySet["Acknowledgement"]):
    """Acknowledgements answer ``restrict(user, "view" | "acknowledge")``: one's own, and
    a coordinator's region (``library.rules``)."""

    def pending(self) -> AcknowledgementQuerySet:
        return self.filter(acknowledged_at__isnull=True)


class Acknowledgement(models.Model):
    """A briefing due: one user is to confirm they have read one version (brief 2.3.6).

    ``role``, ``organisation`` and ``region`` are those of the membership that made it due,
    kept as they were at publication so coverage reads one table. ``notified_on`` is the
    day of the last notice (publication or reminder): a reminder goes at most once a day."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(
        DocumentVersion, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    role = models.CharField(max_length=24, choices=Role.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    notified_on = models.DateField()
    reminders = models.PositiveSmallIntegerField(default=0)

    objects = AcknowledgementQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="library_ack_once_per_user")
        ]
        indexes = [models.Index(fields=["acknowledged_at", "notified_on"])]

    def __str__(self) -> str:
        return f"{self.version_id} · {self.user_id}"

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class MaterialQuerySet(access.RestrictedQuerySet["Material"]):
    """Materials answer ``restrict(user, "view")``: every signed-in specialist."""


class Material(models.Model):
    """A guide or a piece of practice in the methodological base (brief 1.5.1).

    Written in at least one language; ``search_text`` holds every title and summary
    case-folded, so one search finds a Kazakh, Russian or English word on SQLite as on
    PostgreSQL. ``region`` is where the practice comes from (empty: national)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title_kk = models.CharField(max_length=300, blank=True)
    title_ru = models.CharField(max_length=300, blank=True)
    title_en = models.CharField(max_length=300, blank=True)
    summary_kk = models.TextField(blank=True)
    summary_ru = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    topics = models.CharField(max_length=300)
    roles = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=500, blank=True)
    file = models.OneToOneField(
        VersionFile, on_delete=models.PROTECT, null=True, blank=True, related_name="material"
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    search_text = models.TextField(editable=False)

    objects = MaterialQuerySet.as_manager()

    class Meta:
        ordering = ["-added_at", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return pick({"kk": self.title_kk, "ru": self.title_ru, "en": self.title_en})

    @property
    def summary(self) -> str:
        return pick({"kk": self.summary_kk, "ru": self.summary_ru, "en": self.summary_en})

    @property
    def topic_codes(self) -> list[str]:
        return _split(self.topics)

    @property
    def topic_labels(self) -> list[str]:
        return [str(Topic(code).label) for code in self.topic_codes if code in Topic.values]

    @property
    def role_codes(self) -> list[str]:
        return _split(self.roles)

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(code).label) for code in self.role_codes if code in Role.values]


def tags(values: list[str]) -> str:
    """How a list of tags is stored (``Material.topics``, ``DocumentVersion.affected_roles``)."""
    return _codes(values)
