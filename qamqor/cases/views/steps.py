"""The case's course through its protocol: completing a step, reclassifying, closing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from qamqor.cases import services as case_services
from qamqor.cases.forms import CloseCaseForm
from qamqor.cases.models import Case
from qamqor.cases.reclassification import ReclassifyForm, classification_of
from qamqor.cases.views.page import (
    RECLASSIFY_PREFIX,
    _case,
    _case_context,
    _may_fill,
    _show_again,
    step_prefix,
)
from qamqor.errors import DomainError
from qamqor.htmx import is_htmx, partial_response
from qamqor.pages import apply_domain_error, run_form, run_service, success, user_of
from qamqor.protocols import services as protocol_services
from qamqor.protocols.outputs import step_form_class
from qamqor.protocols.selectors import step_on_case


def _output_values(form: forms.Form) -> dict[str, Any]:
    """The answered fields of a valid step form (the service validates them again)."""
    return {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}


@login_required
@require_POST
def case_step_complete(request: HttpRequest, number: str, key: str) -> HttpResponse:
    """Complete one step with its structured output; answers the steps partial to htmx,
    redirects a plain POST back to the steps."""
    user = user_of(request)
    case = _case(request, number)
    step = step_on_case(case, key)
    prefix = step_prefix(step)
    form = step_form_class(step)(request.POST, prefix=prefix)

    def show(case: Case, *, steps_alert: str | None = None, status: int = 200) -> HttpResponse:
        if is_htmx(request):
            context = _case_context(
                request, case, bound={prefix: form}, steps_alert=steps_alert, with_thread=False
            )
            return partial_response(
                render(
                    request, "cases/partials/steps.html", {**context, "oob": True}, status=status
                )
            )
        context = _case_context(request, case, bound={prefix: form}, steps_alert=steps_alert)
        return render(request, "cases/case_detail.html", context, status=status)

    def done(result: object) -> HttpResponse:
        notice = gettext("The step “%(title)s” is done.") % {"title": step.title}
        if is_htmx(request):
            context = _case_context(
                request, _case(request, number), steps_notice=notice, with_thread=False
            )
            return partial_response(
                render(request, "cases/partials/steps.html", {**context, "oob": True})
            )
        messages.success(request, notice)
        return redirect(reverse("case-detail", args=[case.number]) + f"#step-{step.key}")

    def refused(error: DomainError) -> HttpResponse:
        now = _case(request, number)
        if _may_fill(user, now, step_on_case(now, key)) and error.status_code == 422:
            apply_domain_error(form, error, field_prefix="output.")
            return show(now, status=error.status_code)
        return show(now, steps_alert=str(error.detail), status=error.status_code)

    # A user who may not complete the step is told why by the service (403, 409), not
    # shown the fields of a form they are not offered.
    if not form.is_valid() and _may_fill(user, case, step):
        return show(case)
    values = _output_values(form) if form.is_valid() else {}
    return run_service(
        lambda: protocol_services.complete_step(step=step, actor=user, output=values),
        done=done,
        refused=refused,
    )


@login_required
@require_POST
def case_close(request: HttpRequest, number: str) -> HttpResponse:
    """Close the case with its outcome (the service refuses while steps are open)."""
    user = user_of(request)
    case = _case(request, number)
    form = CloseCaseForm(request.POST)
    return run_form(
        form,
        lambda data: case_services.close_case(case=case, actor=user, **data),
        done=lambda closed: success(
            request, gettext("The case is closed."), redirect("case-detail", number=case.number)
        ),
        again=lambda status: _show_again(request, number, bound={"close": form}, status=status),
    )


@login_required
@require_POST
def case_reclassify(request: HttpRequest, number: str) -> HttpResponse:
    """Change the classification with a reason; the protocol switches if it must."""
    case = _case(request, number)
    form = ReclassifyForm(request.POST, prefix=RECLASSIFY_PREFIX)
    before = protocol_services.current_run(case)

    def reclassified(result: object) -> HttpResponse:
        after = protocol_services.current_run(case)
        if after is not None and (before is None or before.pk != after.pk):
            message = gettext(
                "The case is reclassified and now follows the protocol “%(title)s”."
            ) % {"title": after.protocol.title}
        else:
            message = gettext("The case is reclassified; its protocol stays.")
        return success(request, message, redirect(reverse("case-detail", args=[number]) + "#steps"))

    return run_form(
        form,
        lambda data: protocol_services.reclassify(
            case=case,
            actor=user_of(request),
            classification=classification_of(data),
            reason=data["reason"],
        ),
        done=reclassified,
        again=lambda status: _show_again(
            request, number, bound={RECLASSIFY_PREFIX: form}, status=status
        ),
    )
