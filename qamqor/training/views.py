"""Pages of training (brief 1.7.2, 1.7.3, 2.3.2-2.3.5, 2.3.9): the catalogue and the
coordinating body's programme forms, one's own record, the records of one's staff, a
PSC's methodological days, and the coverage figures with their downloads."""

from __future__ import annotations

from urllib.parse import quote
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qamqor import exports
from qamqor.accounts import access
from qamqor.pages import bound_form, paginate, private, run_action, run_form, success, user_of
from qamqor.training import selectors, services
from qamqor.training.forms import (
    AttendanceForm,
    CatalogueFilterForm,
    DayForm,
    EnrolmentForm,
    ProgrammeChangeForm,
    ProgrammeForm,
    YearForm,
    programme_initial,
)
from qamqor.training.models import MethodologicalDay, Programme

PREFIX = "programme"


# --- the catalogue ----------------------------------------------------------------------------


@login_required
@access.gate_required("training")
@require_safe
def programme_list(request: HttpRequest) -> HttpResponse:
    """The catalogue of recommended programmes (brief 2.3.4), filtered by topic, role,
    format and provider."""
    user = user_of(request)
    form = CatalogueFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    return render(
        request,
        "training/programme_list.html",
        {
            "form": form,
            "programmes": selectors.programme_list(user, **filters),
            "may_manage": access.allows(user, "training_manage"),
        },
    )


@login_required
@access.gate_required("training")
@require_safe
def programme_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = user_of(request)
    programme = selectors.get_programme(user, code)
    return render(
        request,
        "training/programme_detail.html",
        {
            "programme": programme,
            "may_manage": access.allows(user, "training_manage"),
            "may_enrol": access.allows(user, "training_own"),
        },
    )


def _programme_page(
    request: HttpRequest, form: forms.Form, programme: Programme | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "training/programme_form.html",
        {"form": form, "programme": programme},
        status=status,
    )


@login_required
@access.gate_required("training_manage")
@require_http_methods(["GET", "POST"])
def programme_new(request: HttpRequest) -> HttpResponse:
    """The coordinating body adds a programme."""
    user = user_of(request)
    form: forms.Form = (
        bound_form(request, ProgrammeForm, prefix=PREFIX)
        if request.method == "POST"
        else ProgrammeForm(prefix=PREFIX)
    )
    return run_form(
        form,
        lambda data: services.add_programme(actor=user, **data),
        done=lambda programme: success(
            request,
            gettext("The programme is in the catalogue."),
            redirect("training-programme", code=programme.code),
        ),
        again=lambda status: _programme_page(request, form, None, status),
    )


@login_required
@access.gate_required("training_manage")
@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, code: str) -> HttpResponse:
    """The coordinating body changes a programme (its code stays)."""
    user = user_of(request)
    programme = selectors.get_programme(user, code, "manage")
    form: forms.Form = (
        bound_form(request, ProgrammeChangeForm, prefix=PREFIX)
        if request.method == "POST"
        else ProgrammeChangeForm(prefix=PREFIX, initial=programme_initial(programme))
    )
    return run_form(
        form,
        lambda data: services.change_programme(actor=user, programme=programme, **data),
        done=lambda changed: success(
            request,
            gettext("The programme is saved."),
            redirect("training-programme", code=changed.code),
        ),
        again=lambda status: _programme_page(request, form, programme, status),
    )


@login_required
@access.gate_required("training_manage")
@require_POST
def programme_retire(request: HttpRequest, code: str) -> HttpResponse:
    """The coordinating body takes a programme out of the catalogue."""
    user = user_of(request)
    programme = selectors.get_programme(user, code, "manage")
    back = redirect("training-programme", code=programme.code)
    return run_action(
        request,
        lambda: services.retire(actor=user, programme=programme),
        done=lambda _retired: success(request, gettext("The programme is retired."), back),
        again=lambda: back,
    )


# --- records ------------------------------------------------------------------------------------


def _record_page(
    request: HttpRequest,
    record: selectors.Record,
    *,
    form: forms.Form | None = None,
    own: bool,
    status: int = 200,
) -> HttpResponse:
    return private(
        render(
            request,
            "training/record.html",
            {"record": record, "form": form, "own": own},
            status=status,
        )
    )


@login_required
@access.gate_required("training_own")
@require_http_methods(["GET", "POST"])
def my_record(request: HttpRequest) -> HttpResponse:
    """One's own record: enrolments, certificates, hours per year; a planned or completed
    programme added with its certificate."""
    user = user_of(request)
    form: forms.Form = (
        bound_form(request, EnrolmentForm, prefix="enrolment", with_files=True)
        if request.method == "POST"
        else EnrolmentForm(prefix="enrolment")
    )
    return run_form(
        form,
        lambda data: services.add_enrolment(actor=user, **data),
        done=lambda enrolment: success(
            request,
            gettext("Your record is updated."),
            redirect("training-record"),
        ),
        again=lambda status: _record_page(
            request, selectors.own_record(user), form=form, own=True, status=status
        ),
    )


@login_required
@access.gate_required("training_staff")
@require_safe
def staff_list(request: HttpRequest) -> HttpResponse:
    """The specialists whose records the user opens (their organisation's, their region's,
    every one's), with the programmes and hours of a year. The rows shown are audited."""
    user = user_of(request)
    form = YearForm(request.GET or None)
    year = form.year_or_current()
    page = paginate(request, selectors.specialist_list(user, year=year), audit_as="training_record")
    return private(
        render(
            request,
            "training/staff_list.html",
            {
                "form": form,
                "year": year,
                "page": page,
                "workplaces": selectors.workplaces(page.object_list),
            },
        )
    )


@login_required
@require_safe
def specialist_record(request: HttpRequest, specialist: int) -> HttpResponse:
    """Another specialist's record, for those who reach them (else 404); audited."""
    user = user_of(request)
    record = selectors.specialist_record(user, specialist)
    return _record_page(request, record, own=record.specialist.pk == user.pk)


@login_required
@require_safe
def certificate_download(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A certificate, to those who open the record (audited); downloaded, never inline."""
    document = selectors.certificate(user_of(request), public_id)
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(document.file_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return private(response)


# --- methodological days -------------------------------------------------------------------------


def _days_page(request: HttpRequest, form: forms.Form | None, status: int = 200) -> HttpResponse:
    user = user_of(request)
    return render(
        request,
        "training/day_list.html",
        {
            "upcoming": selectors.day_list(user),
            "past": selectors.day_list(user, upcoming=False)[:20],
            "form": form,
        },
        status=status,
    )


@login_required
@access.gate_required("training_days")
@require_http_methods(["GET", "POST"])
def day_list(request: HttpRequest) -> HttpResponse:
    """A PSC's staff see their upcoming methodological days; coordinators see their PSCs'
    and schedule new ones here (brief 2.3.5)."""
    user = user_of(request)
    manages = access.allows(user, "training_days_manage")
    if request.method == "POST" and not manages:
        raise Http404("training_days_manage")
    if not manages:
        return _days_page(request, None)
    form: forms.Form = (
        DayForm(request.POST, prefix="day", actor=user)
        if request.method == "POST"
        else DayForm(prefix="day", actor=user)
    )
    return run_form(
        form,
        lambda data: services.schedule(actor=user, **data),
        done=lambda day: success(
            request,
            gettext("The methodological day is scheduled."),
            redirect("training-day", public_id=day.public_id),
        ),
        again=lambda status: _days_page(request, form, status),
    )


def _day_page(
    request: HttpRequest, day: MethodologicalDay, form: forms.Form | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "training/day_detail.html",
        {"day": day, "attendance": selectors.attendance(day), "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def day_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """One day with its attendance; its coordinators record who attended."""
    user = user_of(request)
    day = selectors.get_day(user, public_id)
    manages = access.permits(user, "manage", day)
    if request.method == "POST" and not manages:
        raise Http404("methodological day")
    if not manages:
        return _day_page(request, day, None)
    marked = [line.specialist.username for line in selectors.attendance(day) if line.present]
    form: forms.Form = (
        AttendanceForm(request.POST, prefix="attendance", day=day)
        if request.method == "POST"
        else AttendanceForm(prefix="attendance", day=day, initial={"present": marked})
    )
    return run_form(
        form,
        lambda data: services.mark_attendance(actor=user, day=day, **data),
        done=lambda _marks: success(
            request,
            gettext("The attendance is recorded."),
            redirect("training-day", public_id=day.public_id),
        ),
        again=lambda status: _day_page(request, day, form, status),
    )


# --- coverage ------------------------------------------------------------------------------------


@login_required
@access.gate_required("training_coverage")
@require_safe
def coverage(request: HttpRequest) -> HttpResponseBase:
    """Who completed a programme in a year and the hours per specialist (brief 2.3.9), by
    region, kind of organisation and role, public beside private schools; each table as
    CSV or XLSX (``?table=<key>&download=csv|xlsx``)."""
    user = user_of(request)
    form = YearForm(request.GET or None)
    year = form.year_or_current()
    figures = selectors.coverage(user, year=year)
    download = request.GET.get("download")
    if download is not None:
        table = figures.table(request.GET.get("table", ""))
        if table is None or download not in ("csv", "xlsx"):
            raise Http404("table")
        name = f"training-coverage-{table.key}-{year}"
        if download == "csv":
            return exports.csv_response(name, table.header, table.rows)
        return exports.xlsx_response(name, table.header, table.rows, title=table.title)
    return render(
        request,
        "training/coverage.html",
        {"form": form, "coverage": figures, "year": year},
    )
