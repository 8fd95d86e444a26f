"""Forms of anonymous appeals, used by the pages and (through ``apikit.validated``) the API,
so a page and an API call refuse the same things with the same field names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qamqor.appeals.models import AppealCategory
from qamqor.care.forms import resolve_region


class AppealForm(forms.Form):
    category = forms.ChoiceField(label=_("What is it about"), choices=AppealCategory.choices)
    text = forms.CharField(
        label=_("What happened"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Leave out names, dates and details that only you could know if you want to stay "
            "unrecognisable."
        ),
    )
    region = forms.CharField(
        label=_("Region (optional)"),
        required=False,
        max_length=8,
        help_text=_("Say it only if it does not make you recognisable."),
    )
    organisation_kind = forms.ChoiceField(
        label=_("Where you work (optional)"),
        required=False,
        choices=[("", _("I prefer not to say")), ("school", _("a school")), ("psc", _("a PSC"))],
    )


class AppealAnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("in_review", _("under review")),
            ("answered", pgettext_lazy("appeal status", "answered")),
        ],
    )
    response = forms.CharField(
        label=_("Answer to the author"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AppealFollowUpForm(forms.Form):
    code = forms.CharField(label=_("Your appeal's code"), max_length=40)


def appeal_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """``submit_appeal``'s arguments from the cleaned ``AppealForm`` (no author: the caller
    adds the actor, whom the service forgets)."""
    return {
        **{name: data[name] for name in ("category", "text", "organisation_kind")},
        "region": resolve_region(data["region"]),
    }
