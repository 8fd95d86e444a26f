"""Template helpers of psychological support: the menu entries a role uses, hours."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from qamqor.accounts import policy
from qamqor.accounts.models import Role

register = template.Library()

CARE_ROLES = {
    Role.SCHOOL_PSYCHOLOGIST,
    Role.PSC_PSYCHOLOGIST,
    Role.PSC_HEAD,
    Role.REGIONAL_COORDINATOR,
    Role.NATIONAL_COORDINATOR,
    Role.MONITOR,
}


@register.simple_tag(takes_context=True)
def care_menu(context: template.Context) -> dict[str, bool]:
    """Which of the two menu entries (psychological support, referrals) the user gets."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"care": False, "referrals": False}
    # The request's Scope is already computed for the menu: no extra query on every page.
    scope = policy.scope_for(user)
    return {
        "care": bool(scope.roles & CARE_ROLES),
        "referrals": bool(
            scope.step_organisation_ids or scope.school_ids or scope.region_ids or scope.national
        ),
    }


@register.filter
def hours(value: Any) -> str:
    """Hours without trailing zeros: 7.5, 12, 0.25."""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def basis_label(code: str) -> str:
    """The label of a consultation's basis code."""
    from qamqor.care.models import ConsultationBasis

    return str(dict(ConsultationBasis.choices).get(code, code))
