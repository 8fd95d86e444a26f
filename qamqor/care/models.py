"""Psychological support: consent, the crisis exception, sharing, consultations,
supervision and the work log (brief 1.3.4, 1.5.2, 1.5.4, 1.6.3, 2.3.1 to 2.3.3); anonymous
appeals are their own app (``qamqor.appeals``).

Single-object rules live here (is a consent active, does it name an organisation); every
change is a function in ``care.services``, every scoped read goes through
``care.rules`` through ``accounts.access`` (``restrict(user, "view")``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.cases.models import Case, Child, LegalRepresentative
from qamqor.directory.models import Organisation
from qamqor.files import StoredFile
from qamqor.ops.fields import EncryptedTextField

# --- consent ------------------------------------------------------------------------------


class ConsentGiver(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_representative", _("legal representative")
    CHILD = "child", _("the child (old enough under the age rule)")
    GUARDIANSHIP_BODY = "guardianship_body", _("guardianship body acting for the child")


class ConsentMethod(models.TextChoices):
    PAPER_SCAN = "paper_scan", _("signed on paper, scan attached")
    SIGNED_IN_PERSON = "signed_in_person", _("signed in person, paper kept on file")
    ONLINE = "online", _("online (e-government or another verifiable way)")


class ConsentQuerySet(access.RestrictedQuerySet["ConsentRecord"]):
    def active(self, now: datetime | None = None) -> ConsentQuerySet:
        """Not withdrawn and not expired: withdrawal takes effect at once."""
        now = now or timezone.now()
        return self.filter(withdrawn_at__isnull=True).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=now.date())
        )

    def for_provider(self, organisation: Organisation) -> ConsentQuerySet:
        """Consents given to ``organisation`` (a branch is covered by its PSC's consent)."""
        ids = [organisation.pk] + ([organisation.parent_id] if organisation.parent_id else [])
        return self.filter(organisation_id__in=ids)


class ConsentRecord(models.Model):
    """Consent to psychological support given to one organisation (brief 1.3.4).

    Who gave it (a legal representative, the guardianship body, or the child where the
    age rule allows), what it covers (support, diagnostics, sharing with the organisations
    named), when and how. Withdrawal takes effect at once and stops every sharing that
    rested on it.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="consents")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="care_consents",
        help_text="the organisation the consent is given to",
    )
    giver = models.CharField(max_length=24, choices=ConsentGiver.choices)
    representative = models.ForeignKey(
        LegalRepresentative, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    giver_name = EncryptedTextField(max_length=200, blank=True)  # a parent's name
    child_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="the child's age when consenting (age rule)"
    )
    covers_support = models.BooleanField(default=False)
    covers_diagnostics = models.BooleanField(default=False)
    covers_sharing = models.BooleanField(default=False)
    share_with = models.ManyToManyField(Organisation, blank=True, related_name="+")
    method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    given_at = models.DateTimeField()
    valid_until = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_note = EncryptedTextField(blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["child", "organisation", "withdrawn_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(covers_support=True)
                | Q(covers_diagnostics=True)
                | Q(covers_sharing=True),
                name="consent_covers_something",
            )
        ]

    def __str__(self) -> str:
        return f"consent {self.public_id} ({self.child_id})"

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.withdrawn_at is not None:
            return False
        return self.valid_until is None or self.valid_until >= now.date()

    @property
    def giver_label(self) -> str:
        if self.giver == ConsentGiver.LEGAL_REPRESENTATIVE and self.representative_id:
            return str(self.representative)
        if self.giver == ConsentGiver.CHILD:
            return str(ConsentGiver.CHILD.label)
        return self.giver_name or str(self.get_giver_display())

    @property
    def scopes(self) -> list[str]:
        labels = []
        if self.covers_support:
            labels.append(str(_("psychological support")))
        if self.covers_diagnostics:
            labels.append(str(_("diagnostics")))
        if self.covers_sharing:
            labels.append(str(_("sharing with named organisations")))
        return labels


class ConsentDocument(StoredFile):
    """The scan of a paper consent form."""

    consent = models.OneToOneField(ConsentRecord, on_delete=models.CASCADE, related_name="document")
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.file_name


# --- the crisis exception -----------------------------------------------------------------


class CrisisGround(models.TextChoices):
    """The listed grounds on which a PSC may help without prior parental consent (1.5.2)."""

    SUICIDE_RISK = "suicide_risk", _("suicide risk")
    SELF_HARM = "self_harm", _("self-harm")
    VIOLENCE_BY_REPRESENTATIVE = (
        "violence_by_representative",
        _("violence by the legal representative"),
    )
    SEXUAL_VIOLENCE = "sexual_violence", _("sexual violence")
    ACUTE_TRAUMA = "acute_trauma", _("acute stress after a traumatic event")
    REPRESENTATIVE_UNREACHABLE = (
        "representative_unreachable",
        _("legal representative cannot be reached and waiting endangers the child"),
    )


class CrisisBasisQuerySet(access.RestrictedQuerySet["CrisisBasis"]):
    def open(self) -> CrisisBasisQuerySet:
        return self.filter(closed_at__isnull=True)


class CrisisBasis(models.Model):
    """A recorded crisis: the PSC may give up to the limit of sessions without prior consent.

    The limit is copied from configuration when the basis is recorded, so a later change
    of ``QAMQOR_CRISIS_SESSION_LIMIT`` does not move the goalposts of a running exception.
    """

    class CloseReason(models.TextChoices):
        CONSENT_RECORDED = "consent_recorded", _("consent recorded")
        ENDED = "ended", _("crisis support ended")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="crisis_bases")
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="crisis_bases"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="crisis_bases"
    )
    ground = models.CharField(max_length=32, choices=CrisisGround.choices)
    justification = EncryptedTextField()
    session_limit = models.PositiveSmallIntegerField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    superseded_by_consent = models.BooleanField(
        default=False,
        help_text="consent was recorded after it: its sessions no longer count to the limit",
    )

    objects = CrisisBasisQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "organisation"],
                condition=Q(closed_at__isnull=True),
                name="one_open_crisis_basis_per_child_and_organisation",
            )
        ]
        indexes = [models.Index(fields=["organisation", "closed_at"])]

    def __str__(self) -> str:
        return f"crisis basis {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


# --- sharing between organisations --------------------------------------------------------


class ShareBasis(models.TextChoices):
    """Why a child's data may go to another organisation (as Primero's referrals check)."""

    CONSENT = "consent", _("data-sharing consent")
    LEGAL_BASIS = "legal_basis", _("a legal basis")
    CHILD_AGREEMENT = "child_agreement", _("the child agreed (self-referral)")
    OVERRIDE = "override", _("override with a reason (reported to the coordinator)")


class LegalGround(models.TextChoices):
    DUTY_TO_NOTIFY = "duty_to_notify", _("statutory duty to notify (e.g. Order No. 506 p.15)")
    DANGER_TO_LIFE = "danger_to_life", _("the child's life or health is in danger")
    AUTHORITY_REQUEST = "authority_request", _("written request of police, court or prosecutor")
    PROTOCOL_REQUIRES = "protocol_requires", _("the response protocol requires it")


class ChildShareQuerySet(models.QuerySet["ChildShare"]):
    def active(self) -> ChildShareQuerySet:
        return self.filter(revoked_at__isnull=True)


class ChildShare(models.Model):
    """One organisation's decision to share a child's data with another, and its basis.

    A share resting on consent is revoked in the same transaction that withdraws the
    consent; the receiving organisation loses access at once (``accounts.policy``).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="shares")
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="child_shares"
    )
    from_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="received_shares"
    )
    basis = models.CharField(max_length=20, choices=ShareBasis.choices)
    consent = models.ForeignKey(
        ConsentRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="shares"
    )
    legal_ground = models.CharField(max_length=24, choices=LegalGround.choices, blank=True)
    reference = models.CharField(
        max_length=300, blank=True, help_text="the article, order or letter relied on"
    )
    override_reason = EncryptedTextField(blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shared_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = EncryptedTextField(max_length=200, blank=True)

    objects = ChildShareQuerySet.as_manager()

    class Meta:
        ordering = ["-shared_at", "-pk"]
        indexes = [models.Index(fields=["to_organisation", "child", "revoked_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(basis="consent") | Q(consent__isnull=False),
                name="share_on_consent_names_it",
            )
        ]

    def __str__(self) -> str:
        return f"share {self.child_id} → {self.to_organisation_id} ({self.basis})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class CareClient(models.Model):
    """An organisation holds its own care records for a child (its client).

    Created with the first consent given to it, crisis basis or consultation, or when a
    child asks it for help directly; this, not a share, is what keeps the child visible
    to the PSC after another organisation's sharing consent is withdrawn.
    """

    class Via(models.TextChoices):
        OWN_RECORD = "own_record", _("own care record")
        SELF_REFERRAL = "self_referral", _("asked for help directly")
        REGISTERED = "registered", _("registered by the organisation")

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="care_clients")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    via = models.CharField(max_length=16, choices=Via.choices)
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "organisation"], name="one_client_record")
        ]
        indexes = [models.Index(fields=["organisation", "child"])]

    def __str__(self) -> str:
        return f"{self.child_id} @ {self.organisation_id}"


# --- consultations ------------------------------------------------------------------------


class ConsultationFormat(models.TextChoices):
    IN_PERSON = "in_person", _("in person")
    ONLINE = "online", _("online")
    PHONE = "phone", _("phone")
    GROUP = "group", _("group")


class ConsultationBasis(models.TextChoices):
    CONSENT = "consent", _("consent")
    CRISIS = "crisis", _("crisis exception, without prior consent")
    ANONYMOUS = "anonymous", _("anonymous, no child record")
    GROUP = "group", _("group work, no individual record")


class ConsultationQuerySet(access.RestrictedQuerySet["Consultation"]):
    """Restricted by ``care.rules``."""


class Consultation(models.Model):
    """One consultation (brief 1.6.3): format, participants, topic, duration, next steps.

    ``notes`` are confidential: only the psychologist and their supervisor (the PSC head)
    read them (the rule "read_notes" in ``care.rules``); every other reader gets the record
    without them. Anonymous consultations (hotline) have no child record.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="consultations"
    )
    psychologist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations"
    )
    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, null=True, blank=True, related_name="consultations"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="consultations"
    )
    format = models.CharField(max_length=10, choices=ConsultationFormat.choices)
    basis = models.CharField(max_length=10, choices=ConsultationBasis.choices)
    consent = models.ForeignKey(
        ConsentRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    crisis_basis = models.ForeignKey(
        CrisisBasis, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    hotline = models.BooleanField(default=False)
    topic = EncryptedTextField(max_length=200)
    participants_count = models.PositiveSmallIntegerField(default=1)
    participants_note = EncryptedTextField(max_length=300, blank=True)
    held_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    notes = EncryptedTextField(blank=True)  # encrypted at rest (qamqor.ops.fields)
    next_steps = EncryptedTextField(blank=True)
    next_appointment_at = models.DateTimeField(null=True, blank=True)
    follow_up_done = models.BooleanField(default=False)
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-held_at", "-pk"]
        indexes = [
            models.Index(fields=["psychologist", "held_at"]),
            models.Index(fields=["organisation", "held_at"]),
            models.Index(fields=["child", "organisation", "held_at"]),
            models.Index(fields=["crisis_basis"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(basis="crisis") | Q(crisis_basis__isnull=False),
                name="crisis_session_names_its_basis",
            ),
            models.CheckConstraint(
                condition=~Q(basis="consent") | Q(consent__isnull=False),
                name="consented_session_names_its_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"consultation {self.public_id}"


# --- supervision and intervision (2.3.3) --------------------------------------------------


class SupervisionKind(models.TextChoices):
    SUPERVISION = "supervision", _("supervision")
    INTERVISION = "intervision", _("intervision (peer consultation)")


class SupervisionLevel(models.TextChoices):
    ORGANISATION = "organisation", _("organisation")
    REGIONAL = "regional", _("regional")
    NATIONAL = "national", _("national")


class SupervisionQuerySet(access.RestrictedQuerySet["SupervisionSession"]):
    """Restricted by ``care.rules`` (a session once, whatever its participants)."""


class SupervisionSession(models.Model):
    """A supervision or intervision session, online or in person, with its participants.

    The topic is professional, not a case record: no child's name belongs here.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=SupervisionKind.choices)
    level = models.CharField(max_length=12, choices=SupervisionLevel.choices)
    online = models.BooleanField(default=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="supervision_sessions"
    )
    held_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    topic = models.CharField(max_length=300)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    facilitator_name = models.CharField(max_length=200, blank=True)
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    guests = models.PositiveSmallIntegerField(
        default=0, help_text="participants without an account here"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = SupervisionQuerySet.as_manager()

    class Meta:
        ordering = ["-held_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "held_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.held_at:%Y-%m-%d}"


# --- work log (1.5.4, 1.6.1, 2.3.1) -------------------------------------------------------


class WorkCategory(models.TextChoices):
    """What a psychologist's hours went to; the last four are not a psychologist's work."""

    CONSULTATION = "consultation", _("consultations")
    DIAGNOSTICS = "diagnostics", _("diagnostics")
    CRISIS_RESPONSE = "crisis_response", _("crisis response")
    GROUP_WORK = "group_work", _("group work")
    SUPERVISION = "supervision", _("supervision and intervision")
    TRAINING = "training", _("training")
    CASE_PAPERWORK = "case_paperwork", _("case paperwork")
    MONITORING = "monitoring", _("monitoring and reports for others")
    CLUBS = "clubs", _("running clubs and events")
    SUBSTITUTING = "substituting", _("substituting teachers")
    OTHER_DUTIES = "other_duties", _("other duties not of a psychologist")


NON_SPECIALIST = frozenset(
    {
        WorkCategory.MONITORING,
        WorkCategory.CLUBS,
        WorkCategory.SUBSTITUTING,
        WorkCategory.OTHER_DUTIES,
    }
)
MAX_HOURS_PER_CATEGORY = Decimal(60)
MAX_HOURS_PER_WEEK = Decimal(80)


class WorkWeekQuerySet(access.RestrictedQuerySet["WorkWeek"]):
    """Restricted by ``care.rules``."""


class WorkWeek(models.Model):
    """One psychologist's week at one organisation: hours by category, filled in at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="work_weeks"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="work_weeks"
    )
    week_start = models.DateField(help_text="the Monday")
    note = models.CharField(max_length=500, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = WorkWeekQuerySet.as_manager()

    class Meta:
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "week_start"], name="one_work_week"
            )
        ]
        indexes = [models.Index(fields=["organisation", "week_start"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.week_start}"


class WorkEntry(models.Model):
    week = models.ForeignKey(WorkWeek, on_delete=models.CASCADE, related_name="entries")
    category = models.CharField(max_length=20, choices=WorkCategory.choices)
    hours = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["week", "category"], name="one_entry_per_category"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="hours_not_negative"),
        ]
        indexes = [models.Index(fields=["category"])]

    def __str__(self) -> str:
        return f"{self.category}: {self.hours}"


class SchoolEnrolment(models.Model):
    """How many pupils a school has: the base of the 1-per-500 norm (DESIGN §9)."""

    school = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="enrolment")
    pupils = models.PositiveIntegerField()
    as_of = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.school_id}: {self.pupils}"
