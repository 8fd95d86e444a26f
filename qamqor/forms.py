"""Form pieces every app uses: the date and time widgets, a list-of-codes field, and the
resolution of an organisation given by code.

Pages and the API (through ``apikit.validated``) share the forms, so these refuse the
same things with the same field names on both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.directory.models import Organisation
from qamqor.errors import InvalidInput

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CodesField(forms.Field):
    """A list of codes: a JSON list, repeated form values, or one comma-separated text."""

    widget = forms.SelectMultiple

    def to_python(self, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        if isinstance(value, str):
            value = value.split(",")
        return [str(item).strip() for item in value if str(item).strip()]


def acting_organisation(
    user: object, code: str | None, allowed_ids: Iterable[int], *, field: str = "organisation"
) -> Organisation:
    """The organisation the user acts for: the one named, or their only one."""
    allowed = Organisation.objects.filter(pk__in=list(allowed_ids))
    if code:
        found = allowed.filter(code=code).first()
        if found is None:
            raise InvalidInput.on(field, _("You do not work at this organisation."))
        return found
    candidates = list(allowed[:2])
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise InvalidInput.on(field, _("You have no role here that allows this."))
    raise InvalidInput.on(field, _("Choose the organisation you act for."))


def resolve_organisation(code: str, *, field: str) -> Organisation:
    """Any organisation by its code; an unknown code is a 422 on ``field``."""
    found = Organisation.objects.filter(code=(code or "").strip()).first()
    if found is None:
        raise InvalidInput.on(field, _("No organisation has this code."))
    return found
