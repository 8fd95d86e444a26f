"""A sent referral's life: accepted, declined, completed or cancelled, cancelled
when its share is revoked, the school told, and escalated when not answered in time."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import Membership, Role, User
from qamqor.audit import services as audit
from qamqor.care import services as care
from qamqor.care.models import ChildShare, ShareBasis
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.notify import services as notify
from qamqor.referrals.models import (
    Referral,
    ReferralEvent,
)
from qamqor.referrals.services.common import (
    MAX_FEEDBACK,
    _event,
    _link,
    _lock,
    _require_receiver,
    _revoke_share,
    _tell,
)
from qamqor.referrals.signals import referral_accepted
from qamqor.units import entry_point


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
