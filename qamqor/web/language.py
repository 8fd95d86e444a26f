"""A signed-in user's language follows them: notifications use it, pages start in it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.views.i18n import set_language as django_set_language

from qamqor.accounts.models import User

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


class LoginView(auth_views.LoginView):
    """Django's login; the first sign-in on a browser opens pages in the user's language."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["second_factor_off"] = not settings.OTP_REQUIRED  # the demo says so
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        language = form.get_user().preferred_language
        if settings.LANGUAGE_COOKIE_NAME not in self.request.COOKIES and language in LANGUAGE_CODES:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch; a signed-in user's choice is also kept for notifications."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if request.method == "POST" and language in LANGUAGE_CODES and user.is_authenticated:
        User.objects.filter(pk=user.pk).update(preferred_language=language)
    return response
