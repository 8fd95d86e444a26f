"""The crisis exception (brief 1.5.2): recording a basis on a child's page, closing it,
and the list every exception is reported on to the PSC and the coordinators."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from qamqor import exports
from qamqor.accounts import access, policy
from qamqor.care import selectors
from qamqor.care.forms import CrisisBasisForm, crisis_basis_arguments
from qamqor.care.services import crisis as crisis_services
from qamqor.care.views.children import child_action
from qamqor.pages import exportable, private, run_action, success, user_of


@login_required
@require_POST
def child_crisis(request: HttpRequest, code: str) -> HttpResponse:
    return child_action(
        request,
        code,
        "crisis",
        CrisisBasisForm,
        lambda user, child, data: crisis_services.record_crisis_basis(
            actor=user, child=child, **crisis_basis_arguments(user, data)
        ),
        gettext("The crisis basis is recorded; the coordinator is informed."),
    )


@login_required
@require_POST
def crisis_close(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = user_of(request)
    basis = selectors.get_crisis_basis_for_user(user, public_id)
    back = redirect("care-child", code=basis.child.code)
    return run_action(
        request,
        lambda: crisis_services.close_crisis_basis(actor=user, basis=basis),
        done=lambda _closed: success(request, gettext("The crisis basis is closed."), back),
        again=lambda: back,
    )


CRISIS_EXCEPTIONS = exports.TableExport(
    name="crisis-exceptions",
    title=_("Crisis exceptions"),
    rows=lambda request: selectors.crisis_exceptions(user_of(request)),
    columns=[
        exports.column(_("Child"), "child.code"),
        exports.column(_("Organisation"), "organisation.name"),
        exports.column(_("Region"), "organisation.region.name"),
        exports.column(_("Ground"), "get_ground_display"),
        exports.column(_("Case"), "case.number"),
        exports.column(_("Recorded"), "recorded_at"),
        exports.column(_("Recorded by"), "recorded_by.get_username"),
        exports.column(_("Sessions used"), "used"),
        exports.column(_("Session limit"), "session_limit"),
        exports.column(_("Closed"), "closed_at"),
        exports.column(_("Why closed"), "get_close_reason_display"),
    ],
)


@login_required
@exportable(CRISIS_EXCEPTIONS)
@require_safe
@access.gate_required("crisis_exceptions")
def crisis_list(request: HttpRequest) -> HttpResponse:
    """Every crisis exception in the user's oversight, reported to the coordinator (1.5.2)."""
    user = user_of(request)
    care = policy.care_scope_for(user)
    return private(
        render(
            request,
            "care/crisis_list.html",
            {"bases": selectors.listed_crisis_exceptions(user), "is_psc": bool(care.psc_org_ids)},
        )
    )
