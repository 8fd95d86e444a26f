"""Intake pages: the reporter's follow-up, the handler's side of that thread, life-safety
alerts, attachments and the staff entry of a report. Thin: services and selectors decide."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qamqor.accounts import policy
from qamqor.cases.models import Case
from qamqor.directory.models import Organisation
from qamqor.errors import DomainError, InvalidInput
from qamqor.intake import alerts, limits, selectors, services
from qamqor.intake.attachments import check_uploads
from qamqor.intake.forms import (
    FollowupCodeForm,
    ReporterMessageForm,
    StaffEntryForm,
    StaffReplyForm,
    UntrueForm,
)
from qamqor.intake.models import Report
from qamqor.pages import apply_domain_error, private, user_of
from qamqor.translation import active_language

FOLLOWUP_SESSION_KEY = "qamqor.followup"


# --- the reporter's side (public, no login) -------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def followup_start(request: HttpRequest) -> HttpResponse:
    """Enter the follow-up code; the report is then remembered in this browser session
    only (the code is never put in an address, where history would keep it)."""
    form = FollowupCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            limits.check_public(request, "followup", field="code")
            if form.is_valid():
                try:
                    report = services.report_for_code(form.cleaned_data["code"])
                except DomainError:
                    limits.code_failed("followup")
                    raise
                request.session.cycle_key()
                request.session[FOLLOWUP_SESSION_KEY] = str(report.public_id)
                return redirect("followup-status")
            status = 422
        except DomainError as error:
            apply_domain_error(form, error)
            status = error.status_code
    return render(
        request, "intake/followup_start.html", {"public_page": True, "form": form}, status=status
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
    form = ReporterMessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.post_reporter_message(report=report, body=form.cleaned_data["body"])
            except DomainError as error:
                apply_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(request, gettext("Your message is sent."))
                return redirect("followup-status")
        else:
            status = 422
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


@require_POST
def followup_leave(request: HttpRequest) -> HttpResponse:
    request.session.pop(FOLLOWUP_SESSION_KEY, None)
    return redirect("followup")


# --- the handler's side ---------------------------------------------------------------------


def _report(request: HttpRequest, public_id: uuid.UUID) -> Report:
    return selectors.get_report_for_user(user_of(request), public_id, audit_read=False)


def _back(report: Report) -> HttpResponse:
    return redirect("report-detail", public_id=report.public_id)


def _flash_error(request: HttpRequest, error: DomainError) -> None:
    problems = [str(p.message) for p in error.errors] or [str(error.detail)]
    messages.error(request, " ".join(dict.fromkeys(problems)))


@login_required
@require_POST
def report_reply(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    report = _report(request, public_id)
    form = StaffReplyForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput.on("body", gettext("Write a message first."))
        services.post_staff_reply(
            report=report, actor=user_of(request), body=form.cleaned_data["body"]
        )
    except DomainError as error:
        _flash_error(request, error)
    else:
        messages.success(request, gettext("Your answer is sent to the reporter."))
    return _back(report)


@login_required
@require_POST
def report_link(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = user_of(request)
    report = _report(request, public_id)
    case = Case.objects.visible_to(user).filter(number=request.POST.get("case", "")).first()
    try:
        if case is None:
            raise InvalidInput.on("case", gettext("No case with this number is open to you."))
        services.link_report(report=report, case=case, actor=user)
    except DomainError as error:
        _flash_error(request, error)
        return _back(report)
    messages.success(
        request, gettext("The report is linked to case %(number)s.") % {"number": case.number}
    )
    return redirect("case-detail", number=case.number)


@login_required
@require_POST
def report_untrue(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    report = _report(request, public_id)
    form = UntrueForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput.on(
                "reason",
                gettext("Give the reason and confirm the report was not made in good faith."),
            )
        services.close_as_untrue(
            report=report, actor=user_of(request), reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        _flash_error(request, error)
        return _back(report)
    messages.success(request, gettext("The report is closed as untrue."))
    return redirect("report-list")


@login_required
@require_safe
def report_attachment(request: HttpRequest, public_id: uuid.UUID, pk: int) -> HttpResponse:
    attachment = selectors.get_attachment_for_user(user_of(request), public_id, pk)
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{attachment.file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return private(response)


@login_required
@require_safe
def alert_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """What a responder needs to act on a life-safety alert, and the Acknowledge button."""
    user = user_of(request)
    alert = selectors.get_alert_for_user(user, public_id)
    return render(
        request,
        "intake/alert.html",
        {
            "safety_alert": alert,
            "report": alert.report,
            "may_acknowledge": not alert.acknowledged_at and alerts.may_acknowledge(user, alert),
        },
    )


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = user_of(request)
    alert = selectors.get_alert_for_user(user, public_id)
    try:
        alerts.acknowledge(alert=alert, actor=user)
    except DomainError as error:
        _flash_error(request, error)
    else:
        messages.success(request, gettext("Acknowledged: the alert will not repeat."))
    return redirect("life-safety-alert", public_id=public_id)


# --- staff entry: the message box and oral reports ----------------------------------------


def _entry_schools(request: HttpRequest) -> list[Organisation]:
    scope = policy.scope_for(user_of(request))
    return list(Organisation.objects.filter(pk__in=scope.school_ids).order_by("code"))


@login_required
@require_http_methods(["GET", "POST"])
def staff_entry(request: HttpRequest) -> HttpResponse:
    """A member of a school's staff enters a report on someone's behalf (brief 1.3.2)."""
    schools = _entry_schools(request)
    if not schools:
        from django.http import Http404

        raise Http404("staff entry")
    choices = [(s.code, s.name) for s in schools]
    form = StaffEntryForm(request.POST or None, request.FILES or None, schools=choices)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            school = next(s for s in schools if s.code == form.cleaned_data["school"])
            data = {
                k: v
                for k, v in form.cleaned_data.items()
                if k not in {"school", "entry_channel", "photo"}
            }
            try:
                files = check_uploads(request.FILES.getlist("photo"), field="photo")
                submitted = services.submit_report(
                    school=school,
                    data=data,
                    channel=form.cleaned_data["entry_channel"],
                    language=active_language(),
                    taken_by=user_of(request),
                    attachments=files,
                )
            except DomainError as error:
                apply_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(
                    request,
                    gettext(
                        "The report is entered. Give the reporter this follow-up code: %(code)s"
                    )
                    % {"code": submitted.followup_code},
                )
                return redirect("report-detail", public_id=submitted.report.public_id)
        else:
            status = 422
    return render(request, "intake/staff_entry.html", {"form": form}, status=status)
