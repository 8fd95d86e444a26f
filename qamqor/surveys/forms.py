"""The trust surveys' forms: opening a campaign, and the answer sheet of one respondent
group. The pages and the API validate with the same forms (``apikit.validated``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.directory.models import Organisation, OrganisationKind, Region
from qamqor.forms import DATE_WIDGET
from qamqor.surveys.models import RespondentGroup
from qamqor.surveys.questions import questionnaire


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("code"),
        to_field_name="code",
        required=False,
        help_text=_("For a whole region. Leave empty when you give a school."),
    )
    school = forms.CharField(
        label=_("School code"),
        max_length=64,
        required=False,
        help_text=_("For one school: its code, as on its QR poster."),
    )
    for_adolescents = forms.BooleanField(label=_("Ask adolescents"), required=False)
    for_parents = forms.BooleanField(label=_("Ask parents"), required=False)
    opens_on = forms.DateField(label=_("Opens on"), widget=DATE_WIDGET)
    closes_on = forms.DateField(label=_("Closes on"), widget=DATE_WIDGET)

    def clean_school(self) -> Organisation | None:
        code = (self.cleaned_data.get("school") or "").strip()
        if not code:
            return None
        school = Organisation.objects.filter(code=code, kind=OrganisationKind.SCHOOL).first()
        if school is None:
            raise forms.ValidationError(_("No school has this code."))
        return school


class AnswerForm(forms.Form):
    """One radio group per question, worded for ``group``; every question may be skipped
    (the service wants at least one answer)."""

    def __init__(self, *args: Any, group: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        for question in questionnaire().questions:
            self.fields[question.code] = forms.ChoiceField(
                label=question.text(group),
                choices=[(option.code, option.label) for option in question.options],
                widget=forms.RadioSelect,
                required=False,
            )

    def answers(self) -> dict[str, str]:
        return {code: value for code, value in self.cleaned_data.items() if value}


GROUP_CHOICES = RespondentGroup.choices
