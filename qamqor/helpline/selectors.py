"""Who sees which call cards and call records (the access policy's scope, applied here)."""

from __future__ import annotations

from django.db.models import Q

from qamqor.accounts import policy
from qamqor.accounts.models import Membership, Role
from qamqor.directory.models import Organisation, OrganisationKind


def helplines_of(user: object) -> list[Organisation]:
    """The 111 centers where the user works as an operator."""
    user_id = getattr(user, "pk", None)
    if not getattr(user, "is_authenticated", False) or user_id is None:
        return []
    return [
        m.organisation
        for m in Membership.objects.filter(
            user_id=user_id,
            role=Role.OPERATOR_111,
            active=True,
            organisation__kind=OrganisationKind.HELPLINE,
        ).select_related("organisation")
    ]


def card_filter(user: object) -> Q:
    """Operators see their center's cards, regional coordinators the cards about their
    region, the national coordinator every card; everyone else none."""
    scope = policy.scope_for(user)
    if scope.national:
        return Q()
    q = policy.NOTHING
    if Role.OPERATOR_111 in scope.roles and scope.received_by_ids:
        q |= Q(helpline_id__in=scope.received_by_ids)
    if scope.region_ids:
        q |= (
            Q(school__region_id__in=scope.region_ids)
            | Q(district__region_id__in=scope.region_ids)
            | Q(region_id__in=scope.region_ids)
        )
    return q


def call_filter(user: object) -> Q:
    """Call records belong to the contact center: its operators (and the national
    coordinator) see them."""
    scope = policy.scope_for(user)
    if scope.national:
        return Q()
    if Role.OPERATOR_111 in scope.roles and scope.received_by_ids:
        return Q(helpline_id__in=scope.received_by_ids)
    return policy.NOTHING
