"""The console's menu entry: shown to the 111 center's operators only."""

from __future__ import annotations

from typing import Any

from django import template

from qamqor.accounts import policy
from qamqor.accounts.models import Role

register = template.Library()


@register.simple_tag(takes_context=True)
def helpline_menu(context: dict[str, Any]) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return Role.OPERATOR_111 in policy.scope_for(user).roles
