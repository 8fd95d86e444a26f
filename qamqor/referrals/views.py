"""Referral pages: the list, the standard form, one referral with its actions, the staff
self-referral form, and the public "ask a PSC for help" form. Thin: forms, services,
selectors; a refusal is shown on the form with the service's status code."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms as dj
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qamqor import exports
from qamqor.accounts import access, policy
from qamqor.accounts.models import User
from qamqor.cases.models import Child
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.files import check_upload
from qamqor.intake import limits
from qamqor.pages import (
    bound_form,
    exportable,
    paginate,
    private,
    run_form,
    success,
    user_of,
)
from qamqor.referrals import selectors, services
from qamqor.referrals.forms import (
    AcceptForm,
    AttachmentForm,
    CancelForm,
    CompleteForm,
    DeclineForm,
    InformSchoolForm,
    PscFinderForm,
    ReferralFilterForm,
    ReferralForm,
    SelfReferralForm,
    StaffSelfReferralForm,
    referral_arguments,
    self_referral_arguments,
    staff_self_referral_arguments,
)
from qamqor.referrals.models import Referral, ReferralKind

PSC_KINDS = [OrganisationKind.PSC, OrganisationKind.PSC_BRANCH]
SERVICE_KINDS = [
    OrganisationKind.CLINIC,
    OrganisationKind.GUARDIANSHIP,
    OrganisationKind.JUVENILE_POLICE,
    OrganisationKind.EDUCATION_DEPARTMENT,
]
ASK_SESSION_KEY = "qamqor.referral_ask"
IDEMPOTENCY_FIELD = "idempotency_token"


def _token(value: str | None) -> str | None:
    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        return None


# --- list and the standard form -----------------------------------------------------------


def _referrals(request: HttpRequest) -> tuple[Any, ReferralFilterForm]:
    """The referrals the list shows the user, with its filters (the page and its download)."""
    filters = ReferralFilterForm(request.GET)
    filters.is_valid()
    chosen = getattr(filters, "cleaned_data", {})
    referrals = selectors.referral_list(
        user_of(request),
        direction=chosen.get("direction") or None,
        status=chosen.get("status") or None,
    )
    return referrals, filters


REFERRALS = exports.TableExport(
    name="referrals",
    title=_("Referrals"),
    rows=lambda request: _referrals(request)[0],
    columns=[
        exports.column(pgettext_lazy("referral number", "Reference"), "reference"),
        exports.column(_("Child"), "child.code"),
        exports.column(_("From"), "from_organisation.name"),
        exports.column(_("To"), "to_organisation.name"),
        exports.column(_("Concern"), "get_concern_display"),
        exports.column(_("Urgency"), "get_urgency_display"),
        exports.column(_("Status"), "get_status_display"),
        exports.column(_("Sent"), "sent_at"),
        exports.column(_("Answer due"), "respond_by"),
        exports.column(_("Assigned to"), "assigned_to.get_username"),
    ],
    filters=("direction", "status"),
)


@login_required
@exportable(REFERRALS)
@require_safe
@access.gate_required("referrals")
def referral_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    scope = policy.care_scope_for(user)
    referrals, filters = _referrals(request)
    chosen = getattr(filters, "cleaned_data", {})
    return private(
        render(
            request,
            "referrals/referral_list.html",
            {
                "page": paginate(request, referrals, audit_as="referral", audit_id="public_id"),
                "filters": filters,
                "filtered": any(chosen.values()),
                "may_refer": bool(_referring_organisations(user)),
                "may_take_self": bool(scope.psc_org_ids) or bool(_helpline_organisations(user)),
            },
        )
    )


def _referring_organisations(user: User) -> list[Organisation]:
    scope = policy.care_scope_for(user)
    return list(
        Organisation.objects.filter(
            pk__in=scope.referral_org_ids, kind__in=[OrganisationKind.SCHOOL, *PSC_KINDS]
        ).order_by("name_en")
    )


def _helpline_organisations(user: User) -> list[Organisation]:
    scope = policy.care_scope_for(user)
    return list(
        Organisation.objects.filter(pk__in=scope.referral_org_ids, kind=OrganisationKind.HELPLINE)
    )


def _targets(origins: list[Organisation]) -> list[tuple[str, str]]:
    """Where the user's organisations refer to: the region's PSCs from a school; its
    clinics and services from a PSC."""
    choices: dict[str, str] = {}
    for origin in origins:
        kinds = PSC_KINDS if origin.kind == OrganisationKind.SCHOOL else SERVICE_KINDS
        candidates = Organisation.objects.filter(kind__in=kinds, region__isnull=False)
        if origin.region_id is not None:
            candidates = candidates.filter(region_id=origin.region_id)
        for org in candidates.order_by("kind", "name_en"):
            choices[org.code] = f"{org.name} ({org.get_kind_display()})"
    return [("", "—"), *choices.items()]


def _render_new(
    request: HttpRequest, form: ReferralForm, origins: list[Organisation], status: int = 200
) -> HttpResponse:
    form.fields["to_organisation"].widget = dj.Select(choices=_targets(origins))
    if len(origins) > 1:
        form.fields["from_organisation"].widget = dj.Select(
            choices=[(org.code, org.name) for org in origins]
        )
    else:
        form.fields["from_organisation"].widget = dj.HiddenInput()
    form.fields["child"].widget.attrs["list"] = "known-children"
    return private(
        render(
            request,
            "referrals/referral_form.html",
            {"form": form, "origins": origins, "children": _recent_children(request, origins)},
            status=status,
        )
    )


def _recent_children(request: HttpRequest, origins: list[Organisation]) -> list[Child]:
    """Children the user's organisations worked with lately, to pick from by code."""
    return list(
        Child.objects.restrict(user_of(request), "view")
        .filter(
            Q(care_clients__organisation__in=origins)
            | Q(referrals__from_organisation__in=origins)
            | Q(consultations__organisation__in=origins)
        )
        .distinct()
        .order_by("-created_at")[:200]
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest) -> HttpResponse:
    """The standard referral form (1.3.1)."""
    user = user_of(request)
    origins = _referring_organisations(user)
    if not origins:
        raise Http404("referral form")
    if request.method != "POST":
        initial: dict[str, Any] = {"child": request.GET.get("child", "")[:20]}
        if len(origins) == 1:
            initial["from_organisation"] = origins[0].code
        return _render_new(request, ReferralForm(initial=initial), origins)
    form = ReferralForm(request.POST, request.FILES)

    def send(data: dict[str, Any]) -> Referral:
        files = []
        if data.get("attachment"):
            files.append(check_upload(data["attachment"], field="attachment"))
        return services.send_referral(
            actor=user, attachments=files, **referral_arguments(user, data)
        )

    return run_form(
        form,
        send,
        done=lambda referral: success(
            request,
            gettext("Referral %(reference)s is sent.") % {"reference": referral.reference},
            redirect("referral-detail", public_id=referral.public_id),
        ),
        again=lambda status: _render_new(request, form, origins, status=status),
    )


# --- one referral and its actions ---------------------------------------------------------


def _detail_context(
    request: HttpRequest, referral: Referral, forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = user_of(request)
    forms = forms or {}
    receiver = access.acts_for(user, "refer", referral.to_organisation_id)
    referrer = referral.from_organisation_id is not None and access.acts_for(
        user, "refer", referral.from_organisation_id
    )
    status = referral.status
    context: dict[str, Any] = {
        "referral": referral,
        "receiver": receiver,
        "referrer": referrer,
        "events": list(referral.events.all()),
        "attachments": list(referral.attachments.all()),
    }
    if receiver and status == Referral.Status.SENT:
        accept = forms.get("accept") or AcceptForm(prefix="accept")
        staff = User.objects.filter(
            memberships__organisation_id=referral.to_organisation_id,
            memberships__active=True,
            is_active=True,
        ).distinct()
        accept.fields["assigned_to"].widget = dj.Select(
            choices=[
                ("", gettext("me")),
                *((u.username, str(u)) for u in staff.order_by("username")),
            ]
        )
        context["accept_form"] = accept
        context["decline_form"] = forms.get("decline") or DeclineForm(prefix="decline")
    if receiver and status == Referral.Status.ACCEPTED:
        context["complete_form"] = forms.get("complete") or CompleteForm(prefix="complete")
    if referrer and referral.is_open:
        context["cancel_form"] = forms.get("cancel") or CancelForm(prefix="cancel")
    if (
        receiver
        and referral.kind == ReferralKind.SELF_REFERRAL
        and referral.school_named_id
        and referral.school_informed_at is None
    ):
        context["inform_form"] = forms.get("inform") or InformSchoolForm(
            prefix="inform",
            initial={"basis": "child_agreement" if referral.school_may_be_told else "legal_basis"},
        )
    if (receiver or referrer) and referral.is_open:
        context["attachment_form"] = forms.get("attachment") or AttachmentForm(prefix="attachment")
    return context


@login_required
@require_safe
def referral_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = selectors.get_referral_for_user(user_of(request), public_id)
    return private(
        render(request, "referrals/referral_detail.html", _detail_context(request, referral))
    )


def _act(
    request: HttpRequest,
    public_id: uuid.UUID,
    name: str,
    form_class: type,
    action: Any,
    done: str,
    *,
    with_files: bool = False,
) -> HttpResponse:
    """Run one action on a referral: validate its form, call the service, show the result."""
    user = user_of(request)
    referral = selectors.get_referral_for_user(user, public_id, audit_read=False)
    form = bound_form(request, form_class, prefix=name, with_files=with_files)
    status = run_form(form, lambda data: action(user, referral, data))
    if status is None:
        messages.success(request, done)
        if Referral.objects.restrict(user, "view").filter(public_id=public_id).exists():
            return redirect("referral-detail", public_id=public_id)
        return redirect("referral-list")
    referral = selectors.get_referral_for_user(user, public_id, audit_read=False)
    context = _detail_context(request, referral, {name: form})
    return private(render(request, "referrals/referral_detail.html", context, status=status))


def _referral_action(
    name: str, form_class: type[dj.Form], service: Any, done: Any
) -> Callable[[HttpRequest, uuid.UUID], HttpResponse]:
    """The page of one action on a referral: its form's data handed as they are to the
    service, ``service(actor=…, referral=…, **form.cleaned_data)``, as the API does."""

    @login_required
    @require_POST
    def view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        return _act(
            request,
            public_id,
            name,
            form_class,
            lambda user, referral, data: service(actor=user, referral=referral, **data),
            str(done),
        )

    return view


referral_accept = _referral_action(
    "accept", AcceptForm, services.accept_referral, _("The referral is accepted.")
)
referral_decline = _referral_action(
    "decline",
    DeclineForm,
    services.decline_referral,
    _("The referral is declined; the referrer is told."),
)
referral_complete = _referral_action(
    "complete",
    CompleteForm,
    services.complete_referral,
    _("The service is completed; the feedback is sent to the referrer."),
)
referral_cancel = _referral_action(
    "cancel", CancelForm, services.cancel_referral, _("The referral is cancelled.")
)
referral_inform_school = _referral_action(
    "inform", InformSchoolForm, services.inform_school, _("The school is told.")
)


@login_required
@require_POST
def referral_attach(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _act(
        request,
        public_id,
        "attachment",
        AttachmentForm,
        lambda user, referral, data: services.add_attachment(
            actor=user, referral=referral, checked=check_upload(data["file"], field="file")
        ),
        gettext("The file is attached."),
        with_files=True,
    )


@login_required
@require_safe
def referral_attachment(
    request: HttpRequest, public_id: uuid.UUID, attachment_id: uuid.UUID
) -> HttpResponse:
    """A file, only to those who see the referral; never displayed inline."""
    attachment = selectors.get_attachment_for_user(user_of(request), public_id, attachment_id)
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{attachment.file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return private(response)


# --- self-referrals -----------------------------------------------------------------------


def _psc_choices(region_id: int | None = None) -> list[tuple[str, str]]:
    pscs = Organisation.objects.filter(kind__in=PSC_KINDS).select_related("region")
    if region_id:
        pscs = pscs.filter(region_id=region_id)
    return [(org.code, f"{org.name} — {org.region.name if org.region else ''}") for org in pscs]


def _school_choices(region_id: int | None) -> list[tuple[str, str]]:
    schools = Organisation.objects.filter(kind=OrganisationKind.SCHOOL)
    if region_id is not None:
        schools = schools.filter(region_id=region_id)
    return [("", "—"), *((org.code, org.name) for org in schools.order_by("name_en")[:2000])]


@login_required
@require_http_methods(["GET", "POST"])
def referral_self_new(request: HttpRequest) -> HttpResponse:
    """A self-referral taken by PSC staff or the 111 center (phone, chatbot, walk-in)."""
    user = user_of(request)
    scope = policy.care_scope_for(user)
    helplines = _helpline_organisations(user)
    if not scope.psc_org_ids and not helplines:
        raise Http404("self-referral form")
    form = StaffSelfReferralForm(request.POST if request.method == "POST" else None)
    if scope.psc_org_ids:
        own = Organisation.objects.filter(pk__in=scope.psc_org_ids)
        form.fields["to_organisation"].widget = dj.Select(
            choices=[(org.code, org.name) for org in own]
        )
        region_id = own.first().region_id if own else None  # type: ignore[union-attr]
    else:
        form.fields["to_organisation"].widget = dj.Select(choices=_psc_choices())
        region_id = None
    form.fields["school"].widget = dj.Select(choices=_school_choices(region_id))
    return run_form(
        form,
        lambda data: services.submit_self_referral(
            actor=user, **staff_self_referral_arguments(user, data)
        )[0],
        done=lambda referral: success(
            request,
            gettext("Self-referral %(reference)s is recorded.") % {"reference": referral.reference},
            redirect("referral-detail", public_id=referral.public_id),
        ),
        again=lambda status: private(
            render(request, "referrals/self_referral_form.html", {"form": form}, status=status)
        ),
    )


@require_safe
def ask_start(request: HttpRequest) -> HttpResponse:
    """Public: choose a PSC to ask for help, without going through the school (2.3.8),
    narrowed by region and by a word of the centre's name, town or address. The country
    has a few dozen centres and branches: they are matched here, case-folded, so that
    Kazakh and Russian letters match in any case on every database."""
    finder = PscFinderForm(request.GET or None)
    pscs = list(
        Organisation.objects.filter(kind__in=PSC_KINDS)
        .select_related("region", "settlement")
        .order_by("region__code", "kind", "name_en")
    )
    status = 200
    if finder.is_bound and not finder.is_valid():
        status = 400
    elif finder.is_bound:
        region, words = finder.cleaned_data["region"], finder.cleaned_data["q"].casefold()
        pscs = [
            psc
            for psc in pscs
            if (region is None or psc.region_id == region.pk)
            and all(word in _psc_text(psc) for word in words.split())
        ]
    return render(
        request,
        "referrals/ask_start.html",
        {"public_page": True, "pscs": pscs, "finder": finder, "filtered": finder.is_bound},
        status=status,
    )


def _psc_text(psc: Organisation) -> str:
    """What a visitor's words are matched against: the centre's names in the three
    languages, its town or village and its address, case-folded."""
    parts = [psc.name_kk, psc.name_ru, psc.name_en, psc.address]
    if psc.settlement is not None:
        parts += [psc.settlement.name_kk, psc.settlement.name_ru, psc.settlement.name_en]
    return " ".join(parts).casefold()


def _public_psc(psc_code: str) -> Organisation:
    psc = Organisation.objects.filter(code=psc_code, kind__in=PSC_KINDS).first()
    if psc is None:
        raise Http404("psc")
    return psc


@never_cache
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest, psc_code: str) -> HttpResponse:
    """Public: the self-referral form of one PSC (no login, quick exit on the page)."""
    psc = _public_psc(psc_code)
    form = SelfReferralForm(request.POST if request.method == "POST" else None)
    form.fields["school"].widget = dj.Select(choices=_school_choices(psc.region_id))
    token = _token(request.POST.get(IDEMPOTENCY_FIELD)) if request.method == "POST" else None

    def thanks(referral: Referral) -> HttpResponse:
        request.session[ASK_SESSION_KEY] = {"psc": psc.code, "reference": referral.reference}
        return redirect("referral-ask-thanks", psc_code=psc.code)

    return run_form(
        form,
        lambda data: services.submit_self_referral(
            channel="web_form",
            idempotency_key=f"web-form:{token}" if token else None,
            **self_referral_arguments(None, data, psc),
        )[0],
        first=lambda: limits.check_public(request, "self-referral", field="reason"),
        done=thanks,
        again=lambda status: render(
            request,
            "referrals/ask_form.html",
            {"public_page": True, "psc": psc, "form": form, "token": token or str(uuid.uuid4())},
            status=status,
        ),
    )


@never_cache
@require_http_methods(["GET"])
def ask_thanks(request: HttpRequest, psc_code: str) -> HttpResponse:
    psc = _public_psc(psc_code)
    shown = request.session.pop(ASK_SESSION_KEY, None)
    if not isinstance(shown, dict) or shown.get("psc") != psc.code:
        shown = None
    return render(
        request,
        "referrals/ask_thanks.html",
        {"public_page": True, "psc": psc, "reference": shown["reference"] if shown else None},
    )
