"""Sends a signed-in user who still owes the second factor to enter it (or to enrol)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from qamqor.accounts import second_factor

# Pages a half-signed-in user may open: the code steps themselves, leaving, the language.
_OPEN_PREFIXES = ("/static/", "/healthz", "/readyz", "/i18n/")
_OPEN_NAMES = ("otp-verify", "otp-setup", "logout")


class SecondFactorMiddleware:
    """After ``django_otp.middleware.OTPMiddleware``: pages redirect to the code step,
    session API calls answer 401 in the one error shape. Bearer-token API calls are not
    session calls and pass (tokens are a separate path, docs/security.md)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._owes_code(request):
            if request.path.startswith("/api/"):
                message = _("Enter the code from your authenticator app to finish signing in.")
                return JsonResponse({"detail": message, "errors": []}, status=401)
            enrolled = second_factor.has_device(request.user)  # type: ignore[arg-type]
            target = reverse("otp-verify" if enrolled else "otp-setup")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _owes_code(self, request: HttpRequest) -> bool:
        # paths first: probes and static files never load the session or the user
        if request.path.startswith(_OPEN_PREFIXES):
            return False
        if request.path.startswith("/api/") and request.headers.get("Authorization"):
            return False
        user = request.user
        if not user.is_authenticated or second_factor.is_verified(request):
            return False
        if request.path in {reverse(name) for name in _OPEN_NAMES}:
            return False
        return second_factor.requires_second_factor(user)
