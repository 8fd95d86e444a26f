"""Sharing a child's data with another organisation, on a checked basis: consent naming
the receiver, a legal basis, the child's agreement, or a reported override."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.care.models import ChildShare, ConsentRecord, LegalGround, ShareBasis
from qamqor.care.services.common import MIN_REASON, PSC_KINDS, regional_coordinators
from qamqor.cases.models import Case, Child
from qamqor.directory.models import Organisation
from qamqor.errors import InvalidInput, NotAllowed
from qamqor.notify import services as notify
from qamqor.units import entry_point


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


@entry_point
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
    if not access.acts_for(actor, "refer", from_organisation.pk):
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
