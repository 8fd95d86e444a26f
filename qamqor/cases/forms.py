"""Forms for triage and registration, step completion and closure (pages and API), and
the case list's filter."""

from __future__ import annotations

from typing import Any

from django import forms as dj
from django.utils.translation import gettext_lazy as _

from qamqor.cases.models import Case
from qamqor.classification import (
    ChildSex,
    Outcome,
    PerpetratorRelationship,
    RiskLevel,
    Setting,
    ViolenceForm,
)
from qamqor.errors import InvalidInput


class RegisterCaseForm(dj.Form):
    """Triage: the coordinator confirms the classification and registers the case."""

    summary = dj.CharField(
        label=_("Summary"), widget=dj.Textarea(attrs={"rows": 4}), max_length=5000
    )
    forms = dj.MultipleChoiceField(
        label=_("Forms of violence"),
        choices=ViolenceForm.choices,
        widget=dj.CheckboxSelectMultiple,
        required=False,
        help_text=_("Not needed when the concern is suicide risk or self-harm."),
    )
    setting = dj.ChoiceField(label=_("Setting"), choices=Setting.choices)
    perpetrator_relationship = dj.ChoiceField(
        label=_("Alleged perpetrator"),
        choices=PerpetratorRelationship.choices,
        initial=PerpetratorRelationship.UNKNOWN,
        required=False,
    )
    self_harm_risk = dj.BooleanField(label=_("Suicide risk or self-harm"), required=False)
    risk_level = dj.ChoiceField(
        label=_("Risk level"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM
    )
    in_danger_now = dj.BooleanField(label=_("Child in danger now"), required=False)
    repeated = dj.NullBooleanField(
        label=_("Happened two or more times (Order No. 506)"),
        required=False,
        widget=dj.Select(
            choices=[("unknown", _("not known yet")), ("true", _("yes")), ("false", _("no"))]
        ),
    )
    child_age = dj.IntegerField(label=_("Child's age"), min_value=0, max_value=17, required=False)
    child_sex = dj.ChoiceField(
        label=_("Child's sex"), choices=ChildSex.choices, initial=ChildSex.UNKNOWN
    )
    school = dj.CharField(
        label=_("Child's school"),
        max_length=40,
        required=False,
        help_text=_("Only when the report named a region but no school (111, email)."),
    )

    def clean_summary(self) -> str:
        text: str = self.cleaned_data["summary"].strip()
        if not text:
            raise dj.ValidationError(_("Write a short summary of the report."))
        return text

    def clean(self) -> dict[str, Any]:
        """A form of violence is required, except when the concern is suicide risk or
        self-harm: a child may be at risk without anyone having hurt them (brief 1.4.2)."""
        data = super().clean() or {}
        if not data.get("forms") and not data.get("self_harm_risk") and "forms" in data:
            self.add_error("forms", _("Choose at least one form of violence."))
        return data


class DismissReportForm(dj.Form):
    reason = dj.CharField(
        label=_("Reason for dismissal"), widget=dj.Textarea(attrs={"rows": 2}), max_length=2000
    )


class CompleteStepForm(dj.Form):
    output = dj.CharField(
        label=_("Result"), widget=dj.Textarea(attrs={"rows": 3}), max_length=10000
    )


class CloseCaseForm(dj.Form):
    outcome = dj.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    note = dj.CharField(
        label=_("Closing note"),
        widget=dj.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )


class CaseFilterForm(dj.Form):
    """The case list's filter; an unknown value is ignored, the valid ones still apply."""

    status = dj.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Case.Status.choices], required=False
    )
    form = dj.ChoiceField(
        label=_("Form of violence"),
        choices=[("", _("Any form")), *ViolenceForm.choices],
        required=False,
    )


def resolve_case(user: object, number: str | None) -> Case | None:
    """A case the user may see, by number; an unknown or hidden one is a 422 on ``case``."""
    if not number:
        return None
    case = Case.objects.restrict(user, "view").filter(number=number.strip()).first()
    if case is None:
        raise InvalidInput.on("case", _("No case with this number is open to you."))
    return case
