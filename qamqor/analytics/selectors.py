"""Aggregates for the coordinator dashboards: counts by region, status and form, overdue steps.

Monitors and coordinators read these; they never contain a name or a narrative. The
figures come from the rollups through ``analytics.indicators`` (decision 0014), so a
dashboard reads a few hundred rollup rows whatever the size of the history, and says
"as of" the last fold. A monitor's figures are suppressed: the table of regions by status
goes through ``suppress`` whole (each region's total and each status's total are shown,
so a hidden count cannot be worked out from them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from qamqor.accounts import policy
from qamqor.analytics import indicators
from qamqor.analytics.catalogue import minimum_cell
from qamqor.cases.models import Case
from qamqor.directory.models import Region
from qamqor.instruments.suppression import suppress
from qamqor.protocols.models import Step

#: The status columns of the dashboard and the indicator that counts each.
STATUS_INDICATORS = {
    Case.Status.REGISTERED: "cases_awaiting_first_step",
    Case.Status.IN_PROGRESS: "cases_in_progress",
    Case.Status.CLOSED: "cases_closed",
}


@dataclass
class Dashboard:
    """The dashboard's figures; None stands for a suppressed count."""

    national: bool
    regions: list[Region]
    total: int | None = 0
    by_status: dict[str, int | None] = field(default_factory=dict)
    by_form: dict[str, int | None] = field(default_factory=dict)
    by_region: list[dict[str, Any]] = field(default_factory=list)
    overdue_total: int | None = 0
    totals: dict[str, int | None] = field(default_factory=dict)
    as_of: dt.datetime | None = None
    suppressed: bool = False
    minimum: int = 0


def _by_region(code: str, viewer: indicators.Viewer) -> dict[str, int]:
    figures = indicators.values(code, kind="all", breakdown="region", viewer=viewer)
    return {row.category: int(row.value or 0) for row in figures.rows}


def dashboard(user: object) -> Dashboard:
    """Aggregates for the user's statistics scope (a region, or the whole country)."""
    region_ids = policy.statistics_region_ids(user)
    regions = list(
        Region.objects.all() if region_ids is None else Region.objects.filter(pk__in=region_ids)
    )
    viewer = indicators.Viewer.of(user)
    whole = indicators.Viewer(viewer.region_codes)  # suppressed below, as one table
    result = Dashboard(
        national=region_ids is None,
        regions=regions,
        suppressed=viewer.suppressed,
        minimum=minimum_cell() if viewer.suppressed else 0,
    )
    statuses = {status: _by_region(code, whole) for status, code in STATUS_INDICATORS.items()}
    overdue = _by_region("overdue_steps", whole)
    forms = indicators.values("cases_by_form", kind="all", breakdown="form", viewer=viewer)
    result.as_of = forms.as_of
    result.by_form = {
        row.category: None if row.value is None else int(row.value)
        for row in sorted(forms.rows, key=lambda r: (-(r.numerator or 0), r.category))
    }
    order = list(STATUS_INDICATORS)
    counts = [[statuses[s].get(region.code, 0) for s in order] for region in regions]
    overdue_counts = [[overdue.get(region.code, 0)] for region in regions]
    table: list[list[int | None]]
    overdue_table: list[list[int | None]]
    if viewer.suppressed and regions:
        minimum = minimum_cell()
        table = suppress(counts, minimum)
        overdue_table = suppress(overdue_counts, minimum)
    else:
        whole_rows: list[list[int | None]] = [[*row, sum(row)] for row in counts]
        whole_rows.append([sum(row[c] for row in counts) for c in range(3)])
        whole_rows[-1].append(sum(sum(row) for row in counts))
        table = whole_rows
        overdue_table = [[row[0]] for row in overdue_counts]
        overdue_table.append([sum(row[0] for row in overdue_counts)])
    for index, region in enumerate(regions):
        registered, in_progress, closed, total = table[index]
        result.by_region.append(
            {
                "region": region,
                "registered": registered,
                "in_progress": in_progress,
                "closed": closed,
                "total": total,
                "overdue_steps": overdue_table[index][0],
            }
        )
    totals: list[int | None] = table[-1] if regions else [0, 0, 0, 0]
    result.by_status = {
        status: totals[i] for i, status in enumerate(order) if totals[i] is None or totals[i]
    }
    result.total = totals[-1]
    result.overdue_total = overdue_table[-1][0] if regions else 0
    result.totals = {
        "registered": totals[0],
        "in_progress": totals[1],
        "closed": totals[2],
        "total": totals[3],
        "overdue_steps": result.overdue_total,
    }
    return result


def overdue_steps(user: object, limit: int = 50) -> QuerySet[Step]:
    """Overdue steps in the coordinator's region(s); monitors get none (no case detail)."""
    scope = policy.scope_for(user)
    steps = Step.objects.overdue(timezone.now()).select_related(
        "case__region", "organisation", "run__protocol"
    )
    if scope.national:
        return steps.order_by("due_at")[:limit]
    if scope.region_ids:
        return steps.filter(case__region_id__in=scope.region_ids).order_by("due_at")[:limit]
    return steps.none()
