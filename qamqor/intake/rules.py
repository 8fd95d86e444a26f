"""Who may see and triage reports (registered with ``accounts.access``).

- a report waiting for triage is seen by its school's staff, the 111 center that received
  it, the region's coordinator and the national coordinator;
- triage and registration: the school coordinator, that 111 center, a coordinator;
- closing a report as untrue: the school coordinator or a coordinator above it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from qamqor.accounts import access, policy
from qamqor.accounts.policy import NOTHING, Scope


@access.rule("intake.Report", "view")
def report_view(scope: Scope, user: Any) -> Q:
    if scope.national:
        return Q()
    q = NOTHING
    if scope.school_ids:
        q |= Q(school_id__in=scope.school_ids)
    if scope.received_by_ids:
        q |= Q(received_by_id__in=scope.received_by_ids)
    if scope.region_ids:
        q |= Q(region_id__in=scope.region_ids)
    return q


@access.rule("intake.Report", "triage")
def report_triage(scope: Scope, user: Any) -> Q:
    return policy.triage_q(scope)


@access.check("intake.Report", "triage")
def report_triage_check(scope: Scope, user: Any, report: Any) -> bool:
    return policy.may_triage(scope, report)


@access.rule("intake.Report", "close")
def report_close(scope: Scope, user: Any) -> Q:
    return policy.close_q(scope)


@access.check("intake.Report", "close")
def report_close_check(scope: Scope, user: Any, report: Any) -> bool:
    return policy.may_close(scope, report)


@access.gate("staff_entry")
def staff_entry_gate(scope: Scope) -> bool:
    """Entering a report on someone's behalf: a member of a school's staff (1.3.2)."""
    return bool(scope.school_ids)


@access.gate("posters")
def posters_gate(scope: Scope) -> bool:
    """QR posters: school staff and coordinators print their schools'."""
    return scope.national or bool(scope.region_ids) or bool(scope.school_ids)
