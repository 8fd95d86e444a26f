"""Who may see and triage reports (registered with ``accounts.access``).

- a report waiting for triage is seen by its school's staff, the 111 center that received
  it, the region's coordinator and the national coordinator;
- triage and registration: the school coordinator, that 111 center, a coordinator;
- closing a report as untrue: the school coordinator or a coordinator above it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from qamqor.accounts import access
from qamqor.accounts.policy import Scope

access.placed_record("intake.Report")


@access.gate("staff_entry")
def staff_entry_gate(scope: Scope) -> bool:
    """Entering a report on someone's behalf: a member of a school's staff (1.3.2)."""
    return bool(scope.school_ids)


@access.gate("posters")
def posters_gate(scope: Scope) -> bool:
    """QR posters: school staff and coordinators print their schools'."""
    return scope.national or bool(scope.region_ids) or bool(scope.school_ids)


@access.rule("intake.Report", "answer")
def report_answer(scope: Scope, user: Any) -> Q:
    """The reporter is answered by the report's handler: whoever triages it."""
    return scope.placed_q("triage")


@access.check("intake.Report", "answer")
def report_answer_check(scope: Scope, user: Any, report: Any) -> bool:
    return scope.reaches("triage", report)


access.operations(
    {
        "POST /reports": access.PUBLIC,
        "GET /reports": access.Guard(model="intake.Report", gate="triage"),
        "GET /reports/{public_id}": access.Guard(model="intake.Report"),
        "POST /reports/{public_id}/register": access.Guard(model="intake.Report", action="triage"),
        "POST /reports/{public_id}/dismiss": access.Guard(model="intake.Report", action="triage"),
        "POST /followup": access.PUBLIC,
        "POST /followup/messages": access.PUBLIC,
    }
)
