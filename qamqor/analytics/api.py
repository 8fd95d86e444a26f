"""Aggregated statistics: coordinators for their scope, monitors nationally (no case data)."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.decorators import decorate_view

from qamqor.accounts import policy
from qamqor.analytics import accessibility, selectors
from qamqor.analytics.forms import AccessibilityForm
from qamqor.apikit import errors, validated
from qamqor.replica import replica_reads

router = Router(tags=["statistics"])
# Every operation reads aggregates, from the replica when healthy (brief 3.1.1).
router_reads = decorate_view(replica_reads())


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
@router_reads
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


class WithinOut(Schema):
    km: float
    children: int
    share: float


class AccessibilityRegionOut(Schema):
    region: str
    settlements: int
    children: int
    settlements_with_centre: int
    within: list[WithinOut]
    farthest_km: float


class AccessibilityOut(Schema):
    national: bool
    children: int
    within: list[WithinOut]
    not_counted: int
    regions: list[AccessibilityRegionOut]


class BranchOut(Schema):
    settlement: str
    region: str
    latitude: float
    longitude: float
    children: int
    weighted: float


class SitingOut(Schema):
    radius_km: float
    branches: int
    reach_now: float
    total: float
    greedy: list[BranchOut]
    greedy_gain: float
    exact: list[BranchOut]
    exact_gain: float
    exact_proven: bool
    gap: float


def _within(rows: list[tuple[float, int, float]]) -> list[dict[str, Any]]:
    return [{"km": km, "children": children, "share": share} for km, children, share in rows]


def _accessibility_for(request: HttpRequest, query: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The accessibility figures for the regions the user may see (or the one asked for),
    the query validated by the page's form."""
    if not policy.scope_for(request.user).sees_statistics:
        raise Http404
    region_ids = policy.statistics_region_ids(request.user)
    data = validated(
        AccessibilityForm, {k: v for k, v in query.items() if v is not None}, region_ids=region_ids
    )
    scope = frozenset({data["region"].pk}) if data.get("region") else region_ids
    return accessibility.accessibility(scope), data


@router.get(
    "/accessibility",
    response={200: AccessibilityOut, **errors(404, 422)},
    summary="Children within reach of a PSC or branch, by region (brief 1.8.2)",
)
@router_reads
def accessibility_figures(request: HttpRequest, region: str | None = None) -> dict[str, Any]:
    data, _query = _accessibility_for(
        request,
        {"region": region},
    )
    return {
        "national": data.national,
        "children": data.children,
        "within": _within(data.within),
        "not_counted": data.not_counted,
        "regions": [
            {
                "region": row.code,
                "settlements": row.settlements,
                "children": row.children,
                "settlements_with_centre": row.centres,
                "within": _within(row.within),
                "farthest_km": row.farthest_km,
            }
            for row in data.regions
        ],
    }


def _branches(branches: list[accessibility.Branch]) -> list[dict[str, Any]]:
    return [
        {
            "settlement": branch.place.name,
            "region": branch.place.region_code,
            "latitude": branch.place.latitude,
            "longitude": branch.place.longitude,
            "children": branch.children,
            "weighted": branch.weight,
        }
        for branch in branches
    ]


@router.get(
    "/siting",
    response={200: SitingOut, **errors(404, 422)},
    summary="Where new PSC branches would reach the most vulnerable children (brief 3.1.2)",
)
@router_reads
def siting_plan(
    request: HttpRequest,
    region: str | None = None,
    radius_km: int = int(accessibility.DEFAULT_RADIUS_KM),
    branches: int = accessibility.DEFAULT_BRANCHES,
) -> dict[str, Any]:
    data, query = _accessibility_for(
        request, {"region": region, "radius_km": radius_km, "branches": branches}
    )
    plan = accessibility.plan_branches(
        data, branches=query["branches"], radius_km=float(query["radius_km"])
    )
    return {
        "radius_km": plan.radius_km,
        "branches": plan.branches_asked,
        "reach_now": plan.reach_now,
        "total": plan.total,
        "greedy": _branches(plan.greedy),
        "greedy_gain": plan.greedy_gain,
        "exact": _branches(plan.exact),
        "exact_gain": plan.exact_gain,
        "exact_proven": plan.exact_proven,
        "gap": plan.gap,
    }
