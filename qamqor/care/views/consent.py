"""Consent on a child's page: recording one (with its scanned form), withdrawing it, and
downloading the scan."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST, require_safe

from qamqor.care import selectors
from qamqor.care.forms import ConsentForm, WithdrawConsentForm, consent_arguments
from qamqor.care.services import consent as consent_services
from qamqor.care.views.children import child_action
from qamqor.pages import private, run_action, success, user_of


@login_required
@require_POST
def child_consent(request: HttpRequest, code: str) -> HttpResponse:
    return child_action(
        request,
        code,
        "consent",
        ConsentForm,
        lambda user, child, data: consent_services.record_consent(
            actor=user, **consent_arguments(user, child, data)
        ),
        gettext("The consent is recorded."),
        with_files=True,
    )


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = user_of(request)
    consent = selectors.get_consent_for_user(user, public_id)
    form = WithdrawConsentForm(request.POST, prefix="withdraw")
    form.is_valid()
    back = redirect("care-child", code=consent.child.code)
    return run_action(
        request,
        lambda: consent_services.withdraw_consent(
            actor=user, consent=consent, note=form.cleaned_data.get("note", "")
        ),
        done=lambda _withdrawn: success(
            request,
            gettext("The consent is withdrawn; sharing that rested on it has stopped."),
            back,
        ),
        again=lambda: back,
    )


@login_required
@require_safe
def consent_document(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    document = selectors.get_consent_document_for_user(user_of(request), public_id)
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return private(response)
