"""Protocol pages: "who holds the ball" (every open step by organisation and region,
overdue first), the protocol versions the national coordinator publishes, and a case's
notices to its legal representatives (brief 1.3.5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from qamqor import exports
from qamqor.accounts import access
from qamqor.cases import selectors as case_selectors
from qamqor.cases.models import Case
from qamqor.classification import PerpetratorRelationship, RiskLevel, Setting, ViolenceForm
from qamqor.directory.models import OrganisationKind, Region
from qamqor.pages import exportable, paginate, run_form, run_service, success, user_of
from qamqor.protocols import notices, selectors
from qamqor.protocols import services as protocol_services
from qamqor.protocols.definitions import Condition, StepSpec
from qamqor.protocols.forms import NoticeCancelForm, NoticeReviewForm, OpenStepFilterForm
from qamqor.protocols.models import ProtocolVersion, RepresentativeNotice
from qamqor.translation import pick


def _open_steps(request: HttpRequest, now: datetime | None = None) -> tuple[Any, Any]:
    """The open steps the board shows the user, with its filters (the page and its
    download)."""
    filters = OpenStepFilterForm(request.GET, regions=list(Region.objects.order_by("code")))
    filters.is_valid()  # an unknown value is ignored, the valid filters still apply
    chosen = getattr(filters, "cleaned_data", {})
    steps = selectors.open_steps(
        user_of(request),
        region=chosen.get("region") or None,
        organisation_kind=chosen.get("organisation_kind") or None,
        overdue_only=bool(chosen.get("overdue_only")),
        now=now or timezone.now(),
    )
    return steps, filters


OPEN_STEPS = exports.TableExport(
    name="open-steps",
    title=_("Open steps"),
    rows=lambda request: _open_steps(request)[0],
    columns=[
        exports.column(_("Case"), "case.number"),
        exports.column(_("Step"), "title"),
        exports.column(_("Holds it"), "organisation.name"),
        exports.column(_("Region"), "case.region.name"),
        exports.column(_("Status"), "get_status_display"),
        exports.column(_("Opened"), "opened_at"),
        exports.column(_("Due"), "due_at"),
        exports.column(_("Escalation level"), "escalation_level"),
    ],
    filters=("region", "organisation_kind", "overdue_only"),
)


@login_required
@exportable(OPEN_STEPS)
@require_safe
@access.gate_required("open_steps")
def open_steps(request: HttpRequest) -> HttpResponse:
    """Who holds the ball: every open step the user may see, overdue first, with how long
    it has waited and who holds the most overdue steps."""
    now = timezone.now()
    steps, filters = _open_steps(request, now)
    chosen = getattr(filters, "cleaned_data", {})
    page = paginate(request, steps)
    return render(
        request,
        "protocols/open_steps.html",
        {
            "page": page,
            "load": selectors.load_by_organisation(steps, now=now),
            "filters": filters,
            "filtered": any(chosen.values()),
            "now": now,
        },
    )


# --- protocol versions ----------------------------------------------------------------------


def _require_reader(request: HttpRequest) -> None:
    if not selectors.may_see_protocols(user_of(request)):
        raise Http404("protocols")


def describe_condition(condition: Condition) -> str:
    """A step's or protocol's condition in words, in the active language."""

    def labels(choices: Any, codes: list[str]) -> str:
        names = dict(choices.choices)
        return ", ".join(str(names.get(code, code)) for code in codes)

    parts = []
    if condition.setting_in is not None:
        parts.append(gettext("setting: %(v)s") % {"v": labels(Setting, condition.setting_in)})
    if condition.forms_any is not None:
        parts.append(gettext("forms: %(v)s") % {"v": labels(ViolenceForm, condition.forms_any)})
    if condition.perpetrator_in is not None:
        parts.append(
            gettext("alleged perpetrator: %(v)s")
            % {"v": labels(PerpetratorRelationship, condition.perpetrator_in)}
        )
    if condition.risk_in is not None:
        parts.append(gettext("risk: %(v)s") % {"v": labels(RiskLevel, condition.risk_in)})
    flags = (
        (condition.in_danger_now, gettext("child in danger now"), gettext("not in danger now")),
        (condition.self_harm_risk, gettext("suicide risk or self-harm"), gettext("no self-harm")),
        (condition.repeated, gettext("repeated"), gettext("not repeated")),
    )
    for value, yes, no in flags:
        if value is not None:
            parts.append(yes if value else no)
    return "; ".join(parts)


def _accountable(role: str) -> str:
    kinds = protocol_services.ORGANISATION_KINDS
    if role == "school":
        return str(OrganisationKind.SCHOOL.label)
    return str(OrganisationKind(kinds[role]).label) if role in kinds else role


def _notify_target(target: str) -> str:
    if target == "legal_representatives":
        return gettext("legal representatives")
    if target == "regional_coordinator":
        return gettext("regional coordinators")
    return _accountable(target)


def step_description(step: StepSpec) -> dict[str, Any]:
    """What the protocol page shows of one step of a definition."""
    deadline = step.deadline
    return {
        "key": step.key,
        "title": pick(step.title.model_dump()),
        "accountable": _accountable(step.accountable),
        "deadline": (
            ngettext("%(n)d working day", "%(n)d working days", deadline.working_days)
            % {"n": deadline.working_days}
            if deadline.working_days
            else ngettext("%(n)d month", "%(n)d months", deadline.months) % {"n": deadline.months}
            if deadline.months
            else ngettext("%(n)d hour", "%(n)d hours", deadline.hours or 0) % {"n": deadline.hours}
        ),
        "after": step.after,
        "when": [describe_condition(condition) for condition in step.when or []],
        "qualification": step.requires_qualification,
        "notify": [_notify_target(notice.to) for notice in step.notify],
        "basis": step.basis_in(),
        "fields": [
            {"label": pick(f.label.model_dump()), "kind": f.kind, "required": f.required}
            for f in step.output.fields
        ],
    }


VERSION_STATUS = {  # the words of protocols/partials/version_status.html
    "published": _("published: new cases start on it"),
    "superseded": _("superseded: its cases keep it"),
    "available": _("available, not published"),
    "not_published": _("never published"),
}

PROTOCOLS = exports.TableExport(
    name="protocols",
    title=_("Protocols"),
    rows=lambda request: [version for entry in selectors.catalogue() for version in entry.versions],
    columns=[
        exports.column(_("Code"), "code"),
        exports.column(_("Version"), "version"),
        exports.column(_("Title"), "title"),
        exports.Column(_("Status"), lambda row: VERSION_STATUS.get(row.status, row.status)),
        exports.column(_("Published"), "published_at"),
        exports.column(_("Published by"), "published_by.get_username"),
        exports.column(_("Running cases"), "running_cases"),
    ],
    personal=False,  # the protocols themselves: no child's data
)


@login_required
@exportable(PROTOCOLS)
@require_safe
@access.gate_required("protocols")
def protocol_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    return render(
        request,
        "protocols/protocol_list.html",
        {"entries": selectors.catalogue(), "may_publish": selectors.may_publish(user_of(request))},
    )


def _render_version(
    request: HttpRequest, code: str, version: int, *, status: int = 200, alert: str | None = None
) -> HttpResponse:
    detail = selectors.version_detail(code, version)
    spec = detail.row.spec
    titles = {step.key: pick(step.title.model_dump()) for step in spec.steps}
    against_titles = (
        {step.key: pick(step.title.model_dump()) for step in detail.against.spec.steps}
        if detail.against
        else {}
    )
    return render(
        request,
        "protocols/protocol_version.html",
        {
            "detail": detail,
            "spec": spec,
            "basis": spec.basis_in(),
            "applies": [describe_condition(condition) for condition in spec.conditions],
            "steps": [step_description(step) for step in spec.steps],
            "titles": titles,
            "removed_titles": [
                against_titles.get(k, k) for k in (detail.diff or {}).get("removed", [])
            ],
            "may_publish": selectors.may_publish(user_of(request)),
            "alert": alert,
        },
        status=status,
    )


@login_required
@require_safe
@access.gate_required("protocols")
def protocol_version(request: HttpRequest, code: str, version: int) -> HttpResponse:
    _require_reader(request)
    return _render_version(request, code, version)


@login_required
@require_POST
@access.gate_required("protocols")
def protocol_publish(request: HttpRequest, code: str, version: int) -> HttpResponse:
    """The national coordinator publishes a version: new cases start on it."""
    _require_reader(request)
    selectors.version_detail(code, version)  # 404 for an unknown version

    def published(result: ProtocolVersion) -> HttpResponse:
        messages.success(
            request,
            gettext("%(protocol)s version %(version)d is published: new cases start on it.")
            % {"protocol": result.title, "version": result.version},
        )
        return redirect("protocol-version", code=code, version=version)

    return run_service(
        lambda: protocol_services.publish(code=code, version=version, actor=user_of(request)),
        done=published,
        refused=lambda error: _render_version(
            request, code, version, status=error.status_code, alert=str(error.detail)
        ),
    )


# --- notices to a case's legal representatives ------------------------------------------
# Review, correct, confirm or cancel a draft; see each message it became and its SMS
# delivery receipts (the pages of qamqor.protocols.notice_api).


def _notice_field(name: str) -> str:
    """The review form's field of a text the service names ``texts.<language>.<part>``."""
    return name.replace(".", "_")


def _notices_page(
    request: HttpRequest,
    case: Case,
    *,
    bound: dict[tuple[str, int], forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    bound = bound or {}
    rows = []
    for notice in RepresentativeNotice.objects.filter(case=case).select_related(
        "step__organisation", "step__run__protocol", "confirmed_by"
    ):
        reviewable = (
            notice.status == RepresentativeNotice.Status.DRAFT
            and not case.is_closed
            and access.permits(user, "review", notice)
        )
        rows.append(
            {
                "notice": notice,
                "step_title": notice.step.title,
                "deliveries": notices.deliveries(notice),
                "form": (bound.get(("review", notice.pk)) or NoticeReviewForm(notice=notice))
                if reviewable
                else None,
                "cancel_form": (
                    bound.get(("cancel", notice.pk))
                    or NoticeCancelForm(prefix=f"cancel-{notice.pk}")
                )
                if reviewable
                else None,
            }
        )
    return render(
        request, "protocols/case_notices.html", {"case": case, "rows": rows}, status=status
    )


@login_required
@require_safe
def case_notices(request: HttpRequest, number: str) -> HttpResponse:
    case = case_selectors.get_case_for_user(user_of(request), number, audit_read=True)
    return _notices_page(request, case)


@login_required
@require_POST
def case_notice_confirm(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = case_selectors.get_case_for_user(user_of(request), number, audit_read=False)
    notice = notices.notice_on_case(case, pk)
    form = NoticeReviewForm(request.POST, notice=notice)
    return run_form(
        form,
        lambda data: notices.confirm(notice=notice, actor=user_of(request), texts=form.texts()),
        done=lambda confirmed: success(
            request,
            gettext("The notice is confirmed and sent."),
            redirect("case-notices", number=case.number),
        ),
        again=lambda status: _notices_page(
            request, case, bound={("review", notice.pk): form}, status=status
        ),
        field_prefix="texts.",
        field_name=_notice_field,
    )


@login_required
@require_POST
def case_notice_cancel(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = case_selectors.get_case_for_user(user_of(request), number, audit_read=False)
    notice = notices.notice_on_case(case, pk)
    form = NoticeCancelForm(request.POST, prefix=f"cancel-{notice.pk}")
    return run_form(
        form,
        lambda data: notices.cancel(notice=notice, actor=user_of(request), reason=data["reason"]),
        done=lambda cancelled: success(
            request,
            gettext("The notice will not be sent."),
            redirect("case-notices", number=case.number),
        ),
        again=lambda status: _notices_page(
            request, case, bound={("cancel", notice.pk): form}, status=status
        ),
    )
