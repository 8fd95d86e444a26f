"""What every page needs: the user's roles and menu, unread notifications, languages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language_info

from qamqor.accounts import policy
from qamqor.accounts.models import Role
from qamqor.notify.models import Notification


def may_triage_any(scope: policy.Scope) -> bool:
    """Whether some report could be triaged by this user (see ``policy.can_triage``)."""
    return bool(
        scope.national or scope.region_ids or scope.coordinated_school_ids or scope.received_by_ids
    )


@dataclass
class Navigation:
    """The signed-in user's menu; the unread count is queried only if a template asks."""

    user: Any
    scope: policy.Scope

    @property
    def roles(self) -> list[str]:
        return sorted(str(Role(role).label) for role in self.scope.roles)

    @property
    def sees_cases(self) -> bool:
        return self.scope.sees_cases

    @property
    def may_triage(self) -> bool:
        return may_triage_any(self.scope)

    @property
    def sees_statistics(self) -> bool:
        return self.scope.sees_statistics

    @property
    def coordinates(self) -> bool:
        """A regional or the national coordinator (the protocol versions link)."""
        return self.scope.national or bool(self.scope.region_ids)

    @property
    def prints_posters(self) -> bool:
        """School staff and coordinators print their schools' QR posters."""
        return self.coordinates or bool(self.scope.school_ids)

    @cached_property
    def unread_notifications(self) -> int:
        return Notification.objects.filter(
            recipient=self.user, channel=Notification.Channel.IN_APP, read_at__isnull=True
        ).count()


# Each language named as its speakers name the language itself ("Қазақша", not "Қазақ").
LANGUAGE_SELF_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def navigation(request: HttpRequest) -> dict[str, Any]:
    languages = [
        {
            "code": code,
            "name": LANGUAGE_SELF_NAMES.get(code) or get_language_info(code)["name_local"],
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
