"""State changes of referrals: send, accept, decline, complete, cancel, escalate,
self-referral and telling the school (brief 1.3.1, 2.3.8).

A referral between organisations rests on a ``care.ChildShare`` whose basis is checked
when it is sent (consent naming the receiver, a legal basis, or a reported override);
when the share is revoked — the consent withdrawn — the open referral is cancelled and the
receiver loses access at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import Membership, Role, User
from qamqor.audit import services as audit
from qamqor.care import services as care
from qamqor.care.models import CareClient, ChildShare, ShareBasis
from qamqor.cases import services as case_services
from qamqor.cases.models import Case, Child
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.errors import Conflict, FieldProblem, InvalidInput, NotAllowed
from qamqor.files import CheckedFile
from qamqor.notify import services as notify
from qamqor.protocols.workdays import add_working_days
from qamqor.referrals.models import (
    Concern,
    Referral,
    ReferralAttachment,
    ReferralEvent,
    ReferralKind,
    Requester,
    SelfReferralChannel,
    Urgency,
)
from qamqor.referrals.signals import referral_accepted
from qamqor.units import entry_point

PSC_KINDS = {OrganisationKind.PSC, OrganisationKind.PSC_BRANCH}
HEALTH_KINDS = {OrganisationKind.CLINIC}
SERVICE_KINDS = {
    OrganisationKind.GUARDIANSHIP,
    OrganisationKind.JUVENILE_POLICE,
    OrganisationKind.EDUCATION_DEPARTMENT,
}
MIN_REASON = 20
MAX_FEEDBACK = 1000
MAX_ATTACHMENTS = 10

# Who at each side hears about a referral: those who act on it, not everyone.
RECEIVING_ROLES = {
    OrganisationKind.PSC: [Role.PSC_PSYCHOLOGIST, Role.PSC_HEAD],
    OrganisationKind.PSC_BRANCH: [Role.PSC_PSYCHOLOGIST, Role.PSC_HEAD],
    OrganisationKind.CLINIC: [Role.HEALTH_WORKER],
    OrganisationKind.GUARDIANSHIP: [Role.GUARDIANSHIP_OFFICER],
    OrganisationKind.JUVENILE_POLICE: [Role.POLICE_INSPECTOR],
    OrganisationKind.SCHOOL: [Role.SCHOOL_PSYCHOLOGIST, Role.SCHOOL_COORDINATOR],
}


def kind_for(from_organisation: Organisation, to_organisation: Organisation) -> str:
    """The referral's direction; a school refers to a PSC, a PSC to healthcare or a service."""
    if from_organisation.kind == OrganisationKind.SCHOOL and to_organisation.kind in PSC_KINDS:
        return ReferralKind.SCHOOL_TO_PSC
    if from_organisation.kind in PSC_KINDS and to_organisation.kind in HEALTH_KINDS:
        return ReferralKind.PSC_TO_HEALTH
    if from_organisation.kind in PSC_KINDS and to_organisation.kind in SERVICE_KINDS:
        return ReferralKind.PSC_TO_SERVICE
    raise InvalidInput.on(
        "to_organisation",
        _("A school refers to a PSC; a PSC refers to healthcare or another service."),
    )


def respond_by(urgency: str, sent_at: datetime) -> datetime:
    """The acceptance deadline: clock hours for an emergency, working days otherwise."""
    if urgency == Urgency.EMERGENCY:
        return sent_at + timedelta(hours=settings.REFERRAL_RESPONSE_HOURS_EMERGENCY)
    if urgency == Urgency.URGENT:
        return add_working_days(sent_at, settings.REFERRAL_RESPONSE_DAYS_URGENT)
    return add_working_days(sent_at, settings.REFERRAL_RESPONSE_DAYS_ROUTINE)


def _event(referral: Referral, kind: str, actor: User | None, **payload: Any) -> None:
    ReferralEvent.objects.create(referral=referral, kind=kind, actor=actor, payload=payload)


def _link(referral: Referral) -> str:
    return reverse("referral-detail", args=[referral.public_id])


def _tell(organisation: Organisation | None, template: str, referral: Referral, key: str) -> None:
    """Notify the people who act on referrals at ``organisation`` (and its mailbox)."""
    if organisation is None:
        return
    notify.notify_organisation(
        organisation,
        template,
        {"referral": referral, "reference": referral.reference},
        key=key,
        case=referral.case,
        link=_link(referral),
        roles=RECEIVING_ROLES.get(organisation.kind),  # type: ignore[call-overload]
    )


def _check_common(concern: str, urgency: str, reason: str, minimum: int) -> list[FieldProblem]:
    problems = []
    if concern not in Concern.values:
        problems.append(FieldProblem("concern", _("Choose the main concern.")))
    if urgency not in Urgency.values:
        problems.append(FieldProblem("urgency", _("Choose the urgency.")))
    if len((reason or "").strip()) < minimum:
        problems.append(
            FieldProblem(
                "reason",
                _("Describe the reason for the referral (%(min)d characters at least).")
                % {"min": minimum},
            )
        )
    return problems


def _add_attachments(
    referral: Referral, files: Iterable[CheckedFile], actor: User | None
) -> list[ReferralAttachment]:
    stored = []
    for checked in files:
        attachment = ReferralAttachment(referral=referral, uploaded_by=actor)
        attachment.fill_from(checked)
        attachment.save()
        stored.append(attachment)
    return stored


@entry_point
def send_referral(
    *,
    actor: User,
    from_organisation: Organisation,
    to_organisation: Organisation,
    concern: str,
    reason: str,
    urgency: str,
    child: Child | None = None,
    new_child: dict[str, Any] | None = None,
    actions_taken: str = "",
    share_basis: str = ShareBasis.CONSENT,
    legal_ground: str = "",
    reference: str = "",
    override_reason: str = "",
    case: Case | None = None,
    attachments: Iterable[CheckedFile] = (),
) -> Referral:
    """Send the standard referral (1.3.1) after checking the data-sharing basis.

    ``child`` is a child the caller may see, or ``new_child`` the fields of one to record
    (``care.services.register_child``) in the same transaction.
    """
    if not access.acts_for(actor, "refer", from_organisation.pk):
        raise NotAllowed(_("You do not work at the referring organisation."))
    kind = kind_for(from_organisation, to_organisation)
    problems = _check_common(concern, urgency, reason, MIN_REASON)
    child_region_id = child.region_id if child is not None else from_organisation.region_id
    if kind == ReferralKind.SCHOOL_TO_PSC:
        if to_organisation.region_id != child_region_id:
            problems.append(
                FieldProblem("to_organisation", _("Choose a PSC of the child's region."))
            )
        if len((actions_taken or "").strip()) < 3:
            problems.append(
                FieldProblem("actions_taken", _("Say what the school has done so far."))
            )
    if (
        case is not None
        and case.child_id is not None
        and (child is None or case.child_id != child.pk)
    ):
        problems.append(FieldProblem("case", _("This case is about another child.")))
    files = list(attachments)
    if len(files) > MAX_ATTACHMENTS:
        problems.append(FieldProblem("attachments", _("Attach 10 files at most.")))
    if problems:
        raise InvalidInput(problems[0].message, problems)
    if child is None:
        child = care.register_child.within(
            actor=actor, organisation=from_organisation, **(new_child or {})
        )
    share = care.share_child.within(
        actor=actor,
        child=child,
        from_organisation=from_organisation,
        to_organisation=to_organisation,
        basis=share_basis,
        legal_ground=legal_ground,
        reference=reference,
        override_reason=override_reason,
        case=case,
    )
    now = timezone.now()
    referral = Referral.objects.create(
        kind=kind,
        child=child,
        case=case,
        from_organisation=from_organisation,
        to_organisation=to_organisation,
        referred_by=actor,
        share=share,
        concern=concern,
        reason=reason.strip(),
        actions_taken=(actions_taken or "").strip(),
        urgency=urgency,
        sent_at=now,
        respond_by=respond_by(urgency, now),
    )
    stored = _add_attachments(referral, files, actor)
    _event(referral, ReferralEvent.Kind.SENT, actor, basis=share_basis, attachments=len(stored))
    audit.record(
        actor=actor,
        action="referral.send",
        object_type="referral",
        object_id=str(referral.public_id),
        changes={
            "kind": kind,
            "child": child.code,
            "from": from_organisation.code,
            "to": to_organisation.code,
            "concern": concern,
            "urgency": urgency,
            "share": str(share.public_id),
            "basis": share_basis,
            "attachments": [a.sha256 for a in stored],
        },
    )
    _tell(to_organisation, "referral_received", referral, f"referral-received:{referral.pk}")
    return referral


@entry_point
def submit_self_referral(
    *,
    to_organisation: Organisation,
    requester: str,
    channel: str,
    concern: str,
    reason: str,
    urgency: str = Urgency.ROUTINE,
    contact: str = "",
    child_age: int | None = None,
    child_sex: str = "unknown",
    school_named: Organisation | None = None,
    school_may_be_told: bool = False,
    actor: User | None = None,
    from_organisation: Organisation | None = None,
    idempotency_key: str | None = None,
) -> tuple[Referral, bool]:
    """A child or parent asks a PSC directly, without the school (2.3.8).

    The child record gets the PSC's region and no school, so the school does not see it;
    the school they named is kept on the referral for the PSC only. Returns the referral
    and whether it was created now (a resent form returns the first one).
    """
    if idempotency_key:
        existing = Referral.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    if to_organisation.kind not in PSC_KINDS:
        raise InvalidInput.on("to_organisation", _("Choose a PSC."))
    if actor is not None:
        acting_for = from_organisation or to_organisation
        if not access.acts_for(actor, "refer", acting_for.pk):
            raise NotAllowed(_("You do not work at this organisation."))
    problems = _check_common(concern, urgency, reason, 10)
    if requester not in Requester.values:
        problems.append(FieldProblem("requester", _("Say who is asking for help.")))
    if channel not in SelfReferralChannel.values:
        problems.append(FieldProblem("channel", _("Choose how the request came in.")))
    if child_age is not None and not 0 <= child_age <= 17:
        problems.append(FieldProblem("child_age", _("A child is 0 to 17 years old.")))
    if school_named is not None and (
        school_named.kind != OrganisationKind.SCHOOL
        or school_named.region_id != to_organisation.region_id
    ):
        problems.append(FieldProblem("school", _("Choose a school of the PSC's region.")))
    if problems:
        raise InvalidInput(problems[0].message, problems)
    child = case_services.create_child(
        region=to_organisation.region,  # type: ignore[arg-type]
        school=None,
        sex=child_sex or "unknown",
    )
    care.ensure_client(child, to_organisation, CareClient.Via.SELF_REFERRAL)
    now = timezone.now()
    referral = Referral.objects.create(
        kind=ReferralKind.SELF_REFERRAL,
        child=child,
        from_organisation=from_organisation,
        to_organisation=to_organisation,
        referred_by=actor,
        concern=concern,
        reason=reason.strip(),
        urgency=urgency,
        sent_at=now,
        respond_by=respond_by(urgency, now),
        channel=channel,
        requester=requester,
        contact=(contact or "").strip(),
        child_age=child_age,
        school_named=school_named,
        school_may_be_told=school_may_be_told,
        idempotency_key=idempotency_key,
    )
    _event(referral, ReferralEvent.Kind.SENT, actor, channel=channel)
    audit.record(
        actor=actor,
        action="referral.self",
        object_type="referral",
        object_id=str(referral.public_id),
        changes={
            "to": to_organisation.code,
            "channel": channel,
            "requester": requester,
            "concern": concern,
            "urgency": urgency,
            "school_may_be_told": school_may_be_told,
        },
    )
    _tell(to_organisation, "referral_self_received", referral, f"referral-self:{referral.pk}")
    return referral, True


def _lock(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("from_organisation", "to_organisation", "child", "case", "share")
        .get(pk=referral.pk)
    )


def _require_receiver(actor: User, referral: Referral) -> None:
    if not access.acts_for(actor, "refer", referral.to_organisation_id):
        raise NotAllowed(_("Only the receiving organisation can answer this referral."))


@entry_point
def accept_referral(
    *, actor: User, referral: Referral, assigned_to: User | None = None
) -> Referral:
    """Accept: the receiver takes the child on; the referrer is told."""
    _require_receiver(actor, referral)
    referral = _lock(referral)
    if referral.status != Referral.Status.SENT:
        raise Conflict(_("This referral has already been answered."))
    assignee = assigned_to or actor
    if not Membership.objects.filter(
        user=assignee, organisation_id=referral.to_organisation_id, active=True
    ).exists():
        raise InvalidInput.on("assigned_to", _("Choose someone who works at your organisation."))
    now = timezone.now()
    referral.status = Referral.Status.ACCEPTED
    referral.responded_at = now
    referral.responded_by = actor
    referral.assigned_to = assignee
    referral.save(update_fields=["status", "responded_at", "responded_by", "assigned_to"])
    _event(referral, ReferralEvent.Kind.ACCEPTED, actor, assigned_to=assignee.get_username())
    referral_accepted.send(sender=Referral, referral=referral)
    audit.record(
        actor=actor,
        action="referral.accept",
        object_type="referral",
        object_id=str(referral.public_id),
        changes={"assigned_to": assignee.pk},
    )
    _tell(
        referral.from_organisation,
        "referral_accepted",
        referral,
        f"referral-accepted:{referral.pk}",
    )
    return referral


def _revoke_share(referral: Referral, reason: str) -> None:
    if referral.share_id:
        ChildShare.objects.filter(pk=referral.share_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoke_reason=reason
        )


@entry_point
def decline_referral(*, actor: User, referral: Referral, reason: str) -> Referral:
    """Decline with a reason; the receiver gives the shared data back (the share ends)."""
    _require_receiver(actor, referral)
    text = (reason or "").strip()
    if len(text) < 10:
        raise InvalidInput.on(
            "reason", _("Give the reason for declining (10 characters at least).")
        )
    referral = _lock(referral)
    if referral.status != Referral.Status.SENT:
        raise Conflict(_("This referral has already been answered."))
    referral.status = Referral.Status.DECLINED
    referral.responded_at = timezone.now()
    referral.responded_by = actor
    referral.decline_reason = text
    referral.save(update_fields=["status", "responded_at", "responded_by", "decline_reason"])
    _revoke_share(referral, "referral declined")
    _event(referral, ReferralEvent.Kind.DECLINED, actor)
    audit.record(
        actor=actor,
        action="referral.decline",
        object_type="referral",
        object_id=str(referral.public_id),
        changes={"reason": audit.sealed(text)},
    )
    _tell(
        referral.from_organisation,
        "referral_declined",
        referral,
        f"referral-declined:{referral.pk}",
    )
    return referral


@entry_point
def complete_referral(*, actor: User, referral: Referral, feedback: str) -> Referral:
    """The service has ended: a short feedback note for the referrer, no confidential
    content (the notification says only that it is there)."""
    _require_receiver(actor, referral)
    text = (feedback or "").strip()
    if len(text) < 10:
        raise InvalidInput.on(
            "feedback", _("Write a short feedback note (10 characters at least).")
        )
    if len(text) > MAX_FEEDBACK:
        raise InvalidInput.on(
            "feedback",
            _("Keep the feedback short: %(max)d characters at most.") % {"max": MAX_FEEDBACK},
        )
    referral = _lock(referral)
    if referral.status != Referral.Status.ACCEPTED:
        raise Conflict(_("Only an accepted referral can be completed."))
    referral.status = Referral.Status.COMPLETED
    referral.completed_at = timezone.now()
    referral.feedback = text
    referral.save(update_fields=["status", "completed_at", "feedback"])
    _event(referral, ReferralEvent.Kind.COMPLETED, actor)
    audit.record(
        actor=actor,
        action="referral.complete",
        object_type="referral",
        object_id=str(referral.public_id),
        changes={"feedback_length": len(text)},
    )
    _tell(
        referral.from_organisation,
        "referral_completed",
        referral,
        f"referral-completed:{referral.pk}",
    )
    return referral


@entry_point
def cancel_referral(*, actor: User, referral: Referral, reason: str) -> Referral:
    """The referrer withdraws an open referral; the receiver is told and loses access."""
    if referral.from_organisation_id is None or not access.acts_for(
        actor, "refer", referral.from_organisation_id
    ):
        raise NotAllowed(_("Only the referring organisation can cancel this referral."))
    text = (reason or "").strip()
    if len(text) < 5:
        raise InvalidInput.on("reason", _("Give the reason for cancelling."))
    referral = _lock(referral)
    if not referral.is_open:
        raise Conflict(_("This referral is already closed."))
    referral.status = Referral.Status.CANCELLED
    referral.cancelled_at = timezone.now()
    referral.cancel_reason = text[:300]
    referral.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    _revoke_share(referral, "referral cancelled")
    _event(referral, ReferralEvent.Kind.CANCELLED, actor)
    audit.record(
        actor=actor,
        action="referral.cancel",
        object_type="referral",
        object_id=str(referral.public_id),
        changes={"reason": audit.sealed(text)},
    )
    _tell(
        referral.to_organisation,
        "referral_cancelled",
        referral,
        f"referral-cancelled:{referral.pk}",
    )
    return referral


def on_shares_revoked(shares: list[ChildShare], *, actor: User, reason: str) -> list[str]:
    """Cancel the open referrals that rested on revoked shares; both sides are told.

    Registered with ``care.hooks`` in ``ready()``; runs inside
    ``care.services.withdraw_consent``'s transaction.
    """
    referrals = list(
        Referral.objects.filter(
            share__in=shares, status__in=[Referral.Status.SENT, Referral.Status.ACCEPTED]
        )
        .select_related("from_organisation", "to_organisation", "case")
        .select_for_update(of=("self",))
    )
    now = timezone.now()
    for referral in referrals:
        Referral.objects.filter(pk=referral.pk).update(
            status=Referral.Status.CANCELLED, cancelled_at=now, cancel_reason=reason[:300]
        )
        referral.status = Referral.Status.CANCELLED
        _event(referral, ReferralEvent.Kind.CANCELLED, actor, why="consent_withdrawn")
        for organisation in (referral.from_organisation, referral.to_organisation):
            _tell(
                organisation,
                "referral_share_revoked",
                referral,
                f"referral-revoked:{referral.pk}:{organisation.pk if organisation else 0}",
            )
    return [str(referral.public_id) for referral in referrals]


@entry_point
def inform_school(
    *,
    actor: User,
    referral: Referral,
    basis: str,
    legal_ground: str = "",
    reference: str = "",
) -> Referral:
    """Tell the school a self-referred child named: only with the child's agreement or
    when a legal basis (the protocol) requires it (2.3.8)."""
    _require_receiver(actor, referral)
    referral = _lock(referral)
    if not referral.is_self_referral or referral.school_named is None:
        raise Conflict(_("No school was named in this request."))
    if referral.school_informed_at is not None:
        raise Conflict(_("The school has already been told."))
    if basis == ShareBasis.CHILD_AGREEMENT and not referral.school_may_be_told:
        raise InvalidInput.on("basis", _("The child has not agreed that the school be told."))
    if basis not in (ShareBasis.CHILD_AGREEMENT, ShareBasis.LEGAL_BASIS):
        raise InvalidInput.on(
            "basis", _("The school is told only with the child's agreement or a legal basis.")
        )
    care.share_child.within(
        actor=actor,
        child=referral.child,
        from_organisation=referral.to_organisation,
        to_organisation=referral.school_named,
        basis=basis,
        legal_ground=legal_ground,
        reference=reference,
        case=referral.case,
    )
    referral.school_informed_at = timezone.now()
    referral.save(update_fields=["school_informed_at"])
    _event(referral, ReferralEvent.Kind.SCHOOL_INFORMED, actor, basis=basis)
    audit.record(
        actor=actor,
        action="referral.inform_school",
        object_type="referral",
        object_id=str(referral.public_id),
        changes={"school": referral.school_named.code, "basis": basis},
    )
    notify.notify_organisation(
        referral.school_named,
        "referral_school_informed",
        {"referral": referral, "child_code": referral.child.code, "psc": referral.to_organisation},
        key=f"referral-school-informed:{referral.pk}",
        case=referral.case,
        link=reverse("care-child", args=[referral.child.code]),
        roles=[Role.SCHOOL_PSYCHOLOGIST, Role.SCHOOL_COORDINATOR],
    )
    return referral


@entry_point
def add_attachment(*, actor: User, referral: Referral, checked: CheckedFile) -> ReferralAttachment:
    """Attach a document to an open referral (either side)."""
    sides = [referral.from_organisation_id, referral.to_organisation_id]
    if not any(org_id is not None and access.acts_for(actor, "refer", org_id) for org_id in sides):
        raise NotAllowed(_("Only the two organisations of the referral can attach documents."))
    referral = _lock(referral)
    if not referral.is_open:
        raise Conflict(_("This referral is closed."))
    if referral.attachments.count() >= MAX_ATTACHMENTS:
        raise InvalidInput.on("file", _("Attach 10 files at most."))
    (attachment,) = _add_attachments(referral, [checked], actor)
    _event(referral, ReferralEvent.Kind.ATTACHMENT_ADDED, actor, name=attachment.file_name)
    audit.record(
        actor=actor,
        action="referral.attach",
        object_type="referral",
        object_id=str(referral.public_id),
        changes={"sha256": attachment.sha256, "size": attachment.size},
    )
    return attachment


def escalate_overdue_referrals(now: datetime | None = None) -> int:
    """Referrals not answered by their deadline go to the receiving PSC's head and the
    region's coordinators, once (the claim is a guarded UPDATE: safe in several workers)."""
    now = now or timezone.now()
    count = 0
    overdue = Referral.objects.filter(
        status=Referral.Status.SENT, respond_by__lt=now, escalation_level=0
    ).select_related("to_organisation", "case")
    for referral in overdue[:500]:
        with transaction.atomic():
            claimed = Referral.objects.filter(pk=referral.pk, escalation_level=0).update(
                escalation_level=F("escalation_level") + 1
            )
            if not claimed:
                continue
            _event(referral, ReferralEvent.Kind.ESCALATED, None, level=1)
            receiver = referral.to_organisation
            recipients = list(care.staff_of(care.provider_ids(receiver), [Role.PSC_HEAD])) + list(
                care.regional_coordinators(receiver.region_id)
            )
            notify.notify_users(
                recipients,
                "referral_overdue",
                {"referral": referral, "reference": referral.reference, "organisation": receiver},
                key=f"referral-overdue:{referral.pk}:1",
                case=referral.case,
                link=_link(referral),
            )
            audit.record(
                actor=None,
                action="referral.escalate",
                object_type="referral",
                object_id=str(referral.public_id),
                changes={"respond_by": referral.respond_by.isoformat()},
            )
            count += 1
    return count
