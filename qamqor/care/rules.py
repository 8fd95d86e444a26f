"""Who may see what in psychological support (registered with ``accounts.access``).

- a child is also seen by the organisations it was shared with (an active share or a
  self-referral) and by those holding their own care records for it (consent, crisis
  basis, consultation), brief 1.3.4 and 1.5.2.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from qamqor.accounts import access, policy
from qamqor.accounts.policy import NOTHING, Scope


@access.rule("cases.Child", "view")
def child_view_in_care(scope: Scope, user: Any) -> Q:
    from qamqor.care.models import CareClient, ChildShare

    orgs = policy.care_scope_for(user).referral_org_ids
    if not orgs:
        return NOTHING
    return Q(
        Exists(
            ChildShare.objects.filter(
                child_id=OuterRef("pk"), to_organisation_id__in=orgs, revoked_at__isnull=True
            )
        )
    ) | Q(Exists(CareClient.objects.filter(child_id=OuterRef("pk"), organisation_id__in=orgs)))


@access.gate("care")
def care_gate(scope: Scope) -> bool:
    """Psychological support: psychologists (school, PSC, a PSC head), coordinators who
    find their oversight pages there, monitors (aggregates)."""
    care = policy.care_scope_for_scope(scope)
    return bool(care.psychologist_org_ids or care.region_ids or care.national or care.monitor)
