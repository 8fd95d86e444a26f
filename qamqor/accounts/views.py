"""Sign-in's second step, enrolment of an authenticator, and unlocking locked accounts."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from qamqor import exports
from qamqor.accounts import access, lockout, second_factor
from qamqor.pages import exportable, private, user_of


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The six digits your authenticator app shows now, or one recovery code."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse(settings.LOGIN_REDIRECT_URL)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the authenticator app (or a recovery code).

    Also the re-entry before an export when the last code is older than
    ``OTP_FRESH_MINUTES`` (``?again=1``)."""
    user = user_of(request)
    if not second_factor.has_device(user):
        return redirect(f"{reverse('otp-setup')}?{urlencode({'next': _next_url(request)})}")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device = second_factor.check_code(user, form.cleaned_data["code"])
        if device is not None:
            if not second_factor.is_verified(request):
                request.session.cycle_key()  # a new session id once fully signed in
            second_factor.mark_verified(request, device)
            return redirect(_next_url(request))
        form.add_error(
            "code",
            _("This code is not right or has expired. Enter the code your app shows now."),
        )
        status = 422
    context = {"form": form, "next": _next_url(request), "again": bool(request.GET.get("again"))}
    return private(render(request, "accounts/otp_verify.html", context, status=status))


def _qr_data_uri(url: str) -> str:
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app by QR code; the recovery codes are shown once.

    A user who already has one must have entered a code in this session to replace it."""
    user = user_of(request)
    if second_factor.has_device(user) and not second_factor.is_verified(request):
        return redirect(second_factor.verify_url(request.get_full_path()))
    form = CodeForm(request.POST or None)
    status = 200
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if request.method == "GET" or device is None:
        device = second_factor.new_totp_device(user)
        form = CodeForm()
    elif form.is_valid():
        if device.verify_token("".join(form.cleaned_data["code"].split())):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user, confirmed=True).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = second_factor.new_recovery_codes(user)
            request.session.cycle_key()
            second_factor.mark_verified(request, device)
            context: dict[str, Any] = {"codes": codes, "next": _next_url(request)}
            return private(render(request, "accounts/recovery_codes.html", context))
        form.add_error(
            "code", _("This code does not match. Scan the QR code again and enter the new code.")
        )
        status = 422
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": _qr_data_uri(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _next_url(request),
        "required": second_factor.requires_second_factor(user),
    }
    return private(render(request, "accounts/otp_setup.html", context, status=status))


# --- locked accounts ------------------------------------------------------------------------


def _locked(request: HttpRequest) -> list[lockout.LockedAccount]:
    """The locked accounts of the coordinator's scope (404 for anyone who coordinates none)."""
    users = lockout.unlockable_users(user_of(request))
    if users is None:
        raise Http404("locked accounts")
    return lockout.locked_accounts(users)


LOCKED = exports.TableExport(
    name="locked-accounts",
    title=_("Locked accounts"),
    rows=_locked,
    columns=[
        exports.column(_("Username"), "user.get_username"),
        exports.column(_("Name"), "user.get_full_name"),
        exports.column(_("Failed attempts"), "failures"),
        exports.column(_("Last attempt"), "last_attempt"),
        exports.column(_("Unlocks by itself at"), "unlocks_at"),
    ],
)


@never_cache
@login_required
@exportable(LOCKED)
@require_safe
@access.gate_required("locked_accounts")
def locked_accounts(request: HttpRequest) -> HttpResponse:
    """Regional and national coordinators: the accounts of their scope that are locked."""
    rows = _locked(request)
    return private(render(request, "accounts/locked_accounts.html", {"rows": rows}))


@login_required
@require_POST
def unlock_account(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = user_of(request)
    users = lockout.unlockable_users(actor)
    if users is None:
        raise Http404("locked accounts")
    target = users.filter(pk=user_id).first()
    if target is None:
        raise Http404("user")
    lockout.unlock(target, actor=actor)
    return redirect("locked-accounts")
