"""State changes of psychological support: children in care, consent, the crisis
exception, sharing, consultations, supervision, the work log and anonymous appeals.

Every function runs in one transaction, checks the access policy, writes its audit event
and queues its notifications in the outbox. A function that decides on a child's care
(consent, crisis basis, consultation) first locks the child's row, so two psychologists
cannot both record "the 5th" crisis session at once.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from qamqor.accounts import policy
from qamqor.accounts.models import Membership, Role, User
from qamqor.audit import services as audit
from qamqor.audit.context import current_request
from qamqor.care.files import CheckedFile
from qamqor.care.models import (
    MAX_HOURS_PER_CATEGORY,
    MAX_HOURS_PER_WEEK,
    Appeal,
    AppealCategory,
    AppealRelease,
    CareClient,
    ChildShare,
    ConsentDocument,
    ConsentGiver,
    ConsentMethod,
    ConsentRecord,
    Consultation,
    ConsultationBasis,
    ConsultationFormat,
    CrisisBasis,
    CrisisGround,
    LegalGround,
    SchoolEnrolment,
    ShareBasis,
    SupervisionKind,
    SupervisionLevel,
    SupervisionSession,
    WorkCategory,
    WorkEntry,
    WorkWeek,
)
from qamqor.cases import services as case_services
from qamqor.cases.models import Case, Child, LegalRepresentative
from qamqor.directory.models import Organisation, OrganisationKind, Region
from qamqor.errors import Conflict, FieldProblem, InvalidInput, NotAllowed
from qamqor.notify import services as notify
from qamqor.protocols.workdays import ALMATY

MIN_JUSTIFICATION = 20
MIN_REASON = 20
CLOCK_SKEW = timedelta(minutes=10)
PSC_KINDS = {OrganisationKind.PSC, OrganisationKind.PSC_BRANCH}


# --- helpers ------------------------------------------------------------------------------


def provider_ids(organisation: Organisation) -> set[int]:
    """A PSC and its branches are one provider: consent given to one covers the others,
    and crisis sessions at any of them count to the same limit."""
    if organisation.kind not in PSC_KINDS:
        return {organisation.pk}
    root_id = (
        organisation.parent_id
        if organisation.kind == OrganisationKind.PSC_BRANCH and organisation.parent_id
        else organisation.pk
    )
    branches = Organisation.objects.filter(parent_id=root_id, kind=OrganisationKind.PSC_BRANCH)
    return {root_id, *branches.values_list("pk", flat=True)}


def regional_coordinators(region_id: int | None) -> QuerySet[User]:
    if region_id is None:
        return User.objects.none()
    return User.objects.filter(
        memberships__role=Role.REGIONAL_COORDINATOR,
        memberships__active=True,
        memberships__organisation__region_id=region_id,
        is_active=True,
    ).distinct()


def national_coordinators() -> QuerySet[User]:
    return User.objects.filter(
        memberships__role=Role.NATIONAL_COORDINATOR, memberships__active=True, is_active=True
    ).distinct()


def staff_of(organisation_ids: Iterable[int], roles: Iterable[str]) -> QuerySet[User]:
    return User.objects.filter(
        memberships__organisation_id__in=list(organisation_ids),
        memberships__role__in=list(roles),
        memberships__active=True,
        is_active=True,
    ).distinct()


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def local_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(ALMATY).date()


def _lock_child(child: Child) -> Child:
    """Serialise decisions about one child's care (a row lock on PostgreSQL; SQLite's
    IMMEDIATE transactions already serialise writers)."""
    return Child.objects.select_for_update().get(pk=child.pk)


def ensure_client(child: Child, organisation: Organisation, via: str) -> None:
    CareClient.objects.get_or_create(
        child=child, organisation=organisation, defaults={"via": via, "since": timezone.now()}
    )


def _require_text(field: str, text: str, minimum: int, message: Any) -> str:
    text = (text or "").strip()
    if len(text) < minimum:
        raise InvalidInput.on(field, message)
    return text


# --- children -----------------------------------------------------------------------------


@transaction.atomic
def register_child(
    *,
    actor: User,
    organisation: Organisation,
    full_name: str = "",
    birth_date: date | None = None,
    sex: str = "unknown",
    class_label: str = "",
) -> Child:
    """A child a psychologist starts working with: a school's pupil, or a PSC's client.

    A PSC does not set the child's school: the school would then see the child, which a
    child who came to the PSC directly may not want (2.3.8).
    """
    if not policy.can_act_for(actor, organisation_id=organisation.pk):
        raise NotAllowed(_("You do not work at this organisation."))
    if organisation.region_id is None:
        raise InvalidInput.on("organisation", _("This organisation has no region."))
    if birth_date and birth_date > local_today():
        raise InvalidInput.on("birth_date", _("The birth date cannot be in the future."))
    is_school = organisation.kind == OrganisationKind.SCHOOL
    child = case_services.create_child(
        region=organisation.region,  # type: ignore[arg-type]
        school=organisation if is_school else None,
        full_name=full_name,
        birth_date=birth_date,
        sex=sex or "unknown",
        class_label=class_label,
    )
    if not is_school:
        ensure_client(child, organisation, CareClient.Via.REGISTERED)
    audit.record(
        actor=actor,
        action="child.register",
        object_type="child",
        object_id=child.code,
        changes={"organisation": organisation.code, "named": bool(child.full_name)},
    )
    return child


# --- consent ------------------------------------------------------------------------------


def consent_age(child: Child, given_at: datetime, stated_age: int | None) -> int | None:
    """The child's age when consenting: from the birth date when it is known."""
    if child.birth_date is not None:
        return child.age_on(given_at.astimezone(ALMATY).date())
    return stated_age


def active_support_consent(
    child: Child, organisation: Organisation, now: datetime | None = None
) -> ConsentRecord | None:
    """The consent to psychological support that lets ``organisation`` see the child now."""
    return (
        ConsentRecord.objects.active(now)
        .filter(child=child, organisation_id__in=provider_ids(organisation), covers_support=True)
        .order_by("-recorded_at", "-pk")
        .first()
    )


@transaction.atomic
def record_consent(
    *,
    actor: User,
    child: Child,
    organisation: Organisation,
    giver: str,
    method: str,
    given_at: datetime,
    covers_support: bool = False,
    covers_diagnostics: bool = False,
    covers_sharing: bool = False,
    share_with: Iterable[Organisation] = (),
    representative: LegalRepresentative | None = None,
    giver_name: str = "",
    child_age: int | None = None,
    valid_until: date | None = None,
    document: CheckedFile | None = None,
) -> ConsentRecord:
    """Record a consent given to ``organisation`` (1.3.4).

    The child consents alone only from ``QAMQOR_CONSENT_SELF_AGE``; an alleged
    perpetrator cannot consent for the child. Consent to support closes the child's open
    crisis basis at this provider: from now on sessions rest on the consent.
    """
    share_with = list(share_with)
    if covers_support or covers_diagnostics:
        if not policy.can_give_care(actor, organisation_id=organisation.pk):
            raise NotAllowed(_("Only a psychologist of this organisation can record this consent."))
    elif not policy.can_act_for(actor, organisation_id=organisation.pk):
        raise NotAllowed(_("You do not work at this organisation."))
    problems: list[FieldProblem] = []
    if not (covers_support or covers_diagnostics or covers_sharing):
        problems.append(FieldProblem("covers", _("Choose what the consent covers.")))
    if covers_sharing and not share_with:
        problems.append(
            FieldProblem("share_with", _("Name the organisations the data may be shared with."))
        )
    if share_with and not covers_sharing:
        problems.append(
            FieldProblem(
                "covers", _("Tick “sharing” to consent to sharing with these organisations.")
            )
        )
    if method not in ConsentMethod.values:
        problems.append(FieldProblem("method", _("Choose how the consent was given.")))
    if method == ConsentMethod.PAPER_SCAN and document is None:
        problems.append(FieldProblem("document", _("Attach the scan of the signed form.")))
    now = timezone.now()
    if given_at > now + CLOCK_SKEW:
        problems.append(FieldProblem("given_at", _("The consent cannot be given in the future.")))
    if valid_until is not None and valid_until < given_at.astimezone(ALMATY).date():
        problems.append(
            FieldProblem("valid_until", _("The end of validity is before the consent was given."))
        )
    age = None
    if giver == ConsentGiver.LEGAL_REPRESENTATIVE:
        if representative is None and not giver_name.strip():
            problems.append(
                FieldProblem(
                    "representative",
                    _("Choose the legal representative, or write their name as on the form."),
                )
            )
        elif representative is not None and representative.child_id != child.pk:
            problems.append(
                FieldProblem(
                    "representative", _("Choose one of this child's legal representatives.")
                )
            )
        elif representative is not None and representative.is_alleged_perpetrator_in_any_case():
            problems.append(
                FieldProblem(
                    "representative",
                    _(
                        "This representative is the alleged perpetrator and cannot consent for "
                        "the child. Ask the other representative or the guardianship body."
                    ),
                )
            )
    elif giver == ConsentGiver.CHILD:
        age = consent_age(child, given_at, child_age)
        limit = settings.CONSENT_SELF_AGE
        if age is None:
            problems.append(
                FieldProblem("child_age", _("Give the child's age: the age rule depends on it."))
            )
        elif age < limit:
            problems.append(
                FieldProblem(
                    "giver",
                    ngettext(
                        "A child under %(age)d cannot consent alone: consent must come from a "
                        "legal representative or the guardianship body.",
                        "A child under %(age)d cannot consent alone: consent must come from a "
                        "legal representative or the guardianship body.",
                        limit,
                    )
                    % {"age": limit},
                )
            )
    elif giver == ConsentGiver.GUARDIANSHIP_BODY:
        if not giver_name.strip():
            problems.append(
                FieldProblem("giver_name", _("Name the guardianship officer who consented."))
            )
    else:
        problems.append(FieldProblem("giver", _("Choose who gave the consent.")))
    if problems:
        raise InvalidInput(problems[0].message, problems)
    child = _lock_child(child)
    consent = ConsentRecord.objects.create(
        child=child,
        organisation=organisation,
        giver=giver,
        representative=representative if giver == ConsentGiver.LEGAL_REPRESENTATIVE else None,
        giver_name=giver_name.strip(),
        child_age=age,
        covers_support=covers_support,
        covers_diagnostics=covers_diagnostics,
        covers_sharing=covers_sharing,
        method=method,
        given_at=given_at,
        valid_until=valid_until,
        recorded_by=actor,
        recorded_at=now,
    )
    if share_with:
        consent.share_with.set(share_with)
    if document is not None:
        stored = ConsentDocument(consent=consent)
        stored.fill_from(document)
        stored.save()
    closed: list[str] = []
    if covers_support:
        ensure_client(child, organisation, CareClient.Via.OWN_RECORD)
        family = provider_ids(organisation)
        open_bases = CrisisBasis.objects.filter(
            child=child, organisation_id__in=family, closed_at__isnull=True
        )
        closed = [str(pk) for pk in open_bases.values_list("public_id", flat=True)]
        open_bases.update(
            closed_at=now, closed_by=actor, close_reason=CrisisBasis.CloseReason.CONSENT_RECORDED
        )
        CrisisBasis.objects.filter(
            child=child, organisation_id__in=family, superseded_by_consent=False
        ).update(superseded_by_consent=True)
    audit.record(
        actor=actor,
        action="consent.record",
        object_type="child",
        object_id=child.code,
        changes={
            "consent": str(consent.public_id),
            "organisation": organisation.code,
            "giver": giver,
            "method": method,
            "support": covers_support,
            "diagnostics": covers_diagnostics,
            "sharing": sorted(org.code for org in share_with),
            "crisis_bases_closed": closed,
        },
    )
    return consent


@transaction.atomic
def withdraw_consent(*, actor: User, consent: ConsentRecord, note: str = "") -> ConsentRecord:
    """Withdraw a consent at once: every sharing that rested on it stops now, and the
    referrals that rested on those shares are cancelled."""
    if not policy.can_act_for(actor, organisation_id=consent.organisation_id):
        raise NotAllowed(_("Only the organisation the consent was given to can record this."))
    _lock_child(consent.child)
    now = timezone.now()
    updated = ConsentRecord.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_by=actor, withdrawal_note=note.strip()
    )
    if not updated:
        raise Conflict(_("This consent is already withdrawn."))
    consent.refresh_from_db()
    shares = list(ChildShare.objects.active().filter(consent=consent))
    ChildShare.objects.filter(pk__in=[share.pk for share in shares]).update(
        revoked_at=now, revoke_reason="consent withdrawn"
    )
    from qamqor.referrals import services as referral_services  # referrals build on care

    cancelled = referral_services.on_shares_revoked(
        shares, actor=actor, reason=str(_("The data-sharing consent was withdrawn."))
    )
    audit.record(
        actor=actor,
        action="consent.withdraw",
        object_type="child",
        object_id=consent.child.code,
        changes={
            "consent": str(consent.public_id),
            "shares_revoked": [str(share.public_id) for share in shares],
            "referrals_cancelled": cancelled,
        },
    )
    return consent


# --- sharing ------------------------------------------------------------------------------


def sharing_consent(child: Child, to_organisation: Organisation) -> ConsentRecord | None:
    """An active consent that names ``to_organisation`` (or its PSC) for sharing."""
    names = [to_organisation.pk] + (
        [to_organisation.parent_id] if to_organisation.parent_id else []
    )
    return (
        ConsentRecord.objects.active()
        .filter(child=child, covers_sharing=True, share_with__in=names)
        .order_by("-recorded_at", "-pk")
        .first()
    )


@transaction.atomic
def share_child(
    *,
    actor: User,
    child: Child,
    from_organisation: Organisation,
    to_organisation: Organisation,
    basis: str,
    legal_ground: str = "",
    reference: str = "",
    override_reason: str = "",
    case: Case | None = None,
) -> ChildShare:
    """Share a child's data with another organisation, on a checked basis.

    Consent must name the receiver; a legal basis names its ground and reference; an
    override needs a reason and is reported to the region's coordinators.
    """
    if not policy.can_act_for(actor, organisation_id=from_organisation.pk):
        raise NotAllowed(_("You do not work at the sharing organisation."))
    if to_organisation.pk == from_organisation.pk:
        raise InvalidInput.on("to_organisation", _("Choose another organisation."))
    consent = None
    legal_ground = legal_ground or ""
    reference = (reference or "").strip()
    override_reason = (override_reason or "").strip()
    if basis == ShareBasis.CONSENT:
        consent = sharing_consent(child, to_organisation)
        if consent is None:
            raise InvalidInput.on(
                "basis",
                _(
                    "No active consent names %(organisation)s for sharing. Record the consent, "
                    "rely on a legal basis, or override with a reason."
                )
                % {"organisation": to_organisation.name},
            )
    elif basis == ShareBasis.LEGAL_BASIS:
        if legal_ground not in LegalGround.values:
            raise InvalidInput.on("legal_ground", _("Choose the legal ground."))
        if len(reference) < 3:
            raise InvalidInput.on(
                "reference", _("Name the article, order or letter the sharing rests on.")
            )
    elif basis == ShareBasis.CHILD_AGREEMENT:
        if from_organisation.kind not in PSC_KINDS:
            raise InvalidInput.on(
                "basis", _("The child's agreement applies to a PSC telling the child's school.")
            )
    elif basis == ShareBasis.OVERRIDE:
        if len(override_reason) < MIN_REASON:
            raise InvalidInput.on(
                "override_reason",
                _("Explain why the data must be shared without consent or a legal basis."),
            )
    else:
        raise InvalidInput.on("basis", _("Choose the basis for sharing."))
    share = ChildShare.objects.create(
        child=child,
        case=case,
        from_organisation=from_organisation,
        to_organisation=to_organisation,
        basis=basis,
        consent=consent,
        legal_ground=legal_ground if basis == ShareBasis.LEGAL_BASIS else "",
        reference=reference if basis == ShareBasis.LEGAL_BASIS else "",
        override_reason=override_reason if basis == ShareBasis.OVERRIDE else "",
        shared_by=actor,
    )
    audit.record(
        actor=actor,
        action="share.override" if basis == ShareBasis.OVERRIDE else "share.create",
        object_type="child",
        object_id=child.code,
        changes={
            "share": str(share.public_id),
            "from": from_organisation.code,
            "to": to_organisation.code,
            "basis": basis,
            "consent": str(consent.public_id) if consent else None,
            "legal_ground": share.legal_ground,
            "reference": share.reference,
            "override_reason": share.override_reason,
        },
    )
    if basis == ShareBasis.OVERRIDE:
        notify.notify_users(
            regional_coordinators(child.region_id),
            "care_sharing_override",
            {"from_organisation": from_organisation, "to_organisation": to_organisation},
            key=f"care-share-override:{share.pk}",
            case=case,
            link=reverse("care-child", args=[child.code]),
        )
    return share


# --- the crisis exception -----------------------------------------------------------------


def crisis_sessions_used(child: Child, organisation: Organisation) -> int:
    """Crisis sessions the child had at this provider since consent was last recorded there."""
    return Consultation.objects.filter(
        basis=ConsultationBasis.CRISIS,
        crisis_basis__child=child,
        crisis_basis__organisation_id__in=provider_ids(organisation),
        crisis_basis__superseded_by_consent=False,
    ).count()


def open_crisis_basis(child: Child, organisation: Organisation) -> CrisisBasis | None:
    return (
        CrisisBasis.objects.open()
        .filter(child=child, organisation_id__in=provider_ids(organisation))
        .first()
    )


@transaction.atomic
def record_crisis_basis(
    *,
    actor: User,
    child: Child,
    organisation: Organisation,
    ground: str,
    justification: str,
    case: Case | None = None,
) -> CrisisBasis:
    """Open the crisis exception for a child (1.5.2): up to the configured number of
    sessions without prior consent. Justified, audited and reported to the coordinator."""
    if not policy.can_record_crisis_basis(actor, organisation_id=organisation.pk):
        raise NotAllowed(_("Only PSC staff can use the crisis exception."))
    if ground not in CrisisGround.values:
        raise InvalidInput.on("ground", _("Choose one of the listed crisis grounds."))
    text = _require_text(
        "justification",
        justification,
        MIN_JUSTIFICATION,
        _("Describe why help cannot wait for consent (20 characters at least)."),
    )
    if case is not None and case.child_id not in (None, child.pk):
        raise InvalidInput.on("case", _("This case is about another child."))
    child = _lock_child(child)
    if open_crisis_basis(child, organisation) is not None:
        raise Conflict(_("A crisis basis is already open for this child."))
    if active_support_consent(child, organisation) is not None:
        raise Conflict(_("Consent to support is recorded: sessions need no crisis basis."))
    limit = settings.CRISIS_SESSION_LIMIT
    if crisis_sessions_used(child, organisation) >= limit:
        raise Conflict(
            ngettext(
                "The crisis exception is used up for this child (%(limit)d session). "
                "Record consent before any further session.",
                "The crisis exception is used up for this child (%(limit)d sessions). "
                "Record consent before any further session.",
                limit,
            )
            % {"limit": limit}
        )
    basis = CrisisBasis.objects.create(
        child=child,
        case=case,
        organisation=organisation,
        ground=ground,
        justification=text,
        session_limit=limit,
        recorded_by=actor,
    )
    ensure_client(child, organisation, CareClient.Via.OWN_RECORD)
    audit.record(
        actor=actor,
        action="crisis.record",
        object_type="child",
        object_id=child.code,
        changes={
            "crisis_basis": str(basis.public_id),
            "organisation": organisation.code,
            "ground": ground,
            "justification": text,
            "limit": limit,
            "case": case.number if case else None,
        },
    )
    notify.notify_users(
        regional_coordinators(organisation.region_id or child.region_id),
        "care_crisis_exception",
        {"organisation": organisation, "ground": basis.get_ground_display(), "limit": limit},
        key=f"care-crisis:{basis.pk}",
        case=case,
        link=reverse("care-crisis-list"),
    )
    return basis


@transaction.atomic
def close_crisis_basis(*, actor: User, basis: CrisisBasis) -> CrisisBasis:
    """End the crisis exception before its limit (the crisis is over)."""
    if not policy.can_record_crisis_basis(actor, organisation_id=basis.organisation_id):
        raise NotAllowed(_("Only PSC staff can close the crisis exception."))
    now = timezone.now()
    updated = CrisisBasis.objects.filter(pk=basis.pk, closed_at__isnull=True).update(
        closed_at=now, closed_by=actor, close_reason=CrisisBasis.CloseReason.ENDED
    )
    if not updated:
        raise Conflict(_("This crisis basis is already closed."))
    basis.refresh_from_db()
    audit.record(
        actor=actor,
        action="crisis.close",
        object_type="child",
        object_id=basis.child.code,
        changes={"crisis_basis": str(basis.public_id)},
    )
    return basis


# --- consultations ------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionBasis:
    basis: str
    consent: ConsentRecord | None = None
    crisis_basis: CrisisBasis | None = None
    number: int = 0  # the crisis session's number within the limit


def session_basis(child: Child, organisation: Organisation) -> SessionBasis:
    """What a session with this child would rest on now, or a refusal saying why not.

    Consent first; else an open crisis basis with sessions left; else refused — the
    session after the last allowed one is blocked until consent is recorded.
    """
    consent = active_support_consent(child, organisation)
    if consent is not None:
        return SessionBasis(ConsultationBasis.CONSENT, consent=consent)
    basis = open_crisis_basis(child, organisation)
    used = crisis_sessions_used(child, organisation)
    limit = basis.session_limit if basis else settings.CRISIS_SESSION_LIMIT
    if basis is not None and used < limit:
        return SessionBasis(ConsultationBasis.CRISIS, crisis_basis=basis, number=used + 1)
    if used >= limit:
        raise Conflict(
            ngettext(
                "This child has had %(used)d crisis session without consent, the limit is "
                "%(limit)d. Record consent before the next session.",
                "This child has had %(used)d crisis sessions without consent, the limit is "
                "%(limit)d. Record consent before the next session.",
                used,
            )
            % {"used": used, "limit": limit},
            [FieldProblem("child", _("Consent is needed before the next session."))],
        )
    raise Conflict(
        _(
            "No consent to support is recorded for this child here, and no crisis basis is "
            "open. Record the consent (or, at a PSC, a crisis basis) first."
        ),
        [FieldProblem("child", _("Consent is needed before a session."))],
    )


@transaction.atomic
def record_consultation(
    *,
    actor: User,
    organisation: Organisation,
    format: str,
    topic: str,
    held_at: datetime,
    duration_minutes: int,
    child: Child | None = None,
    case: Case | None = None,
    participants_count: int = 1,
    participants_note: str = "",
    notes: str = "",
    next_steps: str = "",
    next_appointment_at: datetime | None = None,
    hotline: bool = False,
) -> Consultation:
    """Record a consultation (1.6.3). With a child it rests on consent or the crisis
    exception, chosen here, never by the caller; a group or an anonymous consultation
    (hotline) has no child record."""
    if not policy.can_give_care(actor, organisation_id=organisation.pk):
        raise NotAllowed(_("Only a psychologist of this organisation can record consultations."))
    problems: list[FieldProblem] = []
    if format not in ConsultationFormat.values:
        problems.append(FieldProblem("format", _("Choose the format.")))
    if not (topic or "").strip():
        problems.append(FieldProblem("topic", _("Name the topic.")))
    if not 5 <= duration_minutes <= 480:
        problems.append(
            FieldProblem("duration_minutes", _("A consultation lasts 5 to 480 minutes."))
        )
    now = timezone.now()
    if held_at > now + CLOCK_SKEW:
        problems.append(FieldProblem("held_at", _("Record consultations that have taken place.")))
    if next_appointment_at is not None and next_appointment_at <= held_at:
        problems.append(
            FieldProblem("next_appointment_at", _("The next appointment comes after this one."))
        )
    if format == ConsultationFormat.GROUP:
        if child is not None:
            problems.append(
                FieldProblem("child", _("Record group work without an individual child record."))
            )
        if participants_count < 2:
            problems.append(
                FieldProblem("participants_count", _("A group has two participants or more."))
            )
    elif participants_count < 1:
        problems.append(FieldProblem("participants_count", _("Give the number of participants.")))
    if case is not None and (child is None or case.child_id not in (None, child.pk)):
        problems.append(FieldProblem("case", _("This case is about another child.")))
    if problems:
        raise InvalidInput(problems[0].message, problems)
    chosen = SessionBasis(
        ConsultationBasis.GROUP
        if format == ConsultationFormat.GROUP
        else ConsultationBasis.ANONYMOUS
    )
    if child is not None:
        child = _lock_child(child)
        chosen = session_basis(child, organisation)
    consultation = Consultation.objects.create(
        organisation=organisation,
        psychologist=actor,
        child=child,
        case=case,
        format=format,
        basis=chosen.basis,
        consent=chosen.consent,
        crisis_basis=chosen.crisis_basis,
        hotline=hotline and child is None,
        topic=topic.strip(),
        participants_count=participants_count,
        participants_note=participants_note.strip(),
        held_at=held_at,
        duration_minutes=duration_minutes,
        notes=notes.strip(),
        next_steps=next_steps.strip(),
        next_appointment_at=next_appointment_at,
        recorded_at=now,
    )
    if child is not None:
        ensure_client(child, organisation, CareClient.Via.OWN_RECORD)
        Consultation.objects.filter(
            child=child, organisation=organisation, follow_up_done=False, held_at__lt=held_at
        ).exclude(pk=consultation.pk).update(follow_up_done=True)
    changes: dict[str, Any] = {
        "consultation": str(consultation.public_id),
        "organisation": organisation.code,
        "format": format,
        "basis": chosen.basis,
        "duration_minutes": duration_minutes,
        "notes_length": len(consultation.notes),  # the notes themselves stay confidential
    }
    if chosen.crisis_basis is not None:
        changes |= {
            "crisis_basis": str(chosen.crisis_basis.public_id),
            "session": chosen.number,
            "limit": chosen.crisis_basis.session_limit,
        }
    audit.record(
        actor=actor,
        action="crisis.session" if chosen.crisis_basis else "consultation.record",
        object_type="child" if child else "consultation",
        object_id=child.code if child else str(consultation.public_id),
        changes=changes,
    )
    if chosen.crisis_basis is not None and chosen.number >= chosen.crisis_basis.session_limit:
        heads = staff_of(provider_ids(organisation), [Role.PSC_HEAD])
        notify.notify_users(
            [actor, *heads],
            "care_crisis_limit_reached",
            {"organisation": organisation, "limit": chosen.crisis_basis.session_limit},
            key=f"care-crisis-limit:{chosen.crisis_basis.pk}",
            case=case,
            link=reverse("care-child", args=[child.code]) if child else "",
        )
    return consultation


# --- supervision --------------------------------------------------------------------------


@transaction.atomic
def record_supervision(
    *,
    actor: User,
    organisation: Organisation,
    kind: str,
    level: str,
    held_at: datetime,
    duration_minutes: int,
    topic: str,
    participants: Iterable[User],
    online: bool = False,
    facilitator: User | None = None,
    facilitator_name: str = "",
    guests: int = 0,
) -> SupervisionSession:
    """Record a supervision or intervision session with its participants (2.3.3)."""
    care = policy.care_scope_for(actor)
    allowed = (
        care.national
        or organisation.pk in care.referral_org_ids
        or (organisation.region_id is not None and organisation.region_id in care.region_ids)
    )
    if not allowed:
        raise NotAllowed(_("You cannot record sessions for this organisation."))
    people = list(dict.fromkeys(participants))
    problems: list[FieldProblem] = []
    if kind not in SupervisionKind.values:
        problems.append(FieldProblem("kind", _("Choose supervision or intervision.")))
    if level not in SupervisionLevel.values:
        problems.append(FieldProblem("level", _("Choose the level.")))
    if not (topic or "").strip():
        problems.append(FieldProblem("topic", _("Name the topic.")))
    if not 15 <= duration_minutes <= 480:
        problems.append(FieldProblem("duration_minutes", _("A session lasts 15 to 480 minutes.")))
    if held_at > timezone.now() + CLOCK_SKEW:
        problems.append(FieldProblem("held_at", _("Record sessions that have taken place.")))
    if not people:
        problems.append(FieldProblem("participants", _("Choose the participants.")))
    if kind == SupervisionKind.SUPERVISION and facilitator is None and not facilitator_name.strip():
        problems.append(FieldProblem("facilitator_name", _("Name the supervisor.")))
    if problems:
        raise InvalidInput(problems[0].message, problems)
    session = SupervisionSession.objects.create(
        kind=kind,
        level=level,
        online=online,
        organisation=organisation,
        held_at=held_at,
        duration_minutes=duration_minutes,
        topic=topic.strip(),
        facilitator=facilitator,
        facilitator_name=facilitator_name.strip(),
        guests=guests,
        recorded_by=actor,
    )
    session.participants.set(people)
    audit.record(
        actor=actor,
        action="supervision.record",
        object_type="supervision",
        object_id=str(session.public_id),
        changes={
            "organisation": organisation.code,
            "kind": kind,
            "level": level,
            "online": online,
            "participants": len(people) + guests,
        },
    )
    return session


# --- work log -----------------------------------------------------------------------------


def plural_number(amount: Decimal) -> int:
    """The number that picks the plural form for ``amount`` hours in ``ngettext``.

    gettext's plural rules take whole numbers. A fractional amount reads like 2 in our
    languages ("1.5 hours", "1,5 часа", "1,5 сағат"), so it counts as 2.
    """
    return int(amount) if amount == amount.to_integral_value() else 2


def parse_hours(raw: Mapping[str, Any]) -> dict[str, Decimal]:
    """Hours by category from a form or a request; a bad value is a 422 on its category."""
    hours: dict[str, Decimal] = {}
    problems: list[FieldProblem] = []
    for category in WorkCategory.values:
        value = raw.get(category)
        if value in (None, ""):
            continue
        try:
            amount = Decimal(str(value).replace(",", ".").strip())
        except InvalidOperation:
            problems.append(FieldProblem(category, _("Enter the hours as a number.")))
            continue
        if not amount.is_finite() or amount < 0 or amount > MAX_HOURS_PER_CATEGORY:
            problems.append(
                FieldProblem(
                    category,
                    ngettext(
                        "Enter 0 to %(max)s hour.",
                        "Enter 0 to %(max)s hours.",
                        plural_number(MAX_HOURS_PER_CATEGORY),
                    )
                    % {"max": MAX_HOURS_PER_CATEGORY},
                )
            )
        elif (amount * 4) % 1:
            problems.append(FieldProblem(category, _("Use quarters of an hour (0.25).")))
        else:
            hours[category] = amount
    unknown = sorted(set(raw) - set(WorkCategory.values))
    for name in unknown:
        problems.append(FieldProblem(name, _("Unknown category.")))
    if problems:
        raise InvalidInput(_("The hours are not valid."), problems)
    return hours


@transaction.atomic
def save_work_week(
    *,
    actor: User,
    organisation: Organisation,
    week: date,
    hours: Mapping[str, Decimal],
    note: str = "",
) -> WorkWeek:
    """Save one week of the work log in one go: every category at once (1.5.4, 2.3.1)."""
    if not policy.can_give_care(actor, organisation_id=organisation.pk):
        raise NotAllowed(_("The work log is kept by the psychologists of this organisation."))
    if week.weekday() != 0:
        raise InvalidInput.on("week", _("A week starts on Monday."))
    if week > week_start(local_today()):
        raise InvalidInput.on("week", _("This week has not started yet."))
    total = sum(hours.values(), Decimal(0))
    if total > MAX_HOURS_PER_WEEK:
        raise InvalidInput.on(
            "total",
            ngettext(
                "%(total)s hour is more than a week can hold (%(max)s at most).",
                "%(total)s hours is more than a week can hold (%(max)s at most).",
                plural_number(total),
            )
            % {"total": total, "max": MAX_HOURS_PER_WEEK},
        )
    now = timezone.now()
    work_week, created = WorkWeek.objects.get_or_create(
        user=actor,
        organisation=organisation,
        week_start=week,
        defaults={"note": note.strip(), "submitted_at": now, "updated_at": now},
    )
    if not created:
        WorkWeek.objects.filter(pk=work_week.pk).update(note=note.strip(), updated_at=now)
        work_week.refresh_from_db()
    WorkEntry.objects.filter(week=work_week).delete()
    WorkEntry.objects.bulk_create(
        WorkEntry(week=work_week, category=category, hours=amount)
        for category, amount in hours.items()
        if amount > 0
    )
    audit.record(
        actor=actor,
        action="worklog.save",
        object_type="work_week",
        object_id=f"{actor.pk}:{organisation.code}:{week.isoformat()}",
        changes={category: str(amount) for category, amount in hours.items()},
    )
    return work_week


@transaction.atomic
def set_enrolment(
    *, actor: User, school: Organisation, pupils: int, as_of: date | None = None
) -> SchoolEnrolment:
    """Record a school's number of pupils, the base of the 1-per-500 norm."""
    scope = policy.scope_for(actor)
    allowed = (
        scope.national
        or school.pk in scope.coordinated_school_ids
        or (school.region_id is not None and school.region_id in scope.region_ids)
    )
    if not allowed:
        raise NotAllowed(_("The school coordinator or a coordinator records the pupil count."))
    if school.kind != OrganisationKind.SCHOOL:
        raise InvalidInput.on("school", _("Choose a school."))
    if not 0 <= pupils <= 20000:
        raise InvalidInput.on("pupils", _("Enter 0 to 20,000 pupils."))
    enrolment, _created = SchoolEnrolment.objects.update_or_create(
        school=school,
        defaults={"pupils": pupils, "as_of": as_of or local_today(), "recorded_by": actor},
    )
    audit.record(
        actor=actor,
        action="enrolment.set",
        object_type="organisation",
        object_id=school.code,
        changes={"pupils": pupils},
    )
    return enrolment


# --- anonymous appeals --------------------------------------------------------------------

APPEAL_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _appeal_hmac(purpose: str, value: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{value}".encode(), "sha256").digest()


def normalise_appeal_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum()).removeprefix("AP")


def appeal_code_hash(code: str) -> str:
    return _appeal_hmac("appeal-followup", normalise_appeal_code(code)).hex()


def _new_appeal_code(token: str | None) -> str:
    """``AP-XXXX-XXXX-XXXX``; derived from the form's one-time token when there is one, so
    a resent form shows the same code instead of creating a second appeal."""
    raw = _appeal_hmac("appeal-code", token) if token else secrets.token_bytes(16)
    letters = "".join(APPEAL_CODE_ALPHABET[byte % len(APPEAL_CODE_ALPHABET)] for byte in raw[:12])
    return f"AP-{letters[:4]}-{letters[4:8]}-{letters[8:]}"


@dataclass(frozen=True)
class SubmittedAppeal:
    appeal: Appeal
    followup_code: str
    created: bool


@transaction.atomic
def submit_appeal(
    *,
    actor: User,
    category: str,
    text: str,
    region: Region | None = None,
    organisation_kind: str = "",
    idempotency_token: str | None = None,
) -> SubmittedAppeal:
    """A specialist's anonymous appeal to the coordinating body (1.5.4).

    ``actor`` is used to check that they are a specialist and then forgotten: the appeal,
    its audit event and its notification carry no user, no address, no request id and no
    time finer than the week.
    """
    if not policy.care_scope_for(actor).psychologist_org_ids:
        raise NotAllowed(_("Appeals are for school psychologists and PSC staff."))
    if category not in AppealCategory.values:
        raise InvalidInput.on("category", _("Choose what the appeal is about."))
    body = _require_text(
        "text", text, MIN_REASON, _("Describe the situation (20 characters at least).")
    )
    if len(body) > 5000:
        raise InvalidInput.on("text", _("Keep it under 5,000 characters."))
    allowed_kinds = {"", OrganisationKind.SCHOOL, OrganisationKind.PSC, OrganisationKind.PSC_BRANCH}
    if organisation_kind not in allowed_kinds:
        raise InvalidInput.on("organisation_kind", _("Choose a school or a PSC, or nothing."))
    code = _new_appeal_code(idempotency_token)
    idempotency_hash = (
        _appeal_hmac("appeal-idempotency", idempotency_token).hex() if idempotency_token else None
    )
    if idempotency_hash:
        existing = Appeal.objects.filter(idempotency_hash=idempotency_hash).first()
        if existing is not None:
            return SubmittedAppeal(existing, code, created=False)
    appeal = Appeal.objects.create(
        category=category,
        text=body,
        region=region,
        organisation_kind=organisation_kind,
        week=week_start(local_today()),
        followup_code_hash=appeal_code_hash(code),
        idempotency_hash=idempotency_hash,
    )
    token = current_request.set(None)  # no address, no request id to link it to a session
    try:
        audit.record(
            actor=None,
            action="appeal.submit",
            object_type="appeal",
            object_id="*",
            changes={"week": appeal.week.isoformat()},
        )
    finally:
        current_request.reset(token)
    return SubmittedAppeal(appeal, code, created=True)


def release_appeals(now: datetime | None = None) -> int:
    """Once a day, at ``QAMQOR_APPEAL_RELEASE_HOUR`` (Almaty), show the coordinating body
    every appeal received since the last release, and tell it how many — so neither the
    list nor the notification reveals when one was sent. Returns how many were released."""
    now = now or timezone.now()
    local = now.astimezone(ALMATY)
    if local.hour < settings.APPEAL_RELEASE_HOUR:
        return 0
    try:
        with transaction.atomic():
            release = AppealRelease.objects.create(day=local.date())
    except IntegrityError:
        return 0  # today's release is done (by this or another worker)
    with transaction.atomic():
        count = Appeal.objects.filter(released=False).update(released=True)
        AppealRelease.objects.filter(pk=release.pk).update(released=count)
        if count:
            audit.record(
                actor=None,
                action="appeal.release",
                object_type="appeal",
                object_id="*",
                changes={"day": local.date().isoformat(), "count": count},
            )
            notify.notify_users(
                national_coordinators(),
                "care_appeal_digest",
                {"count": count},
                key=f"care-appeals:{local.date().isoformat()}",
                link=reverse("care-appeal-list"),
            )
    return count


@transaction.atomic
def answer_appeal(*, actor: User, appeal: Appeal, status: str, response: str) -> Appeal:
    """The coordinating body's answer; the author reads it with their follow-up code."""
    if not policy.care_scope_for(actor).national:
        raise NotAllowed(_("Only the coordinating body answers appeals."))
    if status not in (Appeal.Status.IN_REVIEW, Appeal.Status.ANSWERED):
        raise InvalidInput.on("status", _("Choose “under review” or “answered”."))
    text = (response or "").strip()
    if status == Appeal.Status.ANSWERED and len(text) < 10:
        raise InvalidInput.on("response", _("Write the answer the author will read."))
    Appeal.objects.filter(pk=appeal.pk).update(
        status=status,
        response=text,
        answered_at=timezone.now() if status == Appeal.Status.ANSWERED else None,
    )
    appeal.refresh_from_db()
    audit.record(
        actor=actor,
        action="appeal.answer",
        object_type="appeal",
        object_id=str(appeal.pk),
        changes={"status": status},
    )
    return appeal


def find_appeal(code: str) -> Appeal | None:
    """The appeal a follow-up code belongs to (released or not)."""
    if not normalise_appeal_code(code):
        return None
    return Appeal.objects.filter(followup_code_hash=appeal_code_hash(code)).first()


def organisations_of(user: User, roles: Iterable[str]) -> list[Organisation]:
    """The organisations where the user holds one of ``roles`` (for choosing in forms)."""
    ids = Membership.objects.filter(user=user, active=True, role__in=list(roles)).values(
        "organisation_id"
    )
    return list(Organisation.objects.filter(pk__in=ids).order_by("name_en"))
