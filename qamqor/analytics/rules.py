"""Page gates of the statistics (registered with ``accounts.access``)."""

from __future__ import annotations

from qamqor.accounts import access
from qamqor.accounts.policy import Scope


@access.gate("dashboard")
def dashboard_gate(scope: Scope) -> bool:
    """The dashboard: coordinators (their regions) and monitors (aggregates, brief 3.1)."""
    return scope.sees_statistics


@access.gate("statistics")
def statistics_gate(scope: Scope) -> bool:
    """The statistics dashboards, country to organisation (brief 1.2.1, 3.1.1): whoever
    sees statistics; a regional coordinator only their regions (the views' 404)."""
    return scope.sees_statistics


@access.gate("national_statistics")
def national_statistics_gate(scope: Scope) -> bool:
    """The country's figures as a whole (the DHIS2 export, brief 1.4.1): the national
    coordinator, and the monitor with small cells suppressed."""
    return scope.statistics_national


DASHBOARD = access.Guard(gate="dashboard")
access.operations(
    {
        "GET /stats": DASHBOARD,
        "GET /stats/accessibility": DASHBOARD,
        "GET /stats/siting": DASHBOARD,
        "GET /stats/indicators": DASHBOARD,
        "GET /stats/indicators/{code}": DASHBOARD,
        "GET /stats/report": access.PUBLIC,  # the public report (brief 3.1.2)
        "GET /stats/dhis2": access.Guard(gate="national_statistics"),
    }
)
