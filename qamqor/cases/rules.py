"""Who may see and change cases and children (registered with ``accounts.access``).

- a case: school staff see their school's, the 111 center the cases it received, a
  regional coordinator the region's, the national coordinator all (``protocols.rules``
  adds the cases where the user's organisation has a step); a monitor none;
- closing and reclassifying: the school coordinator of the case's school or a coordinator
  above it; triage rights (the parties of a case): also the 111 center that received it;
- a child: pupils of the user's schools, children of the region (coordinators), children
  of any case the user sees (``care.rules`` adds those referred, shared or in care).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from qamqor.accounts import access
from qamqor.accounts.policy import Scope

# A case stands where its report did: the school's staff, the 111 center that received
# it and the region's coordinators see it; triage and closing as ``Scope.placed_q`` says.
access.placed_record("cases.Case")


@access.rule("cases.Child", "view")
def child_view(scope: Scope, user: Any) -> Q:
    from qamqor.cases.models import Case

    q = scope.where(school_id=scope.school_ids)
    if q and scope.sees_cases:  # Q() (the national coordinator) is every child already
        q |= Q(Exists(Case.objects.restrict(user, "view").filter(child_id=OuterRef("pk"))))
    return q


@access.gate("cases")
def cases_gate(scope: Scope) -> bool:
    """The case list and the open steps board: whoever may see some case."""
    return scope.sees_cases


@access.gate("triage")
def triage_gate(scope: Scope) -> bool:
    """The reports list and staff entry: whoever could triage some report."""
    return bool(
        scope.national or scope.region_ids or scope.coordinated_school_ids or scope.received_by_ids
    )


@access.rule("cases.Case", "edit_parties")
def case_parties(scope: Scope, user: Any) -> Q:
    """Those who act on the case record its parties (the child, representatives, those
    involved): whoever triages it (the school coordinator, the 111 center that received
    it, the coordinators above); ``protocols.rules`` adds the organisations with a step."""
    return scope.placed_q("triage")


@access.check("cases.Case", "edit_parties")
def case_parties_check(scope: Scope, user: Any, case: Any) -> bool:
    return scope.reaches("triage", case)


@access.acting("act_on_case")
def acts_on_cases_for(scope: Scope) -> frozenset[int]:
    """The organisations a user speaks and reads for on a case (its thread): their own,
    if they see cases at all (``access.acting_organisation_on`` prefers one on the case)."""
    return scope.organisation_ids if scope.sees_cases else frozenset()


CASE = access.Guard(model="cases.Case")
access.operations(
    {
        "GET /cases": CASE,
        "GET /cases/{number}": CASE,
        "POST /cases/{number}/close": access.Guard(model="cases.Case", action="close"),
        "POST /cases/{number}/reclassify": access.Guard(model="cases.Case", action="close"),
        "GET /cases/{number}/parties": CASE,
        "POST /cases/{number}/child": access.Guard(model="cases.Case", action="edit_parties"),
        "POST /cases/{number}/representatives": access.Guard(
            model="cases.Case", action="edit_parties"
        ),
        "PATCH /cases/{number}/representatives/{representative_id}": access.Guard(
            model="cases.Case", action="edit_parties"
        ),
        "GET /cases/{number}/messages": CASE,
        "POST /cases/{number}/messages": CASE,
    }
)
