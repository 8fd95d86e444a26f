"""The call card form: one validation for the page (drafts accept anything partial)."""

from __future__ import annotations

from typing import Any

from django import forms as dj
from django.utils.translation import gettext_lazy as _

from qamqor.classification import ChildSex, RiskLevel, Setting
from qamqor.directory.models import District, Organisation, OrganisationKind, Region
from qamqor.helpline.models import AGE_CHOICES, CHI_CHOICES, CallerType

BLANK: list[tuple[str, Any]] = [("", "—")]


class CallCardForm(dj.Form):
    caller_type = dj.ChoiceField(
        label=_("Who is calling?"), choices=BLANK + CallerType.choices, required=False
    )
    child_age = dj.ChoiceField(label=_("Child's age"), choices=AGE_CHOICES, initial="unknown")
    child_sex = dj.ChoiceField(label=_("Child's sex"), choices=ChildSex.choices, initial="unknown")
    category = dj.ChoiceField(
        label=_("Category (Child Helpline International)"),
        choices=BLANK + CHI_CHOICES,
        required=False,
    )
    risk_level = dj.ChoiceField(
        label=_("Risk level"), choices=BLANK + RiskLevel.choices, required=False
    )
    self_harm_risk = dj.BooleanField(
        label=_("The child may hurt themselves (suicidal thoughts or self-harm)"),
        required=False,
        help_text=_(
            "Saving the card then alerts the on-duty responders at once, as for a child in "
            "danger; no form of violence is needed."
        ),
    )
    setting = dj.ChoiceField(label=_("Where did it happen?"), choices=Setting.choices)
    narrative = dj.CharField(
        label=_("Short account"),
        widget=dj.Textarea(attrs={"rows": 5}),
        max_length=5000,
        required=False,
    )
    school_code = dj.CharField(
        label=_("School code"),
        max_length=40,
        required=False,
        help_text=_("The code on the school's QR poster, if the caller knows the school."),
    )
    district = dj.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.select_related("region").order_by("region__code", "code"),
        to_field_name="code",
        required=False,
    )
    region = dj.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.all(), to_field_name="code", required=False
    )

    def clean_school_code(self) -> Organisation | None:
        code = (self.cleaned_data.get("school_code") or "").strip()
        if not code:
            return None
        school = (
            Organisation.objects.filter(code=code, kind=OrganisationKind.SCHOOL)
            .select_related("region", "district")
            .first()
        )
        if school is None:
            raise dj.ValidationError(_("No school has this code."))
        return school

    def card_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["school"] = data.pop("school_code", None)
        return data
