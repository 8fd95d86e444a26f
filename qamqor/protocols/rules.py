"""Who may see and complete protocol steps (registered with ``accounts.access``).

- a case is also seen by the organisations that have a step on it (police, guardianship,
  clinics, PSC; a PSC head also its branches'), brief 1.2.1;
- a step is on the task list of its accountable organisation, in cases the user sees;
  it is completed by a member of that organisation (a PSC head: also a branch's).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from qamqor.accounts import access, policy
from qamqor.accounts.policy import NOTHING, Scope


@access.rule("cases.Case", "view")
def case_view_by_step(scope: Scope, user: Any) -> Q:
    from qamqor.protocols.models import Step

    if not scope.step_organisation_ids:
        return NOTHING
    return Q(
        Exists(
            Step.objects.filter(
                case_id=OuterRef("pk"), organisation_id__in=scope.step_organisation_ids
            )
        )
    )


@access.rule("protocols.Step", "view")
def step_view(scope: Scope, user: Any) -> Q:
    from qamqor.cases.models import Case

    orgs = policy.task_organisation_ids(scope)
    if not orgs:
        return NOTHING
    return Q(organisation_id__in=orgs) & Q(case__in=Case.objects.restrict(user, "view"))


@access.rule("protocols.Step", "complete")
def step_complete(scope: Scope, user: Any) -> Q:
    orgs = policy.task_organisation_ids(scope)
    return Q(organisation_id__in=orgs) if orgs else NOTHING


@access.check("protocols.Step", "complete")
def step_complete_check(scope: Scope, user: Any, step: Any) -> bool:
    return step.organisation_id in policy.task_organisation_ids(scope)


@access.gate("protocols")
def protocols_gate(scope: Scope) -> bool:
    """Protocol versions: staff who act on cases read them; monitors do not."""
    return scope.sees_cases


@access.gate("open_steps")
def open_steps_gate(scope: Scope) -> bool:
    """The open steps board: staff who see cases see the open steps in their scope."""
    return scope.sees_cases


@access.rule("protocols.Step", "board")
def step_board(scope: Scope, user: Any) -> Q:
    """The open steps board ("who holds the ball"): the task list, and every step of
    the regions a coordinator watches; the national coordinator sees all (1.3.3)."""
    if scope.national:
        return Q()
    q = step_view(scope, user)
    if scope.region_ids:
        q |= Q(case__region_id__in=scope.region_ids)
    return q


@access.rule("cases.Case", "edit_parties")
def case_parties_by_step(scope: Scope, user: Any) -> Q:
    """An organisation with a step on the case records its parties too (police,
    guardianship, a PSC … meet the family first)."""
    from qamqor.protocols.models import Step

    orgs = policy.task_organisation_ids(scope)
    if not orgs:
        return NOTHING
    return Q(Exists(Step.objects.filter(case_id=OuterRef("pk"), organisation_id__in=orgs)))


@access.check("cases.Case", "edit_parties")
def case_parties_by_step_check(scope: Scope, user: Any, case: Any) -> bool:
    """Reads ``case.steps.all()``: a case fetched with its steps costs no query."""
    orgs = policy.task_organisation_ids(scope)
    return any(step.organisation_id in orgs for step in case.steps.all())


@access.rule("protocols.RepresentativeNotice", "review")
def notice_review(scope: Scope, user: Any) -> Q:
    """A notice waiting for review is reviewed by its step's accountable organisation
    (brief 1.3.5), as the step is completed."""
    orgs = policy.task_organisation_ids(scope)
    return Q(step__organisation_id__in=orgs) if orgs else NOTHING


@access.check("protocols.RepresentativeNotice", "review")
def notice_review_check(scope: Scope, user: Any, notice: Any) -> bool:
    return bool(notice.step.organisation_id in policy.task_organisation_ids(scope))


access.operations(
    {
        "GET /tasks": access.Guard(model="protocols.Step"),
        "POST /cases/{number}/steps/{key}/complete": access.Guard(model="cases.Case"),
        "GET /steps/open": access.Guard(model="protocols.Step", action="board", gate="open_steps"),
        "GET /protocols": access.Guard(gate="protocols"),
        "GET /protocols/{code}/{version}": access.Guard(gate="protocols"),
        "POST /protocols/{code}/{version}/publish": access.Guard(gate="protocols"),
        "GET /cases/{number}/notices": access.Guard(model="cases.Case"),
        "POST /cases/{number}/notices/{notice_id}/confirm": access.Guard(model="cases.Case"),
        "POST /cases/{number}/notices/{notice_id}/cancel": access.Guard(model="cases.Case"),
    }
)
