"""Page gates of the statistics (registered with ``accounts.access``)."""

from __future__ import annotations

from qamqor.accounts import access
from qamqor.accounts.policy import Scope


@access.gate("dashboard")
def dashboard_gate(scope: Scope) -> bool:
    """The dashboard: coordinators (their regions) and monitors (aggregates, brief 3.1)."""
    return scope.sees_statistics


DASHBOARD = access.Guard(gate="dashboard")
access.operations(
    {
        "GET /stats": DASHBOARD,
        "GET /stats/accessibility": DASHBOARD,
        "GET /stats/siting": DASHBOARD,
        "GET /stats/indicators": DASHBOARD,
        "GET /stats/indicators/{code}": DASHBOARD,
    }
)
