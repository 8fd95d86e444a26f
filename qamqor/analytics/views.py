"""Statistics pages of the coordination center (brief 1.8.2, 3.1.2)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from qamqor import exports
from qamqor.accounts import access, policy
from qamqor.analytics import accessibility
from qamqor.analytics.forms import AccessibilityForm
from qamqor.replica import replica_reads


def _settlement_rows(data: accessibility.Accessibility) -> tuple[list[str], list[list[Any]]]:
    header = [
        gettext("Settlement"),
        gettext("Region"),
        gettext("Children"),
        gettext("Vulnerability index"),
        gettext("Distance to the nearest centre (km)"),
        gettext("Has a centre"),
    ]
    rows = [
        [
            place.name,
            place.region,
            place.children,
            round(place.vulnerability, 2),
            round(place.distance_km, 1),
            place.has_centre,
        ]
        for place in data.places
    ]
    return header, rows


@login_required
@require_safe
@access.gate_required("dashboard")
@replica_reads()  # figures and their downloads from the replica when healthy (brief 3.1.1)
def accessibility_page(request: HttpRequest) -> HttpResponseBase:
    """Distances from every settlement to the nearest PSC or branch, children within reach
    by region, and where new branches would reach the most vulnerable children."""
    region_ids = policy.statistics_region_ids(request.user)
    form = AccessibilityForm(request.GET or None, region_ids=region_ids)
    if request.GET and not form.is_valid():
        return render(request, "analytics/accessibility.html", {"form": form}, status=422)
    if form.is_bound:
        radius, branches = form.cleaned_data["radius_km"], form.cleaned_data["branches"]
        scope = form.scope(region_ids)
    else:
        radius, branches = accessibility.DEFAULT_RADIUS_KM, accessibility.DEFAULT_BRANCHES
        scope = region_ids
    data = accessibility.accessibility(scope)
    download = request.GET.get("download")
    if download in ("csv", "xlsx"):
        header, rows = _settlement_rows(data)
        name = "accessibility"
        if download == "csv":
            return exports.csv_response(name, header, rows)
        return exports.xlsx_response(name, header, rows, title=gettext("Accessibility"))
    plan = accessibility.plan_branches(data, branches=int(branches), radius_km=float(radius))
    chart = {
        "labels": {
            "settlements": gettext("Settlements"),
            "centres": gettext("PSCs and branches"),
            "greedy": gettext("Proposed branches"),
        },
        "far_km": float(radius),
        "settlements": [
            [round(p.longitude, 4), round(p.latitude, 4), round(p.distance_km, 1)]
            for p in data.places
        ],
        "centres": [[round(lon, 4), round(lat, 4)] for _name, lat, lon in data.centres],
        "greedy": [[b.place.longitude, b.place.latitude] for b in plan.greedy],
    }
    query = request.GET.copy()
    query.pop("download", None)
    return render(
        request,
        "analytics/accessibility.html",
        {
            "form": form,
            "data": data,
            "plan": plan,
            "farthest": data.places[:20],
            "chart": chart,
            "query": query.urlencode(),
        },
    )
