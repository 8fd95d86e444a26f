"""The case list and its download (CSV, XLSX; ``COPY`` on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.postgres.aggregates import StringAgg
from django.db.models import F, OuterRef, QuerySet, Subquery, TextField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from qamqor import exports
from qamqor.cases import selectors as case_selectors
from qamqor.cases.forms import CaseFilterForm
from qamqor.cases.models import Case, CaseViolenceForm
from qamqor.classification import RiskLevel, Setting, ViolenceForm
from qamqor.directory.models import Organisation, Region
from qamqor.pages import exportable, paginate, user_of
from qamqor.translation import db_name


def _case_rows(request: HttpRequest) -> tuple[Any, CaseFilterForm]:
    """The cases the list shows the user, with its filters (the page and its download)."""
    cases = case_selectors.case_list(user_of(request))
    filters = CaseFilterForm(request.GET)
    filters.is_valid()  # an unknown value is ignored, the valid filters still apply
    chosen = getattr(filters, "cleaned_data", {})
    if chosen.get("status"):
        cases = cases.filter(status=chosen["status"])
    if chosen.get("form"):
        cases = cases.filter(forms__code=chosen["form"])
    return cases, filters


_CASE_VALUES = (
    "pk",
    "number",
    "region_id",
    "school_id",
    "setting",
    "risk_level",
    "in_danger_now",
    "status",
    "registered_at",
    "closed_at",
)
_CASE_CHUNK_ROWS = 2000


def _add_names(
    model: type[Region] | type[Organisation], names: dict[int, str], ids: set[Any]
) -> None:
    """Add to ``names`` the name (in the active language) of each of ``ids`` not in it."""
    missing = {pk for pk in ids if pk is not None and pk not in names}
    if missing:
        for one in model.objects.filter(pk__in=missing).only("name_kk", "name_ru", "name_en"):
            names[one.pk] = one.name


def _case_values(cases: QuerySet[Case]) -> Iterator[tuple[Any, ...]]:
    """The export's rows as database values (brief 1.4.1, 3.1.1): only the exported
    columns are selected (never the encrypted summary or outcome note, so nothing is
    decrypted), labels come from dicts translated once per export, and the forms of
    violence of a chunk of cases are read in one query. Same cells as the columns of
    ``CASES`` give for a model row."""
    settings_ = {code: str(label) for code, label in Setting.choices}
    risks = {code: str(label) for code, label in RiskLevel.choices}
    statuses = {code: str(label) for code, label in Case.Status.choices}
    form_labels = {code: str(label) for code, label in ViolenceForm.choices}
    regions: dict[int, str] = {}  # names in the active language, read once each
    schools: dict[int, str] = {}
    values = (
        cases.select_related(None)
        .prefetch_related(None)
        .values_list(*_CASE_VALUES)
        .iterator(chunk_size=_CASE_CHUNK_ROWS)
    )
    while chunk := list(islice(values, _CASE_CHUNK_ROWS)):
        forms: dict[int, list[str]] = {}
        for case_id, code in (
            CaseViolenceForm.objects.filter(case_id__in=[row[0] for row in chunk])
            .order_by("pk")
            .values_list("case_id", "code")
        ):
            forms.setdefault(case_id, []).append(form_labels.get(code, code))
        _add_names(Region, regions, {row[2] for row in chunk})
        _add_names(Organisation, schools, {row[3] for row in chunk})
        for pk, number, region, school, setting, risk, danger, status, at, closed in chunk:
            yield (
                number,
                regions.get(region),
                schools.get(school),
                ", ".join(forms.get(pk, ())),
                settings_.get(setting, setting),
                risks.get(risk, risk),
                danger,
                statuses.get(status, status),
                at,
                closed,
            )


def _case_copy(cases: QuerySet[Case]) -> QuerySet[Any, Any]:
    """The export's cells computed by PostgreSQL, for ``COPY`` (brief 1.4.1, 3.1.1): the
    same cells as ``_case_values`` gives (a test compares them in kk, ru and en), the
    forms of violence joined in the order they were recorded."""
    forms = (
        CaseViolenceForm.objects.filter(case_id=OuterRef("pk"))
        .order_by()
        .values("case_id")
        .annotate(
            labels=StringAgg(exports.db_label("code", ViolenceForm.choices), ", ", order_by="pk")
        )
        .values("labels")
    )
    return (
        cases.select_related(None)
        .prefetch_related(None)
        .annotate(
            c_number=exports.DbText(F("number")),
            c_region=exports.DbText(db_name("region")),
            c_school=exports.DbText(db_name("school")),
            c_forms=Subquery(forms, output_field=TextField()),
            c_setting=exports.db_label("setting", Setting.choices),
            c_risk=exports.db_label("risk_level", RiskLevel.choices),
            c_danger=exports.db_yes_no("in_danger_now"),
            c_status=exports.db_label("status", Case.Status.choices),
            c_registered=exports.DbTime(F("registered_at")),
            c_closed=exports.DbTime(F("closed_at")),
        )
        .values_list(
            "c_number",
            "c_region",
            "c_school",
            "c_forms",
            "c_setting",
            "c_risk",
            "c_danger",
            "c_status",
            "c_registered",
            "c_closed",
        )
    )


CASES = exports.TableExport(
    name="cases",
    title=_("Cases"),
    rows=lambda request: _case_rows(request)[0],
    columns=[
        exports.column(_("Number"), "number"),
        exports.column(_("Region"), "region.name"),
        exports.column(_("School"), "school.name"),
        exports.Column(_("Forms of violence"), lambda case: ", ".join(case.get_form_labels())),
        exports.column(_("Setting"), "get_setting_display"),
        exports.column(_("Risk"), "get_risk_level_display"),
        exports.column(_("In danger now"), "in_danger_now"),
        exports.column(_("Status"), "get_status_display"),
        exports.column(_("Registered"), "registered_at"),
        exports.column(_("Closed"), "closed_at"),
    ],
    filters=("status", "form"),
    values=_case_values,
    copy=_case_copy,
)


@login_required
@exportable(CASES)
@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    cases, filters = _case_rows(request)
    return render(
        request,
        "cases/case_list.html",
        {
            "page": paginate(request, cases, audit_as="case", audit_id="number"),
            "filters": filters,
            "filtered": bool(getattr(filters, "cleaned_data", {})),
        },
    )
