"""Sending a referral between organisations, a self-referral from the public page or
the 111 line, and adding a file to an open referral (brief 1.3.1, 2.3.8)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.care import services as care
from qamqor.care.models import CareClient, ShareBasis
from qamqor.cases import services as case_services
from qamqor.cases.models import Case, Child
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.errors import Conflict, FieldProblem, InvalidInput, NotAllowed
from qamqor.files import CheckedFile
from qamqor.referrals.models import (
    Referral,
    ReferralAttachment,
    ReferralEvent,
    ReferralKind,
    Requester,
    SelfReferralChannel,
    Urgency,
)
from qamqor.referrals.services.common import (
    MAX_ATTACHMENTS,
    MIN_REASON,
    PSC_KINDS,
    _add_attachments,
    _check_common,
    _event,
    _lock,
    _tell,
    kind_for,
    respond_by,
)
from qamqor.units import entry_point


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
