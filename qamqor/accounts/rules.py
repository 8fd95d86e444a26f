"""Page gates of the accounts app (registered with ``accounts.access``)."""

from __future__ import annotations

from qamqor.accounts import access
from qamqor.accounts.models import Role
from qamqor.accounts.policy import Scope


@access.gate("locked_accounts")
def locked_accounts_gate(scope: Scope) -> bool:
    """Locked accounts: the national coordinator, and a regional coordinator for the
    accounts of their region (``lockout.unlockable_users``)."""
    return scope.national or (Role.REGIONAL_COORDINATOR in scope.roles and bool(scope.region_ids))


@access.acting("coordinate_nationally")
def coordinates_nationally_for(scope: Scope) -> frozenset[int]:
    """The coordinating body, for its national coordinators."""
    return scope.coordinating_body_ids


@access.acting("coordinate_region")
def coordinates_region_for(scope: Scope) -> frozenset[int]:
    """The education departments a regional coordinator acts for (each in its region)."""
    return scope.regional_department_ids
