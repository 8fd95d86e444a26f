"""What every page needs: the user's roles and menu, unread notifications, languages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language_info

from qamqor.accounts import access, policy
from qamqor.accounts.models import Role
from qamqor.notify.models import Notification


@dataclass
class Navigation:
    """The signed-in user's menu. Each entry asks the page gate its page asks
    (``nav.may.<gate>``, ``accounts.access``), so the menu never offers a page that
    answers 404; the unread count is queried only if a template asks."""

    user: Any
    scope: policy.Scope

    @cached_property
    def may(self) -> access.Gates:
        return access.Gates(self.user)

    @property
    def roles(self) -> list[str]:
        return sorted(str(Role(role).label) for role in self.scope.roles)

    @cached_property
    def unread_notifications(self) -> int:
        return Notification.objects.filter(
            recipient=self.user, channel=Notification.Channel.IN_APP, read_at__isnull=True
        ).count()


# Each language named as its speakers name the language itself ("Қазақша", not "Қазақ").
LANGUAGE_SELF_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
# The header's buttons show the short forms Kazakhstan's sites use (the full name is what
# a screen reader says), so that a header fits one row.
LANGUAGE_SHORT_NAMES = {"kk": "Қаз", "ru": "Рус", "en": "Eng"}


def navigation(request: HttpRequest) -> dict[str, Any]:
    languages = [
        {
            "code": code,
            "name": LANGUAGE_SELF_NAMES.get(code) or get_language_info(code)["name_local"],
            "short": LANGUAGE_SHORT_NAMES.get(code, code),
        }
        for code, _name in settings.LANGUAGES
    ]
    context: dict[str, Any] = {
        "languages": languages,
        "QUICK_EXIT_URL": settings.QUICK_EXIT_URL,
        "nav": None,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["nav"] = Navigation(user=user, scope=policy.scope_for(user))
    return context
