"""Who may see referrals (registered with ``accounts.access``)."""

from __future__ import annotations

from qamqor.accounts import access, policy
from qamqor.accounts.policy import Scope


@access.gate("referrals")
def referrals_gate(scope: Scope) -> bool:
    """The referrals list: staff of an organisation that refers or receives (schools,
    PSCs, agencies), the region's coordinators, the national coordinator."""
    care = policy.care_scope_for_scope(scope)
    return bool(care.referral_org_ids or care.region_ids or care.national)
