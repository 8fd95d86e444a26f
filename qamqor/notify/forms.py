"""Forms of the in-app notifications: the page and the API hand their cleaned data to the
same services (``mark_all_read``, ``set_daily_digest``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.notify import kinds


def kind_choices() -> list[tuple[str, str]]:
    return [("", str(_("Every kind"))), *((kind.code, kind.name) for kind in kinds.KINDS)]


class MarkReadForm(forms.Form):
    """Which unread notifications to mark read: all, one group (a case number, or "none"
    for those without a case) and/or one kind."""

    case = forms.CharField(required=False, max_length=40)
    kind = forms.ChoiceField(required=False, choices=kind_choices)


class DigestForm(forms.Form):
    daily_digest = forms.BooleanField(
        required=False,
        label=_("Send me one email a day instead of one per notification"),
        help_text=_(
            "Life-safety alerts and overdue steps are always emailed at once. Every "
            "notification stays in this list as before."
        ),
    )
