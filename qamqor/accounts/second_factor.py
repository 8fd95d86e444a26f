"""The second sign-in factor: TOTP codes (django-otp), recovery codes, fresh re-entry.

Who needs it is decided here and nowhere else: every user with an active membership in
one of ``SECOND_FACTOR_ROLES`` (every staff role that sees personal data), and staff or
superuser accounts. Monitors see aggregated, de-identified statistics only (DESIGN §1,
brief section 3) and are exempt; a monitor may still enrol, and a user who has enrolled
is always asked for a code. API tokens are a separate path: an integration holds a
revocable token, not a person's session, and is not asked for a code (docs/security.md).

``QAMQOR_OTP_REQUIRED`` (default on) turns the requirement off for the demo only;
production refuses to start with it off unless ``QAMQOR_OTP_ALLOW_OFF`` says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from qamqor.accounts.models import Membership, Role, User
from qamqor.errors import DomainError

#: Every staff role that sees personal data (names, contacts, narratives, notes).
SECOND_FACTOR_ROLES = frozenset(Role) - {Role.MONITOR}

#: The session key holding when the last code was entered (seconds since the epoch).
VERIFIED_AT_SESSION_KEY = "qamqor.otp_verified_at"
RECOVERY_CODE_COUNT = 10


def requires_second_factor(user: Any) -> bool:
    """Whether ``user`` must enter a code after the password (see the module docstring)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if has_device(user):
        return True
    if not settings.OTP_REQUIRED:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(
        user_id=user.pk, active=True, role__in=SECOND_FACTOR_ROLES
    ).exists()


def has_device(user: User) -> bool:
    cached = getattr(user, "_qamqor_has_otp_device", None)
    if cached is None:
        cached = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()
        user._qamqor_has_otp_device = cached  # type: ignore[attr-defined]
    return bool(cached)


def is_verified(request: HttpRequest) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def mark_verified(request: HttpRequest, device: Device) -> None:
    """Remember in the session that ``device`` confirmed the user just now."""
    otp_login(request, device)
    request.session[VERIFIED_AT_SESSION_KEY] = int(time.time())


def check_code(user: User, code: str) -> Device | None:
    """The device that accepts ``code``: the authenticator app's six digits or one unused
    recovery code (which is then spent). Each device throttles wrong codes itself."""
    code = "".join(code.split()).lower()
    if not code:
        return None
    for device in devices_for_user(user, for_verify=True):
        is_totp = isinstance(device, TOTPDevice)
        if is_totp != code.isdigit():
            continue
        if device.verify_token(code):
            return device
    return None


def is_fresh(request: HttpRequest) -> bool:
    """A code was entered in this session within ``OTP_FRESH_MINUTES``."""
    at = request.session.get(VERIFIED_AT_SESSION_KEY)
    return isinstance(at, int) and time.time() - at <= settings.OTP_FRESH_MINUTES * 60


def verify_url(next_url: str, *, again: bool = False) -> str:
    query = {"next": next_url}
    if again:
        query["again"] = "1"
    return f"{reverse('otp-verify')}?{urlencode(query)}"


def fresh_second_factor(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Before an export or a printout, ask for a code again unless one was entered in the
    last ``OTP_FRESH_MINUTES`` (brief 1.4.1: case data leaves the system only deliberately)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if requires_second_factor(request.user) and not is_fresh(request):
            return redirect(verify_url(request.get_full_path(), again=True))
        return view(request, *args, **kwargs)

    return wrapper


class FreshCodeNeeded(DomainError):
    """An export through the API in a session whose last code is too old."""

    status_code = 401


def check_fresh_for_api(request: HttpRequest) -> None:
    """The API's counterpart of ``fresh_second_factor`` for a signed-in browser session;
    a bearer token is a separate path and passes (docs/security.md)."""
    if request.headers.get("Authorization"):
        return
    if requires_second_factor(request.user) and not is_fresh(request):
        message = _(
            "Exports need a code from your authenticator app entered in the last "
            "%(minutes)s minutes. Enter a new code and try again."
        ) % {"minutes": settings.OTP_FRESH_MINUTES}
        raise FreshCodeNeeded(message)


def new_totp_device(user: User) -> TOTPDevice:
    """An unconfirmed authenticator for enrolment; it counts once a code from it is entered."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ``RECOVERY_CODE_COUNT`` new single-use ones."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


__all__ = [
    "DEVICE_ID_SESSION_KEY",
    "SECOND_FACTOR_ROLES",
    "check_code",
    "fresh_second_factor",
    "is_fresh",
    "is_verified",
    "mark_verified",
    "new_recovery_codes",
    "new_totp_device",
    "requires_second_factor",
]
