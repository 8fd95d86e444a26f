"""The weekly work log (brief 1.5.4, 2.3.1): one form per week, categories as rows; and
the workload report against the norms (3.3.2)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django import forms as dj
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from qamqor import exports
from qamqor.accounts.models import User
from qamqor.care import selectors
from qamqor.care.forms import WorkloadFilterForm, WorkWeekForm, care_organisation
from qamqor.care.models import NON_SPECIALIST, WorkCategory, WorkWeek
from qamqor.care.services import worklog as worklog_services
from qamqor.care.services.common import local_today, week_start
from qamqor.care.views.common import care_organisations
from qamqor.directory.models import Organisation, Region
from qamqor.pages import exportable, private, run_form, success, user_of


def _week_param(value: str | None) -> date:
    today = local_today()
    try:
        chosen = date.fromisoformat(value) if value else today
    except ValueError:
        chosen = today
    return week_start(min(chosen, today))


def _saved_week_form(
    user: User, organisation: Organisation, week: date
) -> tuple[WorkWeekForm, dict[str, Any], bool]:
    """The week as saved, or, for a week not saved yet, the hours suggested from the
    consultations and sessions recorded in it."""
    hours = selectors.work_week(user, organisation, week)
    saved = any(hours.values())
    suggested = {} if saved else selectors.suggested_hours(user, organisation, week)
    note = (
        WorkWeek.objects.filter(user=user, organisation=organisation, week_start=week)
        .values_list("note", flat=True)
        .first()
    )
    form = WorkWeekForm(
        initial={
            "organisation": organisation.code,
            "week": week,
            "note": note or "",
            **{c: (h if h else suggested.get(c)) for c, h in hours.items()},
        }
    )
    return form, suggested, saved


@login_required
@require_http_methods(["GET", "POST"])
def worklog(request: HttpRequest) -> HttpResponse:
    """One form per week, categories as rows: a minute's work on Friday (1.5.4, 2.3.1)."""
    user = user_of(request)
    organisations = care_organisations(user)
    if not organisations:
        raise Http404("work log")
    code = request.POST.get("organisation") or request.GET.get("organisation")
    organisation = next((o for o in organisations if o.code == code), organisations[0])
    week = _week_param(request.POST.get("week") or request.GET.get("week"))
    suggested: dict[str, Any] = {}
    saved = False
    if request.method == "POST":
        form = WorkWeekForm(request.POST)
    else:
        form, suggested, saved = _saved_week_form(user, organisation, week)

    def save(data: dict[str, Any]) -> Organisation:
        chosen = care_organisation(user, data["organisation"])
        worklog_services.save_work_week(
            actor=user,
            organisation=chosen,
            week=data["week"],
            hours=worklog_services.parse_hours(
                {k: v for k, v in form.hours().items() if v is not None}
            ),
            note=data["note"],
        )
        return chosen

    def again(status: int) -> HttpResponse:
        rows = [
            {
                "field": form[category],
                "non_specialist": category in NON_SPECIALIST,
                "suggested": suggested.get(category),
            }
            for category in WorkCategory.values
        ]
        recent = list(
            WorkWeek.objects.filter(user=user, organisation=organisation)
            .order_by("-week_start")
            .values_list("week_start", flat=True)[:8]
        )
        next_week = week + timedelta(days=7)
        context = {
            "form": form,
            "rows": rows,
            "organisation": organisation,
            "organisations": organisations,
            "week": week,
            "previous_week": week - timedelta(days=7),
            "next_week": next_week if next_week <= local_today() else None,
            "saved": saved,
            "suggested": bool(suggested),
            "recent": recent,
        }
        return private(render(request, "care/worklog.html", context, status=status))

    return run_form(
        form,
        save,
        done=lambda chosen: success(
            request,
            gettext("The week is saved."),
            redirect(
                f"{request.path}?week={form.cleaned_data['week'].isoformat()}"
                f"&organisation={chosen.code}"
            ),
        ),
        again=again,
    )


def _workload(request: HttpRequest) -> tuple[Any, WorkloadFilterForm, tuple[str, ...]]:
    """The workload report the page shows, with its filters and the levels the user may
    choose (404 for whoever has no view of it)."""
    user = user_of(request)
    levels = selectors.workload_levels(user)
    filters = WorkloadFilterForm(request.GET)
    filters.is_valid()
    chosen = getattr(filters, "cleaned_data", {})
    start, end = selectors.workload_period(chosen.get("start"), chosen.get("end"))
    if start > end:
        start, end = end, start
    region = None
    if chosen.get("region"):
        region = Region.objects.filter(code=chosen["region"].upper()).first()
    report = selectors.workload_report(
        user, start=start, end=end, level=chosen.get("level") or None, region=region
    )
    return report, filters, levels


WORKLOAD = exports.TableExport(
    name="workload",
    title=_("Workload"),
    rows=lambda request: _workload(request)[0].rows,
    columns=[
        exports.column(_("Name"), "label"),
        exports.column(_("Region"), "region"),
        exports.column(_("Psychologists"), "psychologists"),
        exports.column(_("Hours logged"), "hours"),
        exports.column(_("Non-specialist hours"), "non_specialist_hours"),
        exports.column(_("Non-specialist share"), "non_specialist_percent"),
        exports.column(_("Pupils"), "pupils"),
        exports.column(_("Active children"), "caseload"),
        exports.column(_("Load"), "load"),
        exports.column(_("Norm"), "norm"),
        exports.column(_("PSC psychologists"), "psc_psychologists"),
        exports.column(_("Children per PSC psychologist"), "psc_load"),
    ],
    # counts, but the psychologist level names staff and their hours: asked and audited
    filters=("level", "region", "start", "end"),
)


@login_required
@exportable(WORKLOAD)
@require_safe
def workload(request: HttpRequest) -> HttpResponse:
    """Non-specialist share and caseload against the norms, with a chart (1.5.4, 3.3.2)."""
    report, filters, levels = _workload(request)
    level_field = cast(dj.ChoiceField, filters.fields["level"])
    labels = dict(WorkloadFilterForm.LEVELS)
    level_field.choices = [(code, labels[code]) for code in levels]
    return private(
        render(
            request,
            "care/workload.html",
            {"report": report, "filters": filters, "chart": report.chart},
        )
    )
