"""The statistics dashboards: country, region, district and organisation pages with their
tile map, trend, ranked sub-areas, gaps and downloads (brief 1.2.1, 1.4.1, 3.1.1, 2.3.9).

The pages only read aggregates through ``analytics.dashboards``; a place outside the
viewer's regions is a 404, as for any scoped object.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from qamqor import exports
from qamqor.accounts import access
from qamqor.analytics import dashboards, indicators
from qamqor.analytics.dashboards import Place
from qamqor.analytics.indicators import Viewer
from qamqor.directory.models import District, Organisation, Region
from qamqor.replica import replica_reads


def _in_scope(viewer: Viewer, region_code: str | None) -> None:
    if viewer.region_codes is not None and region_code not in viewer.region_codes:
        raise Http404("region")


def _country_crumb() -> tuple[str, str]:
    return gettext("Kazakhstan"), reverse("statistics")


def _page(request: HttpRequest, place: Place, viewer: Viewer) -> HttpResponseBase:
    kind = request.GET.get("kind") or "month"
    if kind not in dashboards.PERIOD_KINDS:
        kind = "month"
    code = request.GET.get("period") or ""
    period = dashboards.parse_period(code, kind) if code else None
    board = dashboards.build(
        place, viewer, code=request.GET.get("indicator"), kind=kind, period=period
    )
    download, key = request.GET.get("download"), request.GET.get("table")
    if download in ("csv", "xlsx"):
        table = board.table(key or "")
        if table is None:
            raise Http404("table")
        name = f"statistics-{place.level}-{place.code}-{table.key}".lower()
        if download == "csv":
            return exports.csv_response(name, table.header, table.rows)
        return exports.xlsx_response(name, table.header, table.rows, title=table.title[:31])
    query = request.GET.copy()
    query.pop("download", None)
    query.pop("table", None)
    query["kind"], query["period"] = kind, indicators.period_code(board.period) or ""
    query["indicator"] = board.indicator.code
    filters = query.urlencode()
    return render(
        request,
        "analytics/statistics.html",
        {
            "board": board,
            "place": place,
            "filters": filters,
            "kinds": [
                ("month", gettext("Month")),
                ("quarter", gettext("Quarter")),
                ("year", gettext("Year")),
            ],
            "periods": dashboards.period_choices(kind),
            "period_code": indicators.period_code(board.period),
            "before_code": indicators.period_code(board.before),
            "map_width": board.map_size[0],
            "map_height": board.map_size[1],
            "tile_size": dashboards.TILE - 6,
            "current": "statistics",
        },
    )


@login_required
@require_safe
@access.gate_required("statistics")
@replica_reads()
def country(request: HttpRequest) -> HttpResponseBase:
    """The country (for a regional coordinator: their regions), with the tile map."""
    viewer = Viewer.of(request.user)
    name = gettext("Kazakhstan") if viewer.region_codes is None else gettext("Your regions")
    place = Place("country", "KZ", name)
    return _page(request, place, viewer)


@login_required
@require_safe
@access.gate_required("statistics")
@replica_reads()
def region(request: HttpRequest, code: str) -> HttpResponseBase:
    viewer = Viewer.of(request.user)
    found = get_object_or_404(Region, code=code)
    _in_scope(viewer, found.code)
    place = Place("region", found.code, found.name, found.code, [_country_crumb()])
    return _page(request, place, viewer)


@login_required
@require_safe
@access.gate_required("statistics")
@replica_reads()
def district(request: HttpRequest, pk: int) -> HttpResponseBase:
    viewer = Viewer.of(request.user)
    found = get_object_or_404(District.objects.select_related("region"), pk=pk)
    _in_scope(viewer, found.region.code)
    trail = [
        _country_crumb(),
        (found.region.name, reverse("statistics-region", args=[found.region.code])),
    ]
    place = Place("district", found.code, found.name, found.region.code, trail)
    return _page(request, place, viewer)


@login_required
@require_safe
@access.gate_required("statistics")
@replica_reads()
def organisation(request: HttpRequest, pk: int) -> HttpResponseBase:
    """One organisation's figures (a school's consultations, crisis exceptions, time)."""
    viewer = Viewer.of(request.user)
    found = get_object_or_404(Organisation.objects.select_related("region", "district"), pk=pk)
    region_code = found.region.code if found.region else None
    _in_scope(viewer, region_code)
    trail = [_country_crumb()]
    if found.region is not None:
        trail.append((found.region.name, reverse("statistics-region", args=[found.region.code])))
    if found.district is not None:
        trail.append(
            (found.district.name, reverse("statistics-district", args=[found.district.pk]))
        )
    place = Place("organisation", found.code, found.name, region_code, trail)
    return _page(request, place, viewer)
