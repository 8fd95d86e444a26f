"""Who reads and keeps schools' prevention documents and children's individual plans
(registered with ``accounts.access``).

- a school's plans and policies: its staff (coordinator, psychologist) and its head keep
  them; only the head approves (Order No. 506 p. 3); the region's coordinators and the
  national coordinator read them and see the coverage of their area (brief 1.1.3);
- an individual plan is personal data: those who see the case see it; the staff of the
  case's school draw it up and change it (Order No. 506 p. 12).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from qamqor.accounts import access
from qamqor.accounts.policy import NOTHING, Scope


def school_keepers(scope: Scope) -> frozenset[int]:
    """Schools whose prevention documents the user keeps: where they are staff or head."""
    return scope.school_ids | scope.headed_school_ids


def watches_coverage(scope: Scope) -> bool:
    return scope.national or bool(scope.region_ids)


@access.gate("prevention")
def prevention_gate(scope: Scope) -> bool:
    """The school's prevention page: its staff and head."""
    return bool(school_keepers(scope))


@access.gate("prevention_coverage")
def prevention_coverage_gate(scope: Scope) -> bool:
    """Coverage of plans and policies by district: regional and national coordinators."""
    return watches_coverage(scope)


@access.acting("keep_prevention_documents")
def keeping_schools(scope: Scope) -> frozenset[int]:
    return school_keepers(scope)


@access.rule("directory.Organisation", "prevention_coverage")
def coverage_schools(scope: Scope, user: Any) -> Q:
    """The organisations whose coverage a coordinator sees: their region's, or all."""
    if scope.national:
        return Q()
    return Q(region_id__in=scope.region_ids) if scope.region_ids else NOTHING


@access.rule("prevention.PreventionDocument", "view")
def document_view(scope: Scope, user: Any) -> Q:
    return scope.where(region="school__region_id", school_id=school_keepers(scope))


@access.rule("prevention.PreventionDocument", "edit")
def document_edit(scope: Scope, user: Any) -> Q:
    schools = school_keepers(scope)
    return Q(school_id__in=schools) if schools else NOTHING


@access.check("prevention.PreventionDocument", "edit")
def document_edit_check(scope: Scope, user: Any, document: Any) -> bool:
    return bool(document.school_id in school_keepers(scope))


@access.rule("prevention.PreventionDocument", "approve")
def document_approve(scope: Scope, user: Any) -> Q:
    heads = scope.headed_school_ids
    return Q(school_id__in=heads) if heads else NOTHING


@access.check("prevention.PreventionDocument", "approve")
def document_approve_check(scope: Scope, user: Any, document: Any) -> bool:
    return bool(document.school_id in scope.headed_school_ids)


@access.rule("cases.Case", "plan_individually")
def case_plan_individually(scope: Scope, user: Any) -> Q:
    """The staff of the case's school draw up the individual plans (Order No. 506 p. 12)."""
    return Q(school_id__in=scope.school_ids) if scope.school_ids else NOTHING


@access.check("cases.Case", "plan_individually")
def case_plan_individually_check(scope: Scope, user: Any, case: Any) -> bool:
    return bool(case.school_id in scope.school_ids)


@access.rule("prevention.IndividualPlan", "view")
def individual_plan_view(scope: Scope, user: Any) -> Q:
    """Exactly those who see the case."""
    from qamqor.cases.models import Case

    if not scope.sees_cases:
        return NOTHING
    return Q(case__in=Case.objects.restrict(user, "view"))


@access.rule("prevention.IndividualPlan", "edit")
def individual_plan_edit(scope: Scope, user: Any) -> Q:
    return Q(case__school_id__in=scope.school_ids) if scope.school_ids else NOTHING


@access.check("prevention.IndividualPlan", "edit")
def individual_plan_edit_check(scope: Scope, user: Any, plan: Any) -> bool:
    return bool(plan.case.school_id in scope.school_ids)


DOCUMENT = "prevention.PreventionDocument"

access.operations(
    {
        "GET /prevention/documents": access.Guard(model=DOCUMENT, gate="prevention"),
        "POST /prevention/documents": access.Guard(
            model=DOCUMENT, action="edit", gate="prevention"
        ),
        "POST /prevention/documents/upload": access.Guard(
            model=DOCUMENT, action="edit", gate="prevention"
        ),
        "GET /prevention/documents/{public_id}": access.Guard(model=DOCUMENT),
        "POST /prevention/documents/{public_id}/approve": access.Guard(
            model=DOCUMENT, action="approve"
        ),
        "POST /prevention/documents/{public_id}/activities": access.Guard(
            model=DOCUMENT, action="edit"
        ),
        "GET /prevention/coverage": access.Guard(gate="prevention_coverage"),
        "GET /prevention/cases/{number}/individual-plans": access.Guard(model="cases.Case"),
        "POST /prevention/cases/{number}/individual-plans": access.Guard(
            model="cases.Case", action="plan_individually"
        ),
        "PATCH /prevention/individual-plans/{public_id}": access.Guard(
            model="prevention.IndividualPlan", action="edit"
        ),
    }
)
