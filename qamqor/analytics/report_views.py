"""The public report's page and PDF (brief 1.4.1, 3.1.2): no sign-in, no personal data,
small numbers suppressed (``analytics.public_report``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_safe

from qamqor.analytics import public_report, report_pdf
from qamqor.analytics.report_forms import ReportPeriodForm
from qamqor.replica import replica_reads


@require_safe
@replica_reads()
def public_report_page(request: HttpRequest) -> HttpResponseBase:
    """The report for a quarter or a year (default: the last complete quarter, shown as
    chosen in the form)."""
    if request.GET:
        form = ReportPeriodForm(request.GET)
    else:
        year, quarter = public_report.last_complete_quarter()
        form = ReportPeriodForm({"year": str(year), "quarter": str(quarter)})
    if not form.is_valid():
        return render(
            request,
            "analytics/public_report.html",
            {"public_page": True, "form": form},
            status=422,
        )
    year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
    report = public_report.cached(year, quarter)
    return render(
        request,
        "analytics/public_report.html",
        {
            "public_page": True,
            "form": form,
            "report": report,
            "period": public_report.period_label(year, quarter),
            "notes": public_report.method_notes(report),
            "legend": public_report.legend(report),
            "total": public_report.cell_text(report.tables[0], 1, -1, report.minimum),
            "tables": [
                (table, *public_report.text_rows(table, report.minimum)) for table in report.tables
            ],
            "pdf_query": f"year={year}&quarter={quarter or ''}",
        },
    )


@require_safe
@replica_reads()
def public_report_pdf(request: HttpRequest) -> HttpResponseBase:
    """The same report as a PDF in kk, ru or en (``lang``; default the page's language)."""
    form = ReportPeriodForm(request.GET or {})
    if not form.is_valid():
        return render(
            request,
            "analytics/public_report.html",
            {"public_page": True, "form": form},
            status=422,
        )
    year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
    language = form.cleaned_data.get("lang") or translation.get_language() or "en"
    with translation.override(language):
        content = report_pdf.render(public_report.cached(year, quarter), language)
    name = f"qamqor-report-{year}{f'-q{quarter}' if quarter else ''}-{language}.pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
