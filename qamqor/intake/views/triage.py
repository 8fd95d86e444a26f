"""Reports in staff hands: the triage list, a report's page and the decisions on it
(register as a case with a live preview of the protocol, dismiss, link to a case, close as
untrue), the answer to the reporter, attachments, and the life-safety alert a report
raised. Every read goes through a selector (404 outside the scope); every change through a
service, whose refusal is shown with its own status code (DESIGN §5.2, §5.7)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from qamqor import exports
from qamqor.accounts import access
from qamqor.cases import services as case_services
from qamqor.cases.forms import DismissReportForm, RegisterCaseForm
from qamqor.cases.models import Case
from qamqor.classification import RiskLevel
from qamqor.errors import DomainError, InvalidInput
from qamqor.htmx import partial_response
from qamqor.intake import alerts, selectors, services
from qamqor.intake.forms import StaffReplyForm, UntrueForm
from qamqor.intake.models import Report
from qamqor.pages import (
    exportable,
    paginate,
    private,
    run_action,
    run_form,
    run_service,
    success,
    user_of,
)
from qamqor.protocols import definitions
from qamqor.translation import pick

# --- triage -----------------------------------------------------------------------------


def _reports(request: HttpRequest) -> QuerySet[Report]:
    """The reports awaiting triage that the user sees, most urgent first."""
    return (
        Report.objects.restrict(user_of(request), "view")
        .awaiting_triage()
        .select_related("school", "region", "received_by")
        .order_by("-in_danger_now", "-self_harm_risk", "received_at", "pk")
    )


REPORTS = exports.TableExport(
    name="reports",
    title=_("Reports awaiting triage"),
    rows=_reports,
    columns=[
        exports.column(_("Report"), "public_id"),
        exports.column(_("Received"), "received_at"),
        exports.column(_("Channel"), "get_channel_display"),
        exports.column(_("Region"), "region.name"),
        exports.column(_("School"), "school.name"),
        exports.column(_("Received by"), "received_by.name"),
        exports.column(_("In danger now"), "in_danger_now"),
        exports.column(_("Suicide risk or self-harm"), "self_harm_risk"),
        exports.column(_("Status"), "get_status_display"),
    ],
)


@login_required
@exportable(REPORTS)
@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, _reports(request), audit_as="report", audit_id="public_id")
    return render(request, "intake/report_list.html", {"page": page})


def _get_report(request: HttpRequest, public_id: uuid.UUID, *, audit_read: bool) -> Report:
    return selectors.get_report_for_user(user_of(request), public_id, audit_read=audit_read)


def _render_report(
    request: HttpRequest,
    report: Report,
    *,
    register_form: RegisterCaseForm | None = None,
    dismiss_form: DismissReportForm | None = None,
    alert: str | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    can_triage = report.status == Report.Status.NEW and access.permits(user, "triage", report)
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
        "intake/report_detail.html",
        {
            "report": report,
            "can_triage": can_triage,
            "register_form": register_form,
            "classification_fields": classification_fields,
            "dismiss_form": dismiss_form,
            **preview,
            "alert": alert,
            **selectors.triage_extras(report, user),
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

    def preview(code: str) -> dict[str, Any]:
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

    def unchosen(error: DomainError) -> dict[str, Any]:
        problems = [str(problem.message) for problem in error.errors]
        return {"preview_code": None, "preview_problem": " ".join(problems) or str(error.detail)}

    return run_service(
        lambda: case_services.choose_protocol(classification), done=preview, refused=unchosen
    )


@login_required
@require_POST
def report_register_preview(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The live preview on the registration form (htmx, on every change): which protocol
    the classification chosen so far would start. Changes nothing."""
    report = _get_report(request, public_id, audit_read=False)
    form = RegisterCaseForm(request.POST)
    context = {"report": report, **protocol_preview(_preview_data(form))}
    return partial_response(render(request, "intake/partials/protocol_preview.html", context))


def _decided_again(
    request: HttpRequest, public_id: uuid.UUID, name: str, form: Any, status: int
) -> HttpResponse:
    """The report page again after a refused decision, read afresh: if the report was
    triaged meanwhile its forms are gone, and the refusal shows on top instead."""
    report = _get_report(request, public_id, audit_read=False)
    alert = " ".join(form.non_field_errors()) or None
    return _render_report(request, report, **{name: form}, alert=alert, status=status)


@login_required
@require_POST
def report_register(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Triage: register the report as a case, then go to the case."""
    report = _get_report(request, public_id, audit_read=False)
    form = RegisterCaseForm(request.POST)
    return run_form(
        form,
        lambda data: case_services.register_case(
            report=report, actor=user_of(request), classification=data
        ),
        done=lambda case: success(
            request,
            gettext("Case %(number)s is registered.") % {"number": case.number},
            redirect("case-detail", number=case.number),
        ),
        again=lambda status: _decided_again(request, public_id, "register_form", form, status),
    )


@login_required
@require_POST
def report_dismiss(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Triage: close the report without a case, with a reason."""
    report = _get_report(request, public_id, audit_read=False)
    form = DismissReportForm(request.POST)
    return run_form(
        form,
        lambda data: services.dismiss_report(report=report, actor=user_of(request), **data),
        done=lambda dismissed: success(
            request, gettext("The report is dismissed."), redirect("report-list")
        ),
        again=lambda status: _decided_again(request, public_id, "dismiss_form", form, status),
    )


# --- the handler's side ---------------------------------------------------------------------


def _back(report: Report) -> HttpResponse:
    return redirect("report-detail", public_id=report.public_id)


@login_required
@require_POST
def report_reply(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    report = _get_report(request, public_id, audit_read=False)
    form = StaffReplyForm(request.POST)

    def reply() -> object:
        if not form.is_valid():
            raise InvalidInput.on("body", gettext("Write a message first."))
        return services.post_staff_reply(
            report=report, actor=user_of(request), body=form.cleaned_data["body"]
        )

    return run_action(
        request,
        reply,
        done=lambda message: success(
            request, gettext("Your answer is sent to the reporter."), _back(report)
        ),
        again=lambda: _back(report),
    )


@login_required
@require_POST
def report_link(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = user_of(request)
    report = _get_report(request, public_id, audit_read=False)
    case = Case.objects.restrict(user, "view").filter(number=request.POST.get("case", "")).first()

    def link() -> Case:
        if case is None:
            raise InvalidInput.on("case", gettext("No case with this number is open to you."))
        case_services.link_report(report=report, case=case, actor=user)
        return case

    return run_action(
        request,
        link,
        done=lambda linked: success(
            request,
            gettext("The report is linked to case %(number)s.") % {"number": linked.number},
            redirect("case-detail", number=linked.number),
        ),
        again=lambda: _back(report),
    )


@login_required
@require_POST
def report_untrue(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    report = _get_report(request, public_id, audit_read=False)
    form = UntrueForm(request.POST)

    def close() -> object:
        if not form.is_valid():
            raise InvalidInput.on(
                "reason",
                gettext("Give the reason and confirm the report was not made in good faith."),
            )
        return services.close_as_untrue(
            report=report, actor=user_of(request), reason=form.cleaned_data["reason"]
        )

    return run_action(
        request,
        close,
        done=lambda closed: success(
            request, gettext("The report is closed as untrue."), redirect("report-list")
        ),
        again=lambda: _back(report),
    )


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
    return run_action(
        request,
        lambda: alerts.acknowledge(alert=alert, actor=user),
        done=lambda acknowledged: success(
            request,
            gettext("Acknowledged: the alert will not repeat."),
            redirect("life-safety-alert", public_id=public_id),
        ),
        again=lambda: redirect("life-safety-alert", public_id=public_id),
    )
