"""Who reads and who keeps the recommendations tracker (registered with ``accounts.access``).

Everyone reads it, signed in or not: the status of the state's commitments is public
(brief 3.2.1, 3.2.2). Only the coordinating body's staff (national coordinators, the
coordinating body of brief 1.2.1) change a status, the responsible body or the evidence.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from qamqor.accounts import access
from qamqor.accounts.policy import NOTHING, Scope


def keeps_tracker(scope: Scope) -> bool:
    """The coordinating body's staff: those who act for it (``coordinate_nationally``)."""
    return bool(scope.coordinating_body_ids)


@access.gate("oversight_edit")
def oversight_edit_gate(scope: Scope) -> bool:
    """The tracker's edit form and its API writes."""
    return keeps_tracker(scope)


@access.rule("oversight.Recommendation", "view")
def recommendation_view(scope: Scope, user: Any) -> Q:
    """Every recommendation, to everyone: nothing in it is personal."""
    return Q()


@access.rule("oversight.Recommendation", "edit")
def recommendation_edit(scope: Scope, user: Any) -> Q:
    """Every recommendation to the coordinating body's staff; none to anyone else."""
    return Q() if keeps_tracker(scope) else NOTHING


@access.check("oversight.Recommendation", "edit")
def recommendation_edit_check(scope: Scope, user: Any, recommendation: Any) -> bool:
    return keeps_tracker(scope)


access.operations(
    {
        "GET /oversight/recommendations": access.PUBLIC,
        "GET /oversight/recommendations/{number}": access.PUBLIC,
        "PATCH /oversight/recommendations/{number}": access.Guard(
            model="oversight.Recommendation", action="edit", gate="oversight_edit"
        ),
        "POST /oversight/recommendations/{number}/evidence": access.Guard(
            model="oversight.Recommendation", action="edit", gate="oversight_edit"
        ),
    }
)
