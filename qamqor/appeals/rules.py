"""Who may see an anonymous appeal (registered with ``accounts.access``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from qamqor.accounts import access, policy
from qamqor.accounts.policy import NOTHING, Scope


@access.rule("appeals.Appeal", "view")
def appeal_view(scope: Scope, user: Any) -> Q:
    """A filter on ``appeals.Appeal``: released appeals, to the coordinating body (national
    coordinators) only.

    Nobody at the author's organisation, nor the regional education department above it,
    sees an appeal (brief 1.5.4: protection from pressure); the coordinating body sees it
    after the daily release, so the list does not date it.
    """
    return Q(released=True) if policy.care_scope_for_scope(scope).national else NOTHING
