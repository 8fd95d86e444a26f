"""Who may see referrals (registered with ``accounts.access``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from qamqor.accounts import access, policy
from qamqor.accounts.policy import NOTHING, Scope


@access.rule("referrals.Referral", "view")
def referral_view(scope: Scope, user: Any) -> Q:
    """The referrer's organisation sees what it sent; the receiving organisation sees it
    while the data-sharing basis holds (a self-referral always, brief 1.3.4); coordinators
    see their region's, the national coordinator all."""
    care = policy.care_scope_for_scope(scope)
    if care.national:
        return Q()
    q = NOTHING
    if care.referral_org_ids:
        orgs = care.referral_org_ids
        q |= Q(from_organisation_id__in=orgs)
        q |= Q(to_organisation_id__in=orgs) & (
            Q(kind="self_referral") | Q(share__revoked_at__isnull=True)
        )
    if care.region_ids:
        q |= Q(child__region_id__in=care.region_ids)
    return q


@access.gate("referrals")
def referrals_gate(scope: Scope) -> bool:
    """The referrals list: staff of an organisation that refers or receives (schools,
    PSCs, agencies), the region's coordinators, the national coordinator."""
    care = policy.care_scope_for_scope(scope)
    return bool(care.referral_org_ids or care.region_ids or care.national)


@access.acting("receive_self_referral")
def receives_self_referrals_for(scope: Scope) -> frozenset[int]:
    """A self-referral staff take is for their PSC (a PSC head: also the branches')."""
    return scope.psc_ids


REFERRAL = access.Guard(model="referrals.Referral")
access.operations(
    {
        "GET /referrals": REFERRAL,
        "POST /referrals": access.Guard(gate="referrals"),
        "POST /referrals/ask": access.PUBLIC,
        "POST /referrals/self": access.Guard(gate="referrals"),
        "GET /referrals/{public_id}": REFERRAL,
        "POST /referrals/{public_id}/accept": REFERRAL,
        "POST /referrals/{public_id}/decline": REFERRAL,
        "POST /referrals/{public_id}/complete": REFERRAL,
        "POST /referrals/{public_id}/cancel": REFERRAL,
        "POST /referrals/{public_id}/inform-school": REFERRAL,
        "POST /referrals/{public_id}/attachments": REFERRAL,
    }
)
