"""The reporter's follow-up (public, no login): the code opens the report's status and its
message thread for this browser session only. Thin: services and selectors decide."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from qamqor.errors import DomainError
from qamqor.intake import limits, services
from qamqor.intake.forms import FollowupCodeForm, ReporterMessageForm
from qamqor.intake.models import Report
from qamqor.pages import apply_domain_error, run_form, success

FOLLOWUP_SESSION_KEY = "qamqor.followup"


@never_cache
@require_http_methods(["GET", "POST"])
def followup_start(request: HttpRequest) -> HttpResponse:
    """Enter the follow-up code; the report is then remembered in this browser session
    only (the code is never put in an address, where history would keep it)."""
    form = FollowupCodeForm(request.POST if request.method == "POST" else None)

    def refused(form: forms.Form, error: DomainError) -> None:
        if not isinstance(error, limits.RateLimited):  # a wrong code, not the address's limit
            limits.code_failed("followup")
        apply_domain_error(form, error)

    def remember(report: Report) -> HttpResponse:
        request.session.cycle_key()
        request.session[FOLLOWUP_SESSION_KEY] = str(report.public_id)
        return redirect("followup-status")

    return run_form(
        form,
        lambda data: services.report_for_code(data["code"]),
        first=lambda: limits.check_public(request, "followup", field="code"),
        show_refusal=refused,
        done=remember,
        again=lambda status: render(
            request,
            "intake/followup_start.html",
            {"public_page": True, "form": form},
            status=status,
        ),
    )


def _followed_report(request: HttpRequest) -> Report | None:
    public_id = request.session.get(FOLLOWUP_SESSION_KEY)
    if not public_id:
        return None
    report = Report.objects.select_related("case", "school").filter(public_id=public_id).first()
    if report is None or services.followup_expired(report):
        request.session.pop(FOLLOWUP_SESSION_KEY, None)
        return None
    return report


@never_cache
@require_http_methods(["GET", "POST"])
def followup_status(request: HttpRequest) -> HttpResponse:
    """Status in plain words, the case number once registered, and the message thread."""
    report = _followed_report(request)
    if report is None:
        return redirect("followup")
    form = ReporterMessageForm(request.POST if request.method == "POST" else None)

    def again(status: int) -> HttpResponse:
        return render(
            request,
            "intake/followup_status.html",
            {
                "public_page": True,
                "report": report,
                "status_text": services.reporter_status(report),
                "case_number": report.case.number if report.case else None,
                "thread": list(report.messages.only("sender", "body", "created_at")),
                "form": form,
            },
            status=status,
        )

    return run_form(
        form,
        lambda data: services.post_reporter_message(report=report, body=data["body"]),
        done=lambda message: success(
            request, gettext("Your message is sent."), redirect("followup-status")
        ),
        again=again,
    )


@require_POST
def followup_leave(request: HttpRequest) -> HttpResponse:
    request.session.pop(FOLLOWUP_SESSION_KEY, None)
    return redirect("followup")
