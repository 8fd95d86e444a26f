"""Template helpers of psychological support: hours, labels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats, translation

register = template.Library()


@register.filter
def hours(value: Any) -> str:
    """Hours without trailing zeros, as the reader's language writes them: 7,5 and 0,25
    in Kazakh and Russian, 7.5 and 0.25 in English; 12 in all three."""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    text = f"{number:f}"
    plain = Decimal(text.rstrip("0").rstrip(".") if "." in text else text)
    return formats.number_format(plain, use_l10n=True)


@register.filter
def percentage(value: Any) -> str:
    """A percentage (already times 100) with one decimal at most, as the statistics
    pages write it: "20,4 %" in Kazakh and Russian (a no-break space before the sign),
    "20.4%" in English; "" for no value."""
    if value is None or value == "":
        return ""
    number = round(Decimal(value), 1)
    text = formats.number_format(number.normalize() if number % 1 == 0 else number, use_l10n=True)
    return f"{text}%" if translation.get_language() == "en" else f"{text}\u00a0%"


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def basis_label(code: str) -> str:
    """The label of a consultation's basis code."""
    from qamqor.care.models import ConsultationBasis

    return str(dict(ConsultationBasis.choices).get(code, code))
