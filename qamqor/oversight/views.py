"""Pages of the recommendations tracker (brief 3.2.2): the public list with its progress
summary and downloads, a recommendation's page with its evidence and history, and the
coordinating body's edit page (status, responsible body, evidence)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qamqor import exports
from qamqor.accounts import access
from qamqor.oversight import selectors, services
from qamqor.oversight.forms import EvidenceForm, FilterForm, StatusForm
from qamqor.oversight.models import Recommendation
from qamqor.pages import bound_form, run_form, success, user_of

STATUS_PREFIX = "status"
EVIDENCE_PREFIX = "evidence"


def export_header() -> list[str]:
    return [
        gettext("Number"),
        gettext("Section"),
        gettext("Addressee"),
        gettext("Summary"),
        gettext("Status"),
        gettext("Responsible body"),
        gettext("Evidence"),
        gettext("Last changed"),
    ]


def export_rows(rows: Any) -> Iterator[list[Any]]:
    """One row per recommendation, in the active language; evidence as "title <link>"."""
    for rec in rows:
        evidence = "; ".join(
            f"{item.title} <{item.url}>" if item.url else item.title for item in rec.evidence.all()
        )
        yield [
            rec.number,
            rec.section,
            rec.get_addressee_display(),
            rec.summary,
            rec.get_status_display(),
            rec.responsible,
            evidence,
            rec.updated_at,
        ]


@require_safe
def recommendation_list(request: HttpRequest) -> HttpResponseBase:
    """Every recommendation of the brief with its status, responsible body and evidence;
    filters by status, addressee and section; counts per status overall and per section;
    the same table as CSV or XLSX (``?download=csv|xlsx``). No sign-in needed."""
    user = request.user
    form = FilterForm(request.GET or None, sections=selectors.sections(user))
    filters = form.filters() if form.is_bound else {}
    rows = selectors.recommendation_list(user, **filters)
    download = request.GET.get("download")
    if download in ("csv", "xlsx"):
        name = "recommendations"
        if download == "csv":
            return exports.csv_response(name, export_header(), export_rows(rows))
        return exports.xlsx_response(
            name, export_header(), export_rows(rows), title=gettext("Recommendations")
        )
    overall, per_section = selectors.progress(rows)
    query = request.GET.copy()
    query.pop("download", None)
    return render(
        request,
        "oversight/recommendation_list.html",
        {
            "form": form,
            "recommendations": rows,
            "overall": overall,
            "per_section": per_section,
            "query": query.urlencode(),
            "may_edit": access.allows(user, "oversight_edit"),
        },
    )


@require_safe
def recommendation_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One recommendation: summary, status, responsible body, evidence and history. The
    history names the role and organisation of who made each change, not the person."""
    recommendation = selectors.get_recommendation(request.user, number)
    return render(
        request,
        "oversight/recommendation_detail.html",
        {
            "recommendation": recommendation,
            "evidence": selectors.evidence_of(recommendation),
            "history": selectors.history(recommendation),
            "may_edit": access.allows(request.user, "oversight_edit"),
        },
    )


def _edit_page(
    request: HttpRequest,
    recommendation: Recommendation,
    *,
    status_form: forms.Form | None = None,
    evidence_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "oversight/recommendation_edit.html",
        {
            "recommendation": recommendation,
            "status_form": status_form or _status_form(recommendation),
            "evidence_form": evidence_form or EvidenceForm(prefix=EVIDENCE_PREFIX),
            "evidence": selectors.evidence_of(recommendation),
        },
        status=status,
    )


def _status_form(recommendation: Recommendation) -> StatusForm:
    organisation = recommendation.responsible_organisation
    return StatusForm(
        prefix=STATUS_PREFIX,
        initial={
            "status": recommendation.status,
            "responsible_organisation": organisation.code if organisation else "",
            "responsible_text": recommendation.responsible_text,
        },
    )


@login_required
@access.gate_required("oversight_edit")
@require_http_methods(["GET", "POST"])
def recommendation_edit(request: HttpRequest, number: str) -> HttpResponse:
    """The coordinating body sets the status and the responsible body (a note is required
    when the status changes)."""
    user = user_of(request)
    recommendation = selectors.get_recommendation(user, number, "edit")
    if request.method != "POST":
        return _edit_page(request, recommendation)
    form = bound_form(request, StatusForm, prefix=STATUS_PREFIX)
    return run_form(
        form,
        lambda data: services.change_status(actor=user, recommendation=recommendation, **data),
        done=lambda _changed: success(
            request,
            gettext("The status is saved."),
            redirect("oversight-recommendation", number=recommendation.number),
        ),
        again=lambda status: _edit_page(request, recommendation, status_form=form, status=status),
    )


@login_required
@access.gate_required("oversight_edit")
@require_POST
def evidence_add(request: HttpRequest, number: str) -> HttpResponse:
    """The coordinating body adds a link or a document as evidence."""
    user = user_of(request)
    recommendation = selectors.get_recommendation(user, number, "edit")
    form = bound_form(request, EvidenceForm, prefix=EVIDENCE_PREFIX, with_files=True)
    return run_form(
        form,
        lambda data: services.add_evidence(actor=user, recommendation=recommendation, **data),
        done=lambda _evidence: success(
            request,
            gettext("The evidence is added."),
            redirect("oversight-recommendation", number=recommendation.number),
        ),
        again=lambda status: _edit_page(request, recommendation, evidence_form=form, status=status),
    )


@require_safe
def evidence_document(request: HttpRequest, number: str, public_id: UUID) -> HttpResponse:
    """An evidence document, to anyone (evidence is public); downloaded, never shown inline."""
    document = selectors.get_document(request.user, number, public_id)
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(document.file_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
