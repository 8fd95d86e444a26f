"""Psychological support pages: the workspace (caseload), a child's care record with its
forms, consultations, crisis exceptions, supervision, the weekly work log and the workload
report (anonymous appeals: ``appeals.views``). Thin: forms, services, selectors; every
refusal is shown on its form with the service's status code."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any, cast

from django import forms as dj
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qamqor.accounts import access, policy
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.care import selectors
from qamqor.care.forms import (
    ChildForm,
    ConsentForm,
    ConsultationForm,
    CrisisBasisForm,
    ShareForm,
    SupervisionForm,
    WithdrawConsentForm,
    WorkloadFilterForm,
    WorkWeekForm,
    care_organisation,
    child_arguments,
    consent_arguments,
    consultation_arguments,
    crisis_basis_arguments,
    share_arguments,
    supervision_arguments,
)
from qamqor.care.models import NON_SPECIALIST, WorkCategory, WorkWeek
from qamqor.care.services import children as child_services
from qamqor.care.services import consent as consent_services
from qamqor.care.services import consultations as consultation_services
from qamqor.care.services import crisis as crisis_services
from qamqor.care.services import sharing as sharing_services
from qamqor.care.services import supervision as supervision_services
from qamqor.care.services import worklog as worklog_services
from qamqor.care.services.common import local_today, week_start
from qamqor.cases.models import Child
from qamqor.directory.models import Organisation, OrganisationKind, Region
from qamqor.errors import DomainError
from qamqor.pages import apply_domain_error, bound_form, paginate, private, run_form, user_of

PSC_KINDS = [OrganisationKind.PSC, OrganisationKind.PSC_BRANCH]


def _org_select(organisations: list[Organisation]) -> dj.Widget:
    if len(organisations) == 1:
        return dj.HiddenInput()
    return dj.Select(choices=[(org.code, org.name) for org in organisations])


# --- workspace ----------------------------------------------------------------------------


@login_required
@require_safe
@access.gate_required("care")
def home(request: HttpRequest) -> HttpResponse:
    """The psychologist's workspace; coordinators find their oversight pages here."""
    user = user_of(request)
    care = policy.care_scope_for(user)
    load = selectors.caseload(user) if care.psychologist_org_ids else None
    return private(
        render(
            request,
            "care/home.html",
            {
                "care": care,
                "load": load,
                "is_psychologist": bool(care.psychologist_org_ids),
                "is_psc": bool(care.psc_org_ids),
                "is_head": bool(care.supervised_org_ids),
                "is_coordinator": bool(care.region_ids or care.national),
                "limit": settings.CRISIS_SESSION_LIMIT,
                "now": timezone.now(),
            },
        )
    )


# --- children -----------------------------------------------------------------------------


def _care_organisations(user: User) -> list[Organisation]:
    care = policy.care_scope_for(user)
    return list(Organisation.objects.filter(pk__in=care.psychologist_org_ids).order_by("name_en"))


@login_required
@require_http_methods(["GET", "POST"])
def child_new(request: HttpRequest) -> HttpResponse:
    """Record a child a psychologist starts working with (a walk-in at a PSC, a pupil)."""
    user = user_of(request)
    organisations = _care_organisations(user)
    if not organisations:
        raise Http404("child form")
    form = (
        ChildForm(request.POST)
        if request.method == "POST"
        else ChildForm(initial={"organisation": organisations[0].code})
    )
    form.fields["organisation"].widget = _org_select(organisations)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                child = child_services.register_child(actor=user, **child_arguments(user, data))
            except DomainError as error:
                apply_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(
                    request, gettext("Child %(code)s is recorded.") % {"code": child.code}
                )
                return redirect("care-child", code=child.code)
    return private(render(request, "care/child_form.html", {"form": form}, status=status))


def _child_context(
    request: HttpRequest, child: Child, forms: dict[str, dj.Form] | None = None
) -> dict[str, Any]:
    user = user_of(request)
    forms = forms or {}
    care = selectors.child_care(user, child)
    context: dict[str, Any] = {"child": child, "care": care}
    for basis in care.crisis_bases:
        basis.used = care.crisis_used.get(basis.pk, 0)  # type: ignore[attr-defined]
    scope = policy.care_scope_for(user)
    acting = list(Organisation.objects.filter(pk__in=scope.referral_org_ids).order_by("name_en"))
    now_local = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
    if acting:
        consent = forms.get("consent") or ConsentForm(
            prefix="consent",
            initial={"organisation": acting[0].code, "given_at": now_local, "covers_support": True},
        )
        consent.fields["organisation"].widget = _org_select(acting)
        consent.fields["representative"].widget = dj.Select(
            choices=[("", "—"), *((r.pk, str(r)) for r in care.representatives)]
        )
        others = Organisation.objects.filter(region_id=child.region_id).exclude(
            pk__in=scope.referral_org_ids
        )
        consent.fields["share_with"].widget = dj.SelectMultiple(
            choices=[(org.code, org.name) for org in others.order_by("kind", "name_en")[:500]]
        )
        context["consent_form"] = consent
        share = forms.get("share") or ShareForm(
            prefix="share", initial={"from_organisation": acting[0].code}
        )
        share.fields["from_organisation"].widget = _org_select(acting)
        share.fields["to_organisation"].widget = dj.Select(
            choices=[
                (org.code, f"{org.name} ({org.get_kind_display()})")
                for org in others.order_by("kind", "name_en")[:500]
            ]
        )
        context["share_form"] = share
        context["withdraw_form"] = WithdrawConsentForm(prefix="withdraw")
    if care.crisis_organisations:
        crisis = forms.get("crisis") or CrisisBasisForm(
            prefix="crisis", initial={"organisation": care.crisis_organisations[0].code}
        )
        crisis.fields["organisation"].widget = _org_select(care.crisis_organisations)
        context["crisis_form"] = crisis
    if care.care_organisations:
        consultation = forms.get("consultation") or ConsultationForm(
            prefix="consultation",
            initial={
                "organisation": care.care_organisations[0].code,
                "child": child.code,
                "held_at": now_local,
                "format": "in_person",
            },
        )
        consultation.fields["organisation"].widget = _org_select(care.care_organisations)
        consultation.fields["child"].widget = dj.HiddenInput()
        context["consultation_form"] = consultation
    context["may_refer"] = any(org.kind in (OrganisationKind.SCHOOL, *PSC_KINDS) for org in acting)
    context["limit"] = settings.CRISIS_SESSION_LIMIT
    return context


@login_required
@require_safe
def child_detail(request: HttpRequest, code: str) -> HttpResponse:
    child = selectors.get_child_for_user(user_of(request), code)
    return private(render(request, "care/child_detail.html", _child_context(request, child)))


def _child_action(
    request: HttpRequest,
    code: str,
    name: str,
    form_class: type[dj.Form],
    action: Any,
    done: str,
    *,
    with_files: bool = False,
) -> HttpResponse:
    user = user_of(request)
    child = selectors.get_child_for_user(user, code, audit_read=False)
    form = bound_form(request, form_class, prefix=name, with_files=with_files)
    status = run_form(form, lambda data: action(user, child, data))
    if status is None:
        messages.success(request, done)
        return redirect("care-child", code=child.code)
    context = _child_context(request, child, {name: form})
    context["open_form"] = name
    return private(render(request, "care/child_detail.html", context, status=status))


@login_required
@require_POST
def child_consent(request: HttpRequest, code: str) -> HttpResponse:
    def action(user: User, child: Child, data: dict[str, Any]) -> None:
        consent_services.record_consent(actor=user, **consent_arguments(user, child, data))

    return _child_action(
        request,
        code,
        "consent",
        ConsentForm,
        action,
        gettext("The consent is recorded."),
        with_files=True,
    )


@login_required
@require_POST
def child_crisis(request: HttpRequest, code: str) -> HttpResponse:
    def action(user: User, child: Child, data: dict[str, Any]) -> None:
        crisis_services.record_crisis_basis(
            actor=user, child=child, **crisis_basis_arguments(user, data)
        )

    return _child_action(
        request,
        code,
        "crisis",
        CrisisBasisForm,
        action,
        gettext("The crisis basis is recorded; the coordinator is informed."),
    )


@login_required
@require_POST
def child_consultation(request: HttpRequest, code: str) -> HttpResponse:
    def action(user: User, child: Child, data: dict[str, Any]) -> None:
        consultation_services.record_consultation(
            actor=user, child=child, **consultation_arguments(user, data)
        )

    return _child_action(
        request,
        code,
        "consultation",
        ConsultationForm,
        action,
        gettext("The consultation is recorded."),
    )


@login_required
@require_POST
def child_share(request: HttpRequest, code: str) -> HttpResponse:
    def action(user: User, child: Child, data: dict[str, Any]) -> None:
        sharing_services.share_child(actor=user, child=child, **share_arguments(user, data))

    return _child_action(
        request, code, "share", ShareForm, action, gettext("The child's data is shared.")
    )


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = user_of(request)
    consent = selectors.get_consent_for_user(user, public_id)
    form = WithdrawConsentForm(request.POST, prefix="withdraw")
    form.is_valid()
    try:
        consent_services.withdraw_consent(
            actor=user, consent=consent, note=form.cleaned_data.get("note", "")
        )
    except DomainError as error:
        messages.error(request, str(error.detail))
        response = redirect("care-child", code=consent.child.code)
        return response
    messages.success(
        request, gettext("The consent is withdrawn; sharing that rested on it has stopped.")
    )
    return redirect("care-child", code=consent.child.code)


@login_required
@require_safe
def consent_document(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    document = selectors.get_consent_document_for_user(user_of(request), public_id)
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return private(response)


@login_required
@require_POST
def crisis_close(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = user_of(request)
    basis = selectors.get_crisis_basis_for_user(user, public_id)
    try:
        crisis_services.close_crisis_basis(actor=user, basis=basis)
    except DomainError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, gettext("The crisis basis is closed."))
    return redirect("care-child", code=basis.child.code)


# --- consultations without a child record, and one consultation ---------------------------


@login_required
@require_http_methods(["GET", "POST"])
def consultation_new(request: HttpRequest) -> HttpResponse:
    """An anonymous consultation (hotline, no child record) or group work."""
    user = user_of(request)
    organisations = _care_organisations(user)
    if not organisations:
        raise Http404("consultation form")
    now_local = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
    form = (
        ConsultationForm(request.POST)
        if request.method == "POST"
        else ConsultationForm(
            initial={"organisation": organisations[0].code, "held_at": now_local, "format": "phone"}
        )
    )
    form.fields["organisation"].widget = _org_select(organisations)
    form.fields["child"].widget = dj.HiddenInput()
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                consultation = consultation_services.record_consultation(
                    actor=user, **consultation_arguments(user, data)
                )
            except DomainError as error:
                apply_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(request, gettext("The consultation is recorded."))
                return redirect("care-consultation", public_id=consultation.public_id)
    return private(render(request, "care/consultation_form.html", {"form": form}, status=status))


@login_required
@require_safe
def consultation_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    consultation = selectors.get_consultation_for_user(user_of(request), public_id)
    return private(render(request, "care/consultation_detail.html", {"consultation": consultation}))


# --- crisis exceptions (oversight) --------------------------------------------------------


def _listed_crisis_bases(user: User) -> list[Any]:
    bases = list(selectors.crisis_exceptions(user))
    audit.record_list(
        actor=user, object_type="crisis_basis", object_ids=[b.public_id for b in bases]
    )
    return bases


@login_required
@require_safe
def crisis_list(request: HttpRequest) -> HttpResponse:
    """Every crisis exception in the user's oversight, reported to the coordinator (1.5.2)."""
    user = user_of(request)
    care = policy.care_scope_for(user)
    if not (care.psc_org_ids or care.region_ids or care.national):
        raise Http404("crisis exceptions")
    return private(
        render(
            request,
            "care/crisis_list.html",
            {"bases": _listed_crisis_bases(user), "is_psc": bool(care.psc_org_ids)},
        )
    )


# --- supervision --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def supervision(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    care = policy.care_scope_for(user)
    if not (care.psychologist_org_ids or care.region_ids or care.national):
        raise Http404("supervision")
    hosts = selectors.supervision_hosts(user)
    now_local = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
    form = (
        SupervisionForm(request.POST)
        if request.method == "POST"
        else SupervisionForm(
            initial={
                "organisation": hosts[0].code if hosts else "",
                "held_at": now_local,
                "participants": user.get_username(),
            }
        )
    )
    form.fields["organisation"].widget = _org_select(hosts) if hosts else dj.HiddenInput()
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                supervision_services.record_supervision(
                    actor=user, **supervision_arguments(user, data)
                )
            except DomainError as error:
                apply_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(request, gettext("The session is recorded."))
                return redirect("care-supervision")
    sessions = paginate(
        request, selectors.supervision_sessions(user), audit_as="supervision", audit_id="public_id"
    )
    return private(
        render(request, "care/supervision.html", {"form": form, "page": sessions}, status=status)
    )


# --- the weekly work log ------------------------------------------------------------------


def _week_param(value: str | None) -> date:
    today = local_today()
    try:
        chosen = date.fromisoformat(value) if value else today
    except ValueError:
        chosen = today
    return week_start(min(chosen, today))


@login_required
@require_http_methods(["GET", "POST"])
def worklog(request: HttpRequest) -> HttpResponse:
    """One form per week, categories as rows: a minute's work on Friday (1.5.4, 2.3.1)."""
    user = user_of(request)
    organisations = _care_organisations(user)
    if not organisations:
        raise Http404("work log")
    code = request.POST.get("organisation") or request.GET.get("organisation")
    organisation = next((o for o in organisations if o.code == code), organisations[0])
    week = _week_param(request.POST.get("week") or request.GET.get("week"))
    status = 200
    if request.method == "POST":
        form = WorkWeekForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                organisation = care_organisation(user, form.cleaned_data["organisation"])
                worklog_services.save_work_week(
                    actor=user,
                    organisation=organisation,
                    week=form.cleaned_data["week"],
                    hours=worklog_services.parse_hours(
                        {k: v for k, v in form.hours().items() if v is not None}
                    ),
                    note=form.cleaned_data["note"],
                )
            except DomainError as error:
                apply_domain_error(form, error)
                status = error.status_code
            else:
                messages.success(request, gettext("The week is saved."))
                return redirect(
                    f"{request.path}?week={form.cleaned_data['week'].isoformat()}"
                    f"&organisation={organisation.code}"
                )
        suggested: dict[str, Any] = {}
        saved = False
    else:
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
    return private(
        render(
            request,
            "care/worklog.html",
            {
                "form": form,
                "rows": rows,
                "organisation": organisation,
                "organisations": organisations,
                "week": week,
                "previous_week": week - timedelta(days=7),
                "next_week": week + timedelta(days=7)
                if week + timedelta(days=7) <= local_today()
                else None,
                "saved": saved,
                "suggested": bool(suggested),
                "recent": recent,
            },
            status=status,
        )
    )


# --- the workload report ------------------------------------------------------------------


@login_required
@require_safe
def workload(request: HttpRequest) -> HttpResponse:
    """Non-specialist share and caseload against the norms, with a chart (1.5.4, 3.3.2)."""
    user = user_of(request)
    levels = selectors.workload_levels(user)  # 404 for whoever has no view of it
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
