"""Aggregated statistics: coordinators for their scope, monitors nationally (no case data)."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from qamqor.accounts import policy
from qamqor.analytics import selectors

router = Router(tags=["statistics"])


class RegionRow(Schema):
    region: str
    registered: int
    in_progress: int
    closed: int
    total: int
    overdue_steps: int


class StatsOut(Schema):
    national: bool
    total: int
    by_status: dict[str, int]
    by_form: dict[str, int]
    overdue_steps: int
    regions: list[RegionRow]


@router.get("", response=StatsOut, summary="Counts by region, status and form; overdue steps")
def stats(request: HttpRequest) -> dict[str, Any]:
    if not policy.scope_for(request.user).sees_statistics:
        raise Http404
    board = selectors.dashboard(request.user)
    return {
        "national": board.national,
        "total": board.total,
        "by_status": board.by_status,
        "by_form": board.by_form,
        "overdue_steps": board.overdue_total,
        "regions": [{**row, "region": row["region"].code} for row in board.by_region],
    }
