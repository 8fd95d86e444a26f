"""What the referral services share: who may send where, deadlines, the timeline
event, telling an organisation, checks and attachments, the row lock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import Role, User
from qamqor.care.models import ChildShare
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.errors import FieldProblem, InvalidInput, NotAllowed
from qamqor.files import CheckedFile
from qamqor.notify import services as notify
from qamqor.protocols.workdays import add_working_days
from qamqor.referrals.models import (
    Concern,
    Referral,
    ReferralAttachment,
    ReferralEvent,
    ReferralKind,
    Urgency,
)

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


def _lock(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("from_organisation", "to_organisation", "child", "case", "share")
        .get(pk=referral.pk)
    )


def _require_receiver(actor: User, referral: Referral) -> None:
    if not access.acts_for(actor, "refer", referral.to_organisation_id):
        raise NotAllowed(_("Only the receiving organisation can answer this referral."))


def _revoke_share(referral: Referral, reason: str) -> None:
    if referral.share_id:
        ChildShare.objects.filter(pk=referral.share_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoke_reason=reason
        )
