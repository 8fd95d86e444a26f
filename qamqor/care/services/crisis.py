"""The crisis exception (brief 1.5.2): up to the configured number of sessions without
prior consent, justified, audited and reported to the coordinator."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.care.models import (
    CareClient,
    Consultation,
    ConsultationBasis,
    CrisisBasis,
    CrisisGround,
)
from qamqor.care.services.common import (
    MIN_JUSTIFICATION,
    ensure_client,
    lock_child,
    provider_ids,
    regional_coordinators,
    require_text,
)
from qamqor.care.services.consent import active_support_consent
from qamqor.care.signals import crisis_exception_used
from qamqor.cases.models import Case, Child
from qamqor.directory.models import Organisation
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.notify import services as notify
from qamqor.units import entry_point


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


@entry_point
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
    if not access.acts_for(actor, "record_crisis_basis", organisation.pk):
        raise NotAllowed(_("Only PSC staff can use the crisis exception."))
    if ground not in CrisisGround.values:
        raise InvalidInput.on("ground", _("Choose one of the listed crisis grounds."))
    text = require_text(
        "justification",
        justification,
        MIN_JUSTIFICATION,
        _("Describe why help cannot wait for consent (20 characters at least)."),
    )
    if case is not None and case.child_id not in (None, child.pk):
        raise InvalidInput.on("case", _("This case is about another child."))
    child = lock_child(child)
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
    crisis_exception_used.send(sender=CrisisBasis, basis=basis)
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
            "justification": audit.sealed(text),
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


@entry_point
def close_crisis_basis(*, actor: User, basis: CrisisBasis) -> CrisisBasis:
    """End the crisis exception before its limit (the crisis is over)."""
    if not access.acts_for(actor, "record_crisis_basis", basis.organisation_id):
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
