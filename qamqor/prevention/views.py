"""Prevention pages (brief 1.1.3; Order No. 506 pp. 3-6, 12): a school's plans and
policies, uploading or composing one, a document with its approval and activities, the
coordinators' coverage by district, and a case's individual plans."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qamqor.accounts import access
from qamqor.pages import bound_form, private, run_action, run_form, success, user_of
from qamqor.prevention import selectors, services
from qamqor.prevention.forms import (
    ActivityForm,
    ComposeForm,
    IndividualPlanChangeForm,
    IndividualPlanForm,
    UploadForm,
)
from qamqor.prevention.models import DocumentKind, IndividualPlan, PreventionDocument


@login_required
@access.gate_required("prevention")
@require_safe
def school_home(request: HttpRequest) -> HttpResponse:
    """The plans and policies of the user's school (``?school=<code>`` among several)."""
    user = user_of(request)
    schools = list(selectors.keeping_schools(user))
    code = request.GET.get("school", "")
    school = next((s for s in schools if s.code == code), schools[0] if schools else None)
    if school is None:
        raise Http404("school")
    documents = list(selectors.school_documents(user, school))
    return render(
        request,
        "prevention/school.html",
        {
            "schools": schools,
            "school": school,
            "plans": [d for d in documents if d.kind == DocumentKind.PLAN],
            "policies": [d for d in documents if d.kind == DocumentKind.POLICY],
            "templates": services.templates(),
        },
    )


def _form_page(
    request: HttpRequest, form: forms.Form, kind: str, status: int = 200
) -> HttpResponse:
    return render(
        request, "prevention/document_form.html", {"form": form, "kind": kind}, status=status
    )


@login_required
@access.gate_required("prevention")
@require_http_methods(["GET", "POST"])
def document_upload(request: HttpRequest) -> HttpResponse:
    """Upload a plan or policy as a file (checked, encrypted at rest)."""
    user = user_of(request)
    if request.method != "POST":
        return _form_page(request, UploadForm(user=user, prefix="doc"), "upload")
    form = UploadForm(request.POST, request.FILES, user=user, prefix="doc")
    return run_form(
        form,
        lambda data: services.save_document(actor=user, **data),
        done=lambda document: success(
            request,
            gettext("The document is saved as a draft for the head to approve."),
            redirect("prevention-document", public_id=document.public_id),
        ),
        again=lambda status: _form_page(request, form, "upload", status),
    )


@login_required
@access.gate_required("prevention")
@require_http_methods(["GET", "POST"])
def document_compose(request: HttpRequest, kind: str) -> HttpResponse:
    """Compose a plan or policy from the template's sections."""
    if kind not in DocumentKind.values:
        raise Http404("kind")
    user = user_of(request)
    if request.method != "POST":
        return _form_page(request, ComposeForm(user=user, kind=kind, prefix="doc"), kind)
    form = ComposeForm(request.POST, user=user, kind=kind, prefix="doc")
    return run_form(
        form,
        lambda data: services.save_document(actor=user, **data),
        done=lambda document: success(
            request,
            gettext("The document is saved as a draft for the head to approve."),
            redirect("prevention-document", public_id=document.public_id),
        ),
        again=lambda status: _form_page(request, form, kind, status),
    )


def _document_page(
    request: HttpRequest,
    document: PreventionDocument,
    activity_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    template = services.templates().of(document.kind)
    sections = [
        (section.heading, document.sections.get(section.key, ""))
        for section in template.sections
        if section.key in document.sections
    ]
    return render(
        request,
        "prevention/document.html",
        {
            "document": document,
            "sections": sections,
            "activities": selectors.activities_of(document),
            "may_edit": access.permits(user, "edit", document),
            "may_approve": not document.is_approved and access.permits(user, "approve", document),
            "activity_form": activity_form or ActivityForm(prefix="activity"),
        },
        status=status,
    )


@login_required
@require_safe
def document_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A plan or policy: its sections or file, its approval, the activities held."""
    return _document_page(request, selectors.get_document(request.user, public_id))


@login_required
@require_POST
def document_approve(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The head approves the draft (Order No. 506 p. 3)."""
    user = user_of(request)
    document = selectors.get_document(user, public_id, "approve")
    back = redirect("prevention-document", public_id=public_id)
    return run_action(
        request,
        lambda: services.approve_document(actor=user, document=document),
        done=lambda _approved: success(request, gettext("The document is approved."), back),
        again=lambda: back,
    )


@login_required
@require_POST
def activity_add(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Record prevention work held under the plan."""
    user = user_of(request)
    plan = selectors.get_document(user, public_id, "edit")
    form = bound_form(request, ActivityForm, prefix="activity")
    return run_form(
        form,
        lambda data: services.add_activity(actor=user, plan=plan, **data),
        done=lambda _activity: success(
            request,
            gettext("The activity is recorded."),
            redirect("prevention-document", public_id=public_id),
        ),
        again=lambda status: _document_page(request, plan, form, status),
    )


@login_required
@require_safe
def document_file(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The uploaded file of a plan or policy, downloaded, never shown inline."""
    document = selectors.get_document(request.user, public_id)
    stored = document.document
    if stored is None:
        raise Http404("file")
    response = HttpResponse(bytes(stored.content), content_type=stored.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(stored.file_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@access.gate_required("prevention_coverage")
@require_safe
def coverage(request: HttpRequest) -> HttpResponse:
    """Schools without an approved plan for the current school year or with an outdated
    policy, by district, public and private side by side (``?district=<id>``)."""
    district: int | None = None
    raw = request.GET.get("district", "")
    if raw.isdigit() and len(raw) < 10:
        district = int(raw)
    report = selectors.coverage(request.user, today=timezone.localdate(), district=district)
    return render(
        request,
        "prevention/coverage.html",
        {
            "report": report,
            "district": district,
            "templates": services.templates(),
            "max_age_months": settings.PREVENTION_POLICY_MAX_AGE_MONTHS,
        },
    )


def _plans_page(
    request: HttpRequest, number: str, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    case = selectors.case_for_plans(user, number)
    plans = selectors.individual_plans(user, case)
    may_add = access.permits(user, "plan_individually", case)
    context: dict[str, Any] = {
        "case": case,
        "plans": plans,
        "may_add": may_add,
        "decision_taken": services.decision_taken(case),
        "form": form or (IndividualPlanForm(prefix="plan") if may_add else None),
    }
    return private(render(request, "prevention/individual_plans.html", context, status=status))


@login_required
@require_http_methods(["GET", "POST"])
def individual_plans(request: HttpRequest, number: str) -> HttpResponse:
    """A case's individual plans (Order No. 506 p. 12), and the form to add one."""
    if request.method != "POST":
        return _plans_page(request, number)
    user = user_of(request)
    case = selectors.case_for_plans(user, number, "plan_individually")
    form = bound_form(request, IndividualPlanForm, prefix="plan")
    return run_form(
        form,
        lambda data: services.add_individual_plan(actor=user, case=case, **data),
        done=lambda _plan: success(
            request,
            gettext("The individual plan is saved."),
            redirect("prevention-individual-plans", number=number),
        ),
        again=lambda status: _plans_page(request, number, form, status),
    )


def _plan_edit_page(
    request: HttpRequest, plan: IndividualPlan, form: forms.Form, status: int = 200
) -> HttpResponse:
    return private(
        render(
            request,
            "prevention/individual_plan_edit.html",
            {"plan": plan, "form": form},
            status=status,
        )
    )


@login_required
@require_http_methods(["GET", "POST"])
def individual_plan_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Change an individual plan's measures, person responsible or review date."""
    user = user_of(request)
    plan = selectors.get_individual_plan(user, public_id, "edit")
    if request.method != "POST":
        initial = {
            "measures": plan.measures,
            "responsible": plan.responsible,
            "review_on": plan.review_on,
        }
        return _plan_edit_page(
            request, plan, IndividualPlanChangeForm(prefix="plan", initial=initial)
        )
    form = bound_form(request, IndividualPlanChangeForm, prefix="plan")
    return run_form(
        form,
        lambda data: services.update_individual_plan(actor=user, plan=plan, **data),
        done=lambda _plan: success(
            request,
            gettext("The individual plan is saved."),
            redirect("prevention-individual-plans", number=plan.case.number),
        ),
        again=lambda status: _plan_edit_page(request, plan, form, status),
    )
