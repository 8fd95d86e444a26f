"""Reads of a child's care record: the child, consultations (confidential notes masked
here, once), crisis bases, consents and their documents; each read through access, out of
scope a 404, the care record's read audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from qamqor.accounts import access, policy
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.care import hooks
from qamqor.care.models import (
    ChildShare,
    ConsentDocument,
    ConsentRecord,
    Consultation,
    CrisisBasis,
)
from qamqor.care.selectors.common import LIST_LIMIT, episode_usage
from qamqor.cases.models import Child
from qamqor.directory.models import Organisation

# --- children -----------------------------------------------------------------------------


def get_child_for_user(user: User, code: str, *, audit_read: bool = True) -> Child:
    """The child, if the policy lets the user see them; otherwise 404. The read is audited."""
    child = (
        Child.objects.restrict(user, "view")
        .select_related("region", "school")
        .filter(code=code.strip().upper())
        .first()
    )
    if child is None:
        raise Http404("child")
    if audit_read:
        audit.record(actor=user, action="child.read", object_type="child", object_id=child.code)
    return child


def mask_notes(user: User, consultations: list[Consultation]) -> list[Consultation]:
    """Blank the confidential notes the user may not read; mark each row accordingly."""
    for consultation in consultations:
        allowed = access.permits(user, "read_notes", consultation)
        consultation.notes_visible = allowed  # type: ignore[attr-defined]
        if not allowed:
            consultation.notes = ""
    return consultations


def consultations_for(user: User) -> QuerySet[Consultation]:
    return Consultation.objects.restrict(user, "view").select_related(
        "organisation", "psychologist", "child", "crisis_basis"
    )


@dataclass
class ChildCare:
    """Everything about one child's psychological support the user may see."""

    child: Child
    consents: list[ConsentRecord]
    crisis_bases: list[CrisisBasis]
    consultations: list[Consultation]
    referrals: list[Any]
    shares: list[ChildShare]
    representatives: list[Any]
    care_organisations: list[Organisation]  # where the user may record care for this child
    crisis_organisations: list[Organisation]  # where the user may open the crisis exception
    crisis_used: dict[int, int] = field(default_factory=dict)  # basis pk → sessions so far


def child_care(user: User, child: Child) -> ChildCare:
    """The child page's content, in a bounded number of queries."""
    care = policy.care_scope_for(user)
    consents = list(
        ConsentRecord.objects.restrict(user, "view")
        .filter(child=child)
        .select_related("organisation", "representative", "recorded_by", "document")
        .defer("document__content")
        .prefetch_related("share_with")
    )
    bases = list(
        CrisisBasis.objects.restrict(user, "view")
        .filter(child=child)
        .select_related("organisation", "recorded_by", "case")
        .annotate(sessions_count=Count("sessions"))
    )
    used = episode_usage(bases)
    consultations = mask_notes(user, list(consultations_for(user).filter(child=child)[:100]))
    referrals = list(
        hooks.restricted_referrals(user)
        .filter(child=child)
        .select_related("from_organisation", "to_organisation")
    )
    shares = ChildShare.objects.filter(child=child).select_related(
        "from_organisation", "to_organisation", "consent"
    )
    if not (care.national or care.region_ids):  # coordinators oversee every share
        shares = shares.filter(
            Q(from_organisation_id__in=care.referral_org_ids)
            | Q(to_organisation_id__in=care.referral_org_ids)
        )
    organisations = access.organisations(user, "give_care").order_by("pk")
    return ChildCare(
        child=child,
        consents=consents,
        crisis_bases=bases,
        consultations=consultations,
        referrals=referrals,
        shares=list(shares),
        representatives=list(child.representatives.all()) if care.referral_org_ids else [],
        care_organisations=list(organisations),
        crisis_organisations=[
            org for org in organisations if access.acts_for(user, "record_crisis_basis", org.pk)
        ],
        crisis_used=used,
    )


def get_consultation_for_user(user: User, public_id: Any) -> Consultation:
    consultation = consultations_for(user).filter(public_id=public_id).first()
    if consultation is None:
        raise Http404("consultation")
    audit.record(
        actor=user,
        action="consultation.read",
        object_type="consultation",
        object_id=str(consultation.public_id),
    )
    return mask_notes(user, [consultation])[0]


def get_crisis_basis_for_user(user: User, public_id: Any) -> CrisisBasis:
    queryset = CrisisBasis.objects.select_related("organisation", "child")
    return access.get_or_404(queryset, user, public_id=public_id)


def get_consent_for_user(user: User, public_id: Any) -> ConsentRecord:
    queryset = ConsentRecord.objects.select_related("organisation", "child")
    return access.get_or_404(queryset, user, public_id=public_id)


def get_consent_document_for_user(user: User, public_id: Any) -> ConsentDocument:
    """The scan of a consent the user may see; the read is audited."""
    consent = get_consent_for_user(user, public_id)
    document = ConsentDocument.objects.filter(consent=consent).first()
    if document is None:
        raise Http404("document")
    audit.record(
        actor=user,
        action="consent.document_read",
        object_type="child",
        object_id=consent.child.code,
        changes={"consent": str(consent.public_id)},
    )
    return document


def crisis_exceptions(user: User) -> list[CrisisBasis]:
    """Crisis exceptions the user oversees, newest first, with sessions used (1.5.2). The
    API audits the page it serves, a download its purpose; the page reads
    ``listed_crisis_exceptions``."""
    bases = list(
        CrisisBasis.objects.restrict(user, "view")
        .select_related("organisation__region", "child", "recorded_by", "case")
        .annotate(sessions_count=Count("sessions"))
        .order_by("-recorded_at", "-pk")[:LIST_LIMIT]
    )
    usage = episode_usage(bases)
    for basis in bases:
        basis.used = usage[basis.pk]  # type: ignore[attr-defined]
    return bases


def listed_crisis_exceptions(user: User) -> list[CrisisBasis]:
    """``crisis_exceptions`` shown on a page: the list read is audited."""
    bases = crisis_exceptions(user)
    audit.record_list(
        actor=user, object_type="crisis_basis", object_ids=[b.public_id for b in bases]
    )
    return bases
