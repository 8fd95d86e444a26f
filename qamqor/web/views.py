"""Server-rendered pages: thin views over the services and selectors.

Every read of personal data goes through ``visible_to`` or a selector (an object out of
scope is a 404); every change goes through a service, whose ``DomainError`` is shown on
the form with its own status code (DESIGN §5.2, §5.7).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from qamqor.accounts import policy
from qamqor.accounts.models import User
from qamqor.analytics import selectors as analytics
from qamqor.cases import services as case_services
from qamqor.cases.classification import RiskLevel, ViolenceForm
from qamqor.cases.forms import DismissReportForm, RegisterCaseForm
from qamqor.cases.models import Case
from qamqor.directory.models import Organisation
from qamqor.errors import Conflict, DomainError
from qamqor.htmx import partial_response
from qamqor.intake import limits
from qamqor.intake import selectors as intake_selectors
from qamqor.intake import selectors as report_selectors
from qamqor.intake import services as intake_services
from qamqor.intake.attachments import check_uploads
from qamqor.intake.forms import HONEYPOT_FIELD, ReportForm
from qamqor.intake.models import Report
from qamqor.notify import services as notify_services
from qamqor.notify.models import Notification
from qamqor.pages import apply_domain_error, paginate, user_of
from qamqor.protocols import definitions
from qamqor.protocols.models import Step
from qamqor.translation import active_language, pick
from qamqor.web.context import may_triage_any

HOME_LIST_LIMIT = 20
HOME_NOTIFICATIONS = 5
THANKS_SESSION_KEY = "qamqor.report_thanks"
IDEMPOTENCY_FIELD = "idempotency_token"


_user = user_of
_page = paginate


# --- public pages ---------------------------------------------------------------------


class SchoolCodeForm(forms.Form):
    school = forms.CharField(
        label=_("Your school's code"),
        max_length=60,
        help_text=_("It is printed on the poster with the QR code in your school."),
    )


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; the task list of a signed-in user's role."""
    if not request.user.is_authenticated:
        return render(
            request, "web/landing.html", {"public_page": True, "school_form": SchoolCodeForm()}
        )
    user = _user(request)
    scope = policy.scope_for(user)
    steps = list(
        Step.objects.on_task_list_of(user)
        .filter(status__in=[Step.Status.OPEN, Step.Status.WAITING])
        .select_related("case", "organisation", "run__protocol")
        .order_by("status", F("due_at").asc(nulls_last=True), "pk")[:HOME_LIST_LIMIT]
    )
    may_triage = may_triage_any(scope)
    reports = (
        list(
            Report.objects.visible_to(user)
            .awaiting_triage()
            .select_related("school", "received_by")
            .order_by("-in_danger_now", "-self_harm_risk", "received_at", "pk")[:HOME_LIST_LIMIT]
        )
        if may_triage
        else []
    )
    notifications = list(_in_app_notifications(user)[:HOME_NOTIFICATIONS])
    return render(
        request,
        "web/home.html",
        {
            "scope": scope,
            "has_tasks": bool(scope.step_organisation_ids or scope.school_ids),
            "steps": steps,
            "may_triage": may_triage,
            "reports": reports,
            "notifications": notifications,
            "list_limit": HOME_LIST_LIMIT,
        },
    )


@require_safe
def report_start(request: HttpRequest) -> HttpResponse:
    """The landing page's 'type your school's code' form: on to that school's report form."""
    form = SchoolCodeForm(request.GET)
    if form.is_valid():
        typed = form.cleaned_data["school"].strip()
        school = intake_services.find_school(typed) or intake_services.find_school(slugify(typed))
        if school is not None:
            return redirect("report-form", school_code=school.code)
        form.add_error("school", _("No school has this code. Check the code on the poster."))
    return render(request, "web/landing.html", {"public_page": True, "school_form": form})


def _school_or_404(school_code: str) -> Organisation:
    school = intake_services.find_school(school_code)
    if school is None:
        raise Http404("school")
    return school


def _idempotency_token(value: str | None) -> str | None:
    """The form's one-time token, if it is a well-formed UUID."""
    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        return None


def _render_report_form(
    request: HttpRequest,
    school: Organisation,
    form: ReportForm,
    token: str,
    status: int = 200,
    *,
    embed: bool = False,
) -> HttpResponse:
    response = render(
        request,
        "web/report_form.html",
        {
            "public_page": True,
            "school": school,
            "form": form,
            "token": token,
            "embed": embed,
            "max_files": settings.REPORT_ATTACHMENT_MAX_FILES,
            "max_mb": settings.REPORT_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )
    return _embeddable(response) if embed else response


def _embeddable(response: HttpResponse) -> HttpResponse:
    """Only the embed pages may be framed, and only by the school and ministry sites listed
    in ``QAMQOR_EMBED_FRAME_ANCESTORS``; with none listed, nobody may (docs/security.md)."""
    ancestors = list(settings.EMBED_FRAME_ANCESTORS) or ["'none'"]
    # the rest of the policy is the site's (CSPMiddleware); only frame-ancestors differs
    response._csp_replace = {"frame-ancestors": ancestors}  # type: ignore[attr-defined]
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest, school_code: str) -> HttpResponse:
    """The public report form the school's QR code opens (no login)."""
    return _report_form(request, school_code, embed=False)


def _report_form(request: HttpRequest, school_code: str, *, embed: bool) -> HttpResponse:
    school = _school_or_404(school_code)
    if request.method != "POST":
        return _render_report_form(
            request, school, ReportForm(), token=str(uuid.uuid4()), embed=embed
        )
    form = ReportForm(request.POST)
    # The same token on a second submission (double click, resend) returns the first report.
    token = _idempotency_token(request.POST.get(IDEMPOTENCY_FIELD))
    if request.POST.get(HONEYPOT_FIELD):
        # a bot filled the hidden field: answer as if it worked, keep nothing
        return _thanks(request, school, code=None, report=None, embed=embed)
    try:
        limits.check_public(request, "report", field="narrative")
    except DomainError as error:
        apply_domain_error(form, error)
        return _render_report_form(
            request,
            school,
            form,
            token=token or str(uuid.uuid4()),
            status=error.status_code,
            embed=embed,
        )
    if not form.is_valid():
        return _render_report_form(
            request, school, form, token=token or str(uuid.uuid4()), status=422, embed=embed
        )
    data = {k: v for k, v in form.cleaned_data.items() if k != HONEYPOT_FIELD}
    try:
        files = check_uploads(request.FILES.getlist("attachments"))
        submitted = intake_services.submit_report(
            school=school,
            data=data,
            language=active_language(),
            idempotency_key=f"web-form:{token}" if token else None,
            attachments=files,
        )
    except Conflict as error:
        # This form was already sent with other words (Back, edited, sent again): the
        # first report is kept; a fresh token lets the reporter send this one as well.
        form.add_error(
            None,
            _(
                "This form was already sent with a different text. Your first report is "
                "saved. To send this text as a new report, press “Send the report” again."
            ),
        )
        return _render_report_form(
            request, school, form, token=str(uuid.uuid4()), status=error.status_code, embed=embed
        )
    except DomainError as error:
        apply_domain_error(form, error)
        for problem in error.errors:
            if problem.field == "attachments":
                form.attachment_error = str(problem.message)  # type: ignore[attr-defined]
        return _render_report_form(
            request,
            school,
            form,
            token=token or str(uuid.uuid4()),
            status=error.status_code,
            embed=embed,
        )
    if embed:
        # In a school's frame the session cookie is not sent (SameSite), so the code is
        # shown in this answer; a resend with the same token shows the same code.
        return _thanks(
            request, school, code=submitted.followup_code, report=submitted.report, embed=True
        )
    request.session[THANKS_SESSION_KEY] = {
        "school": school.code,
        "code": submitted.followup_code,
        "in_danger_now": submitted.report.in_danger_now,
        "self_harm_risk": submitted.report.self_harm_risk,
    }
    return redirect("report-thanks", school_code=school.code)


@csrf_exempt  # framed by another site: no session, no cookie to protect, nothing to forge
@xframe_options_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def report_embed(request: HttpRequest, school_code: str) -> HttpResponse:
    """The report form for a school's own website (an iframe): see docs/intake.md."""
    return _report_form(request, school_code, embed=True)


def _thanks(
    request: HttpRequest,
    school: Organisation,
    *,
    code: str | None,
    report: Report | None,
    embed: bool,
) -> HttpResponse:
    response = render(
        request,
        "web/report_thanks.html",
        {
            "public_page": True,
            "school": school,
            "followup_code": code,
            "in_danger_now": bool(report and report.in_danger_now),
            "self_harm_risk": bool(report and report.self_harm_risk),
            "embed": embed,
        },
    )
    return _embeddable(response) if embed else response


@never_cache
@require_GET  # not HEAD: a HEAD request must not use up the one showing of the code
def report_thanks(request: HttpRequest, school_code: str) -> HttpResponse:
    """Shows the follow-up code once: it is taken out of the session as it is shown."""
    school = _school_or_404(school_code)
    shown = request.session.pop(THANKS_SESSION_KEY, None)
    if not isinstance(shown, dict) or shown.get("school") != school.code:
        shown = None
    return render(
        request,
        "web/report_thanks.html",
        {
            "public_page": True,
            "school": school,
            "followup_code": shown["code"] if shown else None,
            "in_danger_now": bool(shown and shown.get("in_danger_now")),
            "self_harm_risk": bool(shown and shown.get("self_harm_risk")),
        },
    )


# --- reports and triage ---------------------------------------------------------------


@login_required
@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    reports = (
        Report.objects.visible_to(user)
        .awaiting_triage()
        .select_related("school", "region", "received_by")
        .order_by("-in_danger_now", "-self_harm_risk", "received_at", "pk")
    )
    page = _page(request, reports, audit_as="report", audit_id="public_id")
    return render(request, "web/report_list.html", {"page": page})


def _get_report(request: HttpRequest, public_id: uuid.UUID, *, audit_read: bool) -> Report:
    return report_selectors.get_report_for_user(_user(request), public_id, audit_read=audit_read)


def _render_report(
    request: HttpRequest,
    report: Report,
    *,
    register_form: RegisterCaseForm | None = None,
    dismiss_form: DismissReportForm | None = None,
    alert: str | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    can_triage = report.status == Report.Status.NEW and policy.can_triage(
        user,
        school_id=report.school_id,
        region_id=report.region_id,
        received_by_id=report.received_by_id,
    )
    preview: dict[str, Any] = {}
    classification_fields = []
    if can_triage:
        register_form = register_form or RegisterCaseForm(
            initial={
                "summary": report.narrative,
                "forms": report.forms,
                "setting": report.setting,
                "perpetrator_relationship": "unknown",
                "in_danger_now": report.in_danger_now,
                "self_harm_risk": report.self_harm_risk,
                "risk_level": RiskLevel.IMMEDIATE if report.urgent else RiskLevel.MEDIUM,
                "repeated": "unknown",
            }
        )
        dismiss_form = dismiss_form or DismissReportForm()
        # Every field a shipped protocol's conditions read, so triage can reach them all.
        classification_fields = [register_form[name] for name in definitions.fields_read()]
        preview = protocol_preview(_preview_data(register_form))
    return render(
        request,
        "web/report_detail.html",
        {
            "report": report,
            "can_triage": can_triage,
            "register_form": register_form,
            "classification_fields": classification_fields,
            "dismiss_form": dismiss_form,
            **preview,
            "alert": alert,
            **intake_selectors.triage_extras(report, user),
        },
        status=status,
    )


@login_required
@require_safe
def report_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _render_report(request, _get_report(request, public_id, audit_read=True))


def _preview_data(form: RegisterCaseForm) -> dict[str, Any]:
    """The classification as far as it is filled in: the valid fields of a bound form
    (a missing summary does not matter for the protocol), or the form's initial values."""
    if not form.is_bound:
        data = {name: form.initial.get(name, field.initial) for name, field in form.fields.items()}
        data["repeated"] = {"true": True, "false": False}.get(str(data.get("repeated")))
        return data
    form.is_valid()
    return dict(getattr(form, "cleaned_data", {}))


def protocol_preview(classification: dict[str, Any]) -> dict[str, Any]:
    """The protocol registration would start for this classification and the steps of it
    that would apply, chosen by the very function ``register_case`` calls
    (``cases.services.choose_protocol``), so the preview cannot disagree with it."""
    try:
        code = case_services.choose_protocol(classification)
    except DomainError as error:
        problems = [str(problem.message) for problem in error.errors]
        return {"preview_code": None, "preview_problem": " ".join(problems) or str(error.detail)}
    spec = definitions.latest(code).spec
    facts = definitions.facts_of(classification, list(classification.get("forms") or []))
    return {
        "preview_code": code,
        "preview_title": pick(spec.title.model_dump()),
        "preview_steps": [
            pick(step.title.model_dump())
            for step in spec.steps
            if definitions.any_holds(step.when, facts)
        ],
    }


@login_required
@require_POST
def report_register_preview(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The live preview on the registration form (htmx, on every change): which protocol
    the classification chosen so far would start. Changes nothing."""
    report = _get_report(request, public_id, audit_read=False)
    form = RegisterCaseForm(request.POST)
    context = {"report": report, **protocol_preview(_preview_data(form))}
    return partial_response(render(request, "web/partials/protocol_preview.html", context))


@login_required
@require_POST
def report_register(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Triage: register the report as a case, then go to the case."""
    report = _get_report(request, public_id, audit_read=False)
    form = RegisterCaseForm(request.POST)
    if not form.is_valid():
        return _render_report(request, report, register_form=form, status=422)
    try:
        case = case_services.register_case(
            report=report, actor=_user(request), classification=form.cleaned_data
        )
    except DomainError as error:
        report = _get_report(request, public_id, audit_read=False)
        apply_domain_error(form, error)
        return _render_report(
            request, report, register_form=form, alert=str(error.detail), status=error.status_code
        )
    messages.success(request, gettext("Case %(number)s is registered.") % {"number": case.number})
    return redirect("case-detail", number=case.number)


@login_required
@require_POST
def report_dismiss(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Triage: close the report without a case, with a reason."""
    report = _get_report(request, public_id, audit_read=False)
    form = DismissReportForm(request.POST)
    if not form.is_valid():
        return _render_report(request, report, dismiss_form=form)
    try:
        intake_services.dismiss_report(
            report=report, actor=_user(request), reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        report = _get_report(request, public_id, audit_read=False)
        apply_domain_error(form, error)
        return _render_report(
            request, report, dismiss_form=form, alert=str(error.detail), status=error.status_code
        )
    messages.success(request, gettext("The report is dismissed."))
    return redirect("report-list")


# --- statistics -----------------------------------------------------------------------


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """Aggregates for coordinators and monitors; monitors never see a case number."""
    user = _user(request)
    scope = policy.scope_for(user)
    if not scope.sees_statistics:
        raise Http404("dashboard")
    data = analytics.dashboard(user)
    is_coordinator = scope.national or bool(scope.region_ids)
    overdue = list(analytics.overdue_steps(user)) if is_coordinator else []
    labels = dict(ViolenceForm.choices)
    by_form = [
        {"code": code, "label": capfirst(str(labels.get(code, code))), "count": count}
        for code, count in data.by_form.items()
    ]
    statuses = [
        {"code": code, "label": label, "count": data.by_status.get(code, 0)}
        for code, label in Case.Status.choices
    ]
    totals = {
        key: sum(row[key] for row in data.by_region)
        for key in ("registered", "in_progress", "closed", "total", "overdue_steps")
    }
    chart = {
        "label": gettext("Cases"),
        "labels": [row["label"] for row in by_form],
        "counts": [row["count"] for row in by_form],
    }
    return render(
        request,
        "web/dashboard.html",
        {
            "data": data,
            "statuses": statuses,
            "by_form": by_form,
            "region_totals": totals,
            "chart": chart,
            "is_coordinator": is_coordinator,
            "overdue": overdue,
            "now": timezone.now(),
        },
    )


# --- notifications --------------------------------------------------------------------


def _in_app_notifications(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(
        recipient=user, channel=Notification.Channel.IN_APP
    ).order_by("-created_at", "-pk")


@login_required
@require_safe
def notifications(request: HttpRequest) -> HttpResponse:
    page = _page(request, _in_app_notifications(_user(request)))
    has_unread = any(item.read_at is None for item in page.object_list)
    return render(request, "web/notifications.html", {"page": page, "has_unread": has_unread})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notify_services.mark_read(_user(request), pk)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    notify_services.mark_all_read(user)
    messages.success(request, gettext("All notifications are marked as read."))
    return redirect("notifications")
