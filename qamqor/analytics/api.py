"""Aggregated statistics: coordinators for their scope, monitors nationally (no case data,
small cells suppressed). Figures come from the rollups (decision 0014) through
``analytics.indicators``; each answer says when they were last brought up to date."""

import datetime as dt
import json
import logging
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from qamqor.accounts import access, policy
from qamqor.analytics import accessibility, dhis2, indicators, selectors
from qamqor.analytics.forms import AccessibilityForm, Dhis2ExportForm, IndicatorQueryForm
from qamqor.analytics.report_forms import ReportPeriodForm
from qamqor.analytics.report_json import PublicReportOut, report_json
from qamqor.apikit import errors, validated
from qamqor.errors import InvalidInput, NotConfigured
from qamqor.replica import replica_reads

router = Router(tags=["statistics"])
logger = logging.getLogger(__name__)
# The operations reading figures do so from the replica when healthy (brief 3.1.1); the
# caller is authenticated before, on the primary.
router_reads = replica_reads()


class RegionRow(Schema):
    region: str
    registered: int | None
    in_progress: int | None
    closed: int | None
    total: int | None
    overdue_steps: int | None


class StatsOut(Schema):
    national: bool
    as_of: dt.datetime | None
    suppressed: bool
    total: int | None
    by_status: dict[str, int | None]
    by_form: dict[str, int | None]
    overdue_steps: int | None
    regions: list[RegionRow]


@router.get(
    "",
    response=StatsOut,
    summary="Counts by region, status and form; overdue steps (null: a suppressed small cell)",
)
@router_reads
def stats(request: HttpRequest) -> dict[str, Any]:
    if not policy.scope_for(request.user).sees_statistics:
        raise Http404
    board = selectors.dashboard(request.user)
    return {
        "national": board.national,
        "as_of": board.as_of,
        "suppressed": board.suppressed,
        "total": board.total,
        "by_status": board.by_status,
        "by_form": board.by_form,
        "overdue_steps": board.overdue_total,
        "regions": [{**row, "region": row["region"].code} for row in board.by_region],
    }


class IndicatorOut(Schema):
    code: str
    name: str
    names: dict[str, str]
    unit: str
    period: str
    disaggregations: list[str]
    areas: list[str]
    brief: str


def _indicator(indicator: indicators.Indicator) -> dict[str, Any]:
    return {
        "code": indicator.code,
        "name": indicator.name_in(get_language() or "en"),
        "names": dict(indicator.name),
        "unit": indicator.unit,
        "period": indicator.period,
        "disaggregations": list(indicator.disaggregations),
        "areas": list(indicator.areas),
        "brief": indicator.brief,
    }


def _require_statistics(request: HttpRequest) -> None:
    if not policy.scope_for(request.user).sees_statistics:
        raise Http404


@router.get(
    "/indicators",
    response={200: list[IndicatorOut], **errors(404)},
    summary="The indicator catalogue (brief 1.4.1, 3.1.1)",
)
def indicator_catalogue(request: HttpRequest) -> list[dict[str, Any]]:
    _require_statistics(request)
    return [_indicator(indicator) for indicator in indicators.catalogue().values()]


class ValueOut(Schema):
    period: str | None
    area: str
    category: str
    value: float | None
    numerator: float | None
    denominator: float | None
    suppressed: bool


class ValuesOut(Schema):
    indicator: IndicatorOut
    as_of: dt.datetime | None
    suppressed: bool
    minimum: int | None
    breakdown: str | None
    values: list[ValueOut]


@router.get(
    "/indicators/{code}",
    response={200: ValuesOut, **errors(404, 422)},
    summary="An indicator's values by period, place and breakdown (null: suppressed)",
)
@router_reads
def indicator_values(
    request: HttpRequest,
    code: str,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    region: str | None = None,
    district: str | None = None,
    organisation: str | None = None,
    breakdown: str | None = None,
) -> dict[str, Any]:
    _require_statistics(request)
    indicator = indicators.catalogue().get(code)
    if indicator is None:
        raise Http404
    query = {
        "period": period,
        "start": start,
        "end": end,
        "region": region,
        "district": district,
        "organisation": organisation,
        "breakdown": breakdown,
    }
    data = validated(
        IndicatorQueryForm,
        {k: v for k, v in query.items() if v is not None},
        region_ids=policy.statistics_region_ids(request.user),
        indicator=indicator,
    )
    figures = indicators.values(
        code,
        periods=data["periods"],
        kind=data["period"],
        area=data["area"],
        breakdown=data.get("breakdown") or None,
        viewer=indicators.Viewer.of(request.user),
    )
    return {
        "indicator": _indicator(indicator),
        "as_of": figures.as_of,
        "suppressed": figures.suppressed,
        "minimum": indicators.minimum_cell() if figures.suppressed else None,
        "breakdown": figures.breakdown,
        "values": [
            {
                "period": indicators.period_code(row.period),
                "area": row.area,
                "category": row.category,
                "value": row.value,
                "numerator": row.numerator,
                "denominator": row.denominator,
                "suppressed": row.suppressed,
            }
            for row in figures.rows
        ],
    }


def _dhis2_mapping() -> dhis2.Dhis2Mapping:
    """The ministry's mapping named by ``QAMQOR_DHIS2_MAPPING``; 404 when none is set (or
    it cannot be read: the operator's log says why)."""
    path = settings.QAMQOR_DHIS2_MAPPING
    if not path:
        raise NotConfigured(_("No DHIS2 mapping is configured on this server."))
    try:
        with open(path, encoding="utf-8") as file:
            return dhis2.load_mapping(json.load(file))
    except (OSError, ValueError) as error:
        logger.error("the DHIS2 mapping %s cannot be read: %s", path, error)
        raise NotConfigured(_("No DHIS2 mapping is configured on this server.")) from None


@router.get(
    "/dhis2",
    response={200: None, **errors(404, 422)},
    summary="Indicator values for a ministry's DHIS2: dataValueSets JSON or ADX (brief 1.4.1)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The document to import into DHIS2; `X-Qamqor-Written` counts "
                "its values, `X-Qamqor-Unmapped` those left out for want of a mapping.",
                "content": {"application/json": {}, "application/adx+xml": {}},
            }
        }
    },
)
@router_reads
def dhis2_export(
    request: HttpRequest,
    indicator: Query[list[str]],
    start: str,
    end: str,
    period: str | None = None,
    breakdown: str | None = None,
    format: str | None = None,
    unsuppressed: bool = False,
) -> HttpResponse:
    """The same document as ``manage.py export_dhis2`` for the national view: the national
    coordinator may ask for small cells as they are, a monitor only for suppressed ones."""
    if not access.allows(request.user, "national_statistics"):
        raise Http404
    query = {"indicator": indicator, "start": start, "end": end, "period": period,
             "breakdown": breakdown, "format": format, "unsuppressed": unsuppressed}  # fmt: skip
    data = validated(Dhis2ExportForm, {k: v for k, v in query.items() if v is not None})
    if data["unsuppressed"] and not policy.scope_for(request.user).national:
        raise InvalidInput.on("unsuppressed", _("Only the national coordinator sees small cells."))
    mapping = _dhis2_mapping()
    periods = indicators.periods_between(data["start"], data["end"], data["period"])
    try:
        export = indicators.dhis2_export(
            data["indicator"],
            mapping=mapping,
            periods=periods,
            breakdown=data["breakdown"] or None,
            viewer=indicators.NATIONAL if data["unsuppressed"] else indicators.PUBLIC,
            fmt=data["format"],
        )
    except ValueError as error:
        raise InvalidInput.on("breakdown", str(error)) from None
    adx = data["format"] == "adx"
    response = HttpResponse(
        export.body,
        content_type="application/adx+xml; charset=utf-8" if adx else "application/json",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="qamqor-dhis2.{"xml" if adx else "json"}"'
    )
    response["X-Qamqor-Written"] = str(export.written)
    response["X-Qamqor-Unmapped"] = str(sum(export.unmapped.values()))
    return response


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


@router.get(
    "/report",
    response={200: PublicReportOut, **errors(422)},
    auth=None,
    summary="The public report's tables for a quarter or a year, small cells suppressed",
)
@router_reads
def public_report_tables(
    request: HttpRequest, year: str | None = None, quarter: str | None = None
) -> dict[str, Any]:
    """Anyone, signed in or not (brief 1.4.1, 3.1.2): the page's tables as JSON; a bad
    year or quarter is a 422 naming the field."""
    query = {"year": year, "quarter": quarter}
    data = validated(ReportPeriodForm, {k: v for k, v in query.items() if v is not None})
    return report_json(data["year"], data["quarter"])
