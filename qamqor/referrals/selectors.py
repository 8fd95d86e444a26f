"""Reads of referrals, always through the access policy; reads of one referral audited."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.referrals.models import Referral, ReferralAttachment, ReferralEvent

DIRECTIONS = ("incoming", "outgoing")


def referral_list(
    user: User, *, direction: str | None = None, status: str | None = None
) -> QuerySet[Referral]:
    """Referrals the user may see, with what a list shows, in a fixed number of queries."""
    referrals = Referral.objects.restrict(user, "view").select_related(
        "child", "from_organisation", "to_organisation", "assigned_to"
    )
    orgs = access.acting_ids(user, "refer")
    if direction == "incoming":
        referrals = referrals.filter(to_organisation_id__in=orgs)
    elif direction == "outgoing":
        referrals = referrals.filter(from_organisation_id__in=orgs)
    if status:
        referrals = referrals.filter(status=status)
    return referrals.order_by("-sent_at", "-pk")


def get_referral_for_user(user: User, public_id: uuid.UUID, *, audit_read: bool = True) -> Referral:
    """The referral, if the user may see it; otherwise 404 (never 403). Audited."""
    queryset = Referral.objects.select_related(
        "child__region",
        "case",
        "from_organisation",
        "to_organisation",
        "referred_by",
        "responded_by",
        "assigned_to",
        "school_named",
        "share__consent",
    ).prefetch_related(
        Prefetch("events", queryset=ReferralEvent.objects.select_related("actor")),
        Prefetch("attachments", queryset=ReferralAttachment.objects.defer("content")),
    )
    referral = access.get_or_404(queryset, user, public_id=public_id)
    if audit_read:
        audit.record(
            actor=user,
            action="referral.read",
            object_type="referral",
            object_id=str(referral.public_id),
        )
    return referral


def get_attachment_for_user(
    user: User, public_id: uuid.UUID, attachment_id: uuid.UUID
) -> ReferralAttachment:
    referral = get_referral_for_user(user, public_id, audit_read=False)
    attachment = ReferralAttachment.objects.filter(
        referral=referral, public_id=attachment_id
    ).first()
    if attachment is None:
        raise Http404("attachment")
    audit.record(
        actor=user,
        action="referral.attachment_read",
        object_type="referral",
        object_id=str(referral.public_id),
        changes={"sha256": attachment.sha256},
    )
    return attachment
