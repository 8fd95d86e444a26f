"""``{% undelivered_notice %}``: how many notifications in the user's scope did not arrive."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from qamqor.accounts import access
from qamqor.notify import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def undelivered_notice(context: dict[str, Any]) -> str:
    """A dashboard card for coordinators; nothing for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not access.allows(user, "undelivered"):
        return ""
    count = selectors.undelivered_for(user).count()
    return render_to_string(
        "notify/partials/undelivered_notice.html", {"count": count}, request=request
    )
