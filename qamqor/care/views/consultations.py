"""Consultations: one on a child's page, one without a child record (a hotline call,
group work), and one consultation's page."""

from __future__ import annotations

import uuid

from django import forms as dj
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qamqor import exports
from qamqor.care import selectors
from qamqor.care.forms import ConsultationForm, consultation_arguments
from qamqor.care.services import consultations as consultation_services
from qamqor.care.views.children import child_action
from qamqor.care.views.common import care_organisations, now_local_minutes, org_select
from qamqor.pages import private, run_form, success, user_of

# The consultations a user may see have no list page of their own (a child's page shows
# theirs); the API's list (GET /api/v1/care/consultations) downloads by name, without the
# confidential notes, behind the psychological-support gate (brief 1.4.1).
CONSULTATIONS = exports.register_table(
    exports.TableExport(
        name="consultations",
        title=_("Consultations"),
        rows=lambda request: (
            selectors.consultations_for(user_of(request))
            .select_related("case")
            .order_by("-held_at", "-pk")
        ),
        columns=[
            exports.column(_("Held"), "held_at"),
            exports.column(_("Organisation"), "organisation.name"),
            exports.column(_("Psychologist"), "psychologist.get_username"),
            exports.column(_("Child"), "child.code"),
            exports.column(_("Case"), "case.number"),
            exports.column(_("Format"), "get_format_display"),
            exports.column(_("Basis"), "get_basis_display"),
            exports.column(_("Minutes"), "duration_minutes"),
            exports.column(_("Next appointment"), "next_appointment_at"),
        ],
        gate="care",
    )
)


@login_required
@require_POST
def child_consultation(request: HttpRequest, code: str) -> HttpResponse:
    return child_action(
        request,
        code,
        "consultation",
        ConsultationForm,
        lambda user, child, data: consultation_services.record_consultation(
            actor=user, child=child, **consultation_arguments(user, data)
        ),
        gettext("The consultation is recorded."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def consultation_new(request: HttpRequest) -> HttpResponse:
    """An anonymous consultation (hotline, no child record) or group work."""
    user = user_of(request)
    organisations = care_organisations(user)
    if not organisations:
        raise Http404("consultation form")
    form = (
        ConsultationForm(request.POST)
        if request.method == "POST"
        else ConsultationForm(
            initial={
                "organisation": organisations[0].code,
                "held_at": now_local_minutes(),
                "format": "phone",
            }
        )
    )
    form.fields["organisation"].widget = org_select(organisations)
    form.fields["child"].widget = dj.HiddenInput()
    return run_form(
        form,
        lambda data: consultation_services.record_consultation(
            actor=user, **consultation_arguments(user, data)
        ),
        done=lambda consultation: success(
            request,
            gettext("The consultation is recorded."),
            redirect("care-consultation", public_id=consultation.public_id),
        ),
        again=lambda status: private(
            render(request, "care/consultation_form.html", {"form": form}, status=status)
        ),
    )


@login_required
@require_safe
def consultation_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    consultation = selectors.get_consultation_for_user(user_of(request), public_id)
    return private(render(request, "care/consultation_detail.html", {"consultation": consultation}))
