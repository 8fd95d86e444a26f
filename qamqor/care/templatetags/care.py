"""Template helpers of psychological support: hours, labels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


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
