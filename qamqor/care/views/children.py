"""The psychologist's workspace (caseload), recording a child, and a child's care record
with the forms on it (consent, sharing, the crisis exception, a consultation), whose
posts the sub-domain modules answer through ``child_action``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as dj
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from qamqor import exports
from qamqor.accounts import access, policy
from qamqor.accounts.models import User
from qamqor.care import selectors
from qamqor.care.forms import (
    ChildForm,
    ConsentForm,
    ConsultationForm,
    CrisisBasisForm,
    ShareForm,
    WithdrawConsentForm,
    child_arguments,
)
from qamqor.care.models import ConsultationBasis
from qamqor.care.services import children as child_services
from qamqor.care.views.common import (
    PSC_KINDS,
    care_organisations,
    now_local_minutes,
    org_select,
)
from qamqor.cases.models import Child
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.pages import bound_form, exportable, private, run_form, success, user_of


def _active_children(request: HttpRequest) -> list[dict[str, Any]]:
    """The active children of the psychologist's caseload (the home page's table; none
    for the coordinators who open the page for its oversight links)."""
    user = user_of(request)
    if not policy.care_scope_for(user).psychologist_org_ids:
        return []
    return selectors.caseload(user).active


BASIS_LABELS = dict(ConsultationBasis.choices)

CASELOAD = exports.TableExport(
    name="caseload",
    title=_("Active children"),
    rows=_active_children,
    columns=[
        exports.column(_("Child"), "child.code"),
        exports.column(_("Organisation"), "organisation.name"),
        exports.column(_("Last seen"), "last_seen"),
        exports.column(_("Sessions"), "sessions"),
        exports.Column(_("Basis"), lambda row: BASIS_LABELS.get(row["basis"], row["basis"])),
        exports.column(_("Next appointment"), "next_appointment_at"),
    ],
)


@login_required
@exportable(CASELOAD)
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


@login_required
@require_http_methods(["GET", "POST"])
def child_new(request: HttpRequest) -> HttpResponse:
    """Record a child a psychologist starts working with (a walk-in at a PSC, a pupil)."""
    user = user_of(request)
    organisations = care_organisations(user)
    if not organisations:
        raise Http404("child form")
    form = (
        ChildForm(request.POST)
        if request.method == "POST"
        else ChildForm(initial={"organisation": organisations[0].code})
    )
    form.fields["organisation"].widget = org_select(organisations)
    return run_form(
        form,
        lambda data: child_services.register_child(actor=user, **child_arguments(user, data)),
        done=lambda child: success(
            request,
            gettext("Child %(code)s is recorded.") % {"code": child.code},
            redirect("care-child", code=child.code),
        ),
        again=lambda status: private(
            render(request, "care/child_form.html", {"form": form}, status=status)
        ),
    )


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
    now_local = now_local_minutes()
    if acting:
        consent = forms.get("consent") or ConsentForm(
            prefix="consent",
            initial={"organisation": acting[0].code, "given_at": now_local, "covers_support": True},
        )
        consent.fields["organisation"].widget = org_select(acting)
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
        share.fields["from_organisation"].widget = org_select(acting)
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
        crisis.fields["organisation"].widget = org_select(care.crisis_organisations)
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
        consultation.fields["organisation"].widget = org_select(care.care_organisations)
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


ChildRecord = Callable[[User, Child, dict[str, Any]], object]


def child_action(
    request: HttpRequest,
    code: str,
    name: str,
    form_class: type[dj.Form],
    record: ChildRecord,
    done: str,
    *,
    with_files: bool = False,
) -> HttpResponse:
    """A form posted on a child's page (``name`` is its prefix): ``record(user, child,
    data)`` calls the service; the page comes back with that form open on a refusal."""
    user = user_of(request)
    child = selectors.get_child_for_user(user, code, audit_read=False)
    form = bound_form(request, form_class, prefix=name, with_files=with_files)

    def again(status: int) -> HttpResponse:
        context = _child_context(request, child, {name: form})
        context["open_form"] = name
        return private(render(request, "care/child_detail.html", context, status=status))

    return run_form(
        form,
        lambda data: record(user, child, data),
        done=lambda _record: success(request, done, redirect("care-child", code=child.code)),
        again=again,
    )
