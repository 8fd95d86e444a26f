"""Form pieces every app uses: the date and time widgets, a list-of-codes field, and the
resolution of an organisation given by code (the organisation a user acts for is
``accounts.access.acting_organisation``, re-exported here for the forms).

Pages and the API (through ``apikit.validated``) share the forms, so these refuse the
same things with the same field names on both.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import acting_organisation as acting_organisation
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


def resolve_organisation(code: str, *, field: str) -> Organisation:
    """Any organisation by its code; an unknown code is a 422 on ``field``."""
    found = Organisation.objects.filter(code=(code or "").strip()).first()
    if found is None:
        raise InvalidInput.on(field, _("No organisation has this code."))
    return found
