"""Numbers on the statistics pages, written as the reader's language writes them
(grouped thousands, the decimal comma in Kazakh and Russian, "45,2 %" or "45.2%")."""

from __future__ import annotations

import math

from django import template
from django.utils import formats, translation

register = template.Library()


def _number(value: float, decimals: int) -> str:
    return formats.number_format(
        round(value, decimals), decimals, use_l10n=True, force_grouping=True
    )


@register.filter
def grouped(value: float | int | None) -> str:
    """A whole number with its thousands grouped: 12 345 (kk, ru) or 12,345 (en)."""
    if value is None:
        return "—"
    return _number(float(value), 0)


@register.filter
def percent(share: float | None) -> str:
    """A share of one as a percentage with one decimal."""
    if share is None:
        return "—"
    text = _number(share * 100, 1)
    return f"{text}%" if translation.get_language() == "en" else f"{text}\u00a0%"


@register.filter
def kilometres(value: float | None) -> str:
    """A distance in km with one decimal; "—" where there is no centre at all."""
    if value is None or math.isinf(value):
        return "—"
    return _number(value, 1)


@register.filter
def figure(value: object) -> str:
    """A cell of a statistics table: text as it is, a whole number grouped, any other
    number with up to two decimals; "—" for no figure."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer():
        return _number(float(value), 0)
    return _number(float(value), 2).rstrip("0").rstrip(",.") or "0"
