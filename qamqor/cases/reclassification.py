"""The reclassification form, shared by the case page and the API.

Reclassifying changes the facts a protocol is chosen by (brief 1.4.2): a bullying case
that turns out to be domestic switches to the domestic violence protocol, with a reason
(``protocols.services.reclassify`` does the switch).
"""

from __future__ import annotations

from typing import Any

from django import forms as dj
from django.utils.translation import gettext_lazy as _

from qamqor.cases.models import Case
from qamqor.classification import PerpetratorRelationship, RiskLevel, Setting, ViolenceForm

CLASSIFICATION_KEYS = (
    "forms",
    "setting",
    "perpetrator_relationship",
    "risk_level",
    "in_danger_now",
    "repeated",
    "self_harm_risk",
)


class ReclassifyForm(dj.Form):
    forms = dj.MultipleChoiceField(
        label=_("Forms of violence"),
        choices=ViolenceForm.choices,
        widget=dj.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one form of violence.")},
    )
    setting = dj.ChoiceField(label=_("Setting"), choices=Setting.choices)
    perpetrator_relationship = dj.ChoiceField(
        label=_("Alleged perpetrator"), choices=PerpetratorRelationship.choices
    )
    risk_level = dj.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    in_danger_now = dj.BooleanField(label=_("Child in danger now"), required=False)
    repeated = dj.NullBooleanField(
        label=_("Happened two or more times (Order No. 506)"),
        required=False,
        widget=dj.Select(
            choices=[("unknown", _("not known yet")), ("true", _("yes")), ("false", _("no"))]
        ),
    )
    self_harm_risk = dj.BooleanField(label=_("Suicide risk or self-harm"), required=False)
    reason = dj.CharField(
        label=_("Why the classification changes"),
        max_length=2000,
        widget=dj.Textarea(attrs={"rows": 2}),
        help_text=_("Kept on the case's timeline and in the audit log."),
        error_messages={"required": _("Say why the case is reclassified.")},
    )

    def clean_reason(self) -> str:
        text = str(self.cleaned_data["reason"]).strip()
        if not text:
            raise dj.ValidationError(_("Say why the case is reclassified."), code="required")
        return text

    @staticmethod
    def current(case: Case) -> dict[str, Any]:
        """The case's classification as the form's data (for the initial form and the API,
        where a field not sent keeps its value)."""
        return {
            "forms": case.form_codes,
            "setting": case.setting,
            "perpetrator_relationship": case.perpetrator_relationship,
            "risk_level": case.risk_level,
            "in_danger_now": case.in_danger_now,
            "repeated": {None: "unknown", True: "true", False: "false"}[case.repeated],
            "self_harm_risk": case.self_harm_risk,
        }


def classification_of(cleaned: dict[str, Any]) -> dict[str, Any]:
    """The cleaned classification, without the reason, for ``protocols.reclassify``."""
    return {key: cleaned[key] for key in CLASSIFICATION_KEYS}
