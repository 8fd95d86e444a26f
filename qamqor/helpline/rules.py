"""Who sees the 111 center's call cards and call records (registered with
``accounts.access``).

- a call card: the center's operators, the regional coordinators of the region it is
  about, the national coordinator; everyone else none;
- a call record belongs to the contact center: its operators and the national coordinator.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from qamqor.accounts import access
from qamqor.accounts.models import Role
from qamqor.accounts.policy import NOTHING, Scope


def _operator_centers(scope: Scope) -> frozenset[int]:
    return scope.received_by_ids if Role.OPERATOR_111 in scope.roles else frozenset()


@access.rule("helpline.CallCard", "view")
def card_view(scope: Scope, user: Any) -> Q:
    if scope.national:
        return Q()
    q = NOTHING
    if centers := _operator_centers(scope):
        q |= Q(helpline_id__in=centers)
    if scope.region_ids:
        q |= (
            Q(school__region_id__in=scope.region_ids)
            | Q(district__region_id__in=scope.region_ids)
            | Q(region_id__in=scope.region_ids)
        )
    return q


@access.rule("helpline.CallRecord", "view")
def call_view(scope: Scope, user: Any) -> Q:
    if scope.national:
        return Q()
    if centers := _operator_centers(scope):
        return Q(helpline_id__in=centers)
    return NOTHING


@access.gate("helpline")
def helpline_gate(scope: Scope) -> bool:
    """The 111 console: the center's operators."""
    return bool(_operator_centers(scope))


access.operations(
    {
        "POST /helpline/calls": access.Guard(gate="helpline"),
        "GET /helpline/calls": access.Guard(model="helpline.CallRecord"),
        "POST /helpline/calls/{external_id}/close": access.Guard(model="helpline.CallRecord"),
    }
)
