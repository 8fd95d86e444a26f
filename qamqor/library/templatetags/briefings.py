"""``{% pending_briefings as pending %}``: the signed-in user's briefings still to
acknowledge, for their home page (brief 2.3.6). One query, only where a page asks."""

from __future__ import annotations

from typing import Any

from django import template

from qamqor.library import selectors

register = template.Library()

#: How many the home page lists; the briefings page has them all.
HOME_LIMIT = 5


@register.simple_tag(takes_context=True)
def pending_briefings(context: dict[str, Any]) -> list[Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return list(selectors.my_briefings(user).filter(acknowledged_at__isnull=True)[:HOME_LIMIT])
