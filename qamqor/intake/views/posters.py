"""QR poster pages: the list of posters a staff member may print, and the PDFs themselves.

A school's staff get their school's poster; a region's coordinators, and the national
coordinator, get one PDF per district with a page per school. Everyone else gets a 404
(qamqor.intake.posters holds the rule).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from qamqor.accounts import access, policy
from qamqor.directory.models import OrganisationKind
from qamqor.intake import posters
from qamqor.intake.forms import PosterSchoolForm
from qamqor.pages import user_of


def _pdf(data: bytes, filename: str) -> HttpResponse:
    """The whole file at once: a district of 100 schools renders in about 2 s (docs/intake.md),
    and a PDF cannot be written out before its cross-reference table is known anyway."""
    return HttpResponse(
        data,
        content_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition_header(True, filename),
            "Cache-Control": "private, no-cache",
        },
    )


@login_required
@require_safe
@access.gate_required("posters")
def poster_index(request: HttpRequest) -> HttpResponse:
    """The schools and districts whose posters the user may print, and a school-code box
    for coordinators, who may print any school of their region."""
    user = user_of(request)
    scope = policy.scope_for(user)
    own_schools = list(
        posters.schools_for_posters(user).filter(pk__in=scope.school_ids).order_by("code")
    )
    districts = list(
        posters.districts_for_posters(user)
        .select_related("region")
        .annotate(
            school_count=Count(
                "organisations", filter=Q(organisations__kind=OrganisationKind.SCHOOL)
            )
        )
        .order_by("region__code", "code")
    )
    may_pick_school = bool(scope.national or scope.region_ids)
    if not own_schools and not may_pick_school:
        raise Http404("no poster to print")
    form = PosterSchoolForm(request.GET or None)
    if may_pick_school and form.is_valid():
        code = form.cleaned_data["school"]
        if posters.schools_for_posters(user).filter(code=code).exists():
            return redirect("poster-school", school_code=code)
        form.add_error("school", _("No school with this code is in your area."))
    return render(
        request,
        "intake/posters.html",
        {
            "own_schools": own_schools,
            "districts": districts,
            "form": form if may_pick_school else None,
        },
    )


@login_required
@require_safe
def school_poster(request: HttpRequest, school_code: str) -> HttpResponse:
    """One school's A4 poster."""
    school = posters.school_or_404(user_of(request), school_code)
    return _pdf(posters.school_poster_pdf(school), f"qamqor-poster-{school.code}.pdf")


@login_required
@require_safe
def district_posters(request: HttpRequest, district_code: str) -> HttpResponse:
    """Every school of a district, a page each, in one PDF."""
    district, district_posters = posters.district_schools_or_404(user_of(request), district_code)
    data = posters.district_poster_pdf(district, district_posters)
    return _pdf(data, f"qamqor-posters-{district.code}.pdf")
