"""Forms for triage and registration, step completion and closure (pages and API)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.cases.classification import ChildSex, Outcome, RiskLevel, Setting, ViolenceForm


class RegisterCaseForm(forms.Form):
    """Triage: the coordinator confirms the classification and registers the case."""

    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    forms = forms.MultipleChoiceField(
        label=_("Forms of violence"),
        choices=ViolenceForm.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one form of violence.")},
    )
    setting = forms.ChoiceField(label=_("Setting"), choices=Setting.choices)
    risk_level = forms.ChoiceField(
        label=_("Risk level"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM
    )
    in_danger_now = forms.BooleanField(label=_("Child in danger now"), required=False)
    repeated = forms.NullBooleanField(
        label=_("Happened two or more times (Order No. 506)"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", _("not known yet")), ("true", _("yes")), ("false", _("no"))]
        ),
    )
    child_age = forms.IntegerField(label=_("Child's age"), min_value=0, max_value=17, required=False)
    child_sex = forms.ChoiceField(
        label=_("Child's sex"), choices=ChildSex.choices, initial=ChildSex.UNKNOWN
    )

    def clean_summary(self) -> str:
        text: str = self.cleaned_data["summary"].strip()
        if not text:
            raise forms.ValidationError(_("Write a short summary of the report."))
        return text


class DismissReportForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for dismissal"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class CompleteStepForm(forms.Form):
    output = forms.CharField(
        label=_("Result"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000
    )


class CloseCaseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    note = forms.CharField(
        label=_("Closing note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )
