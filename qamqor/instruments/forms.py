"""Forms of the screening pages and API (the API validates with the same forms)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.classification import ChildSex
from qamqor.instruments import definitions
from qamqor.instruments.models import LANGUAGE_CHOICES, Campaign, CampaignPupil
from qamqor.translation import pick


def instrument_choices(mode: str | None = None) -> list[tuple[str, str]]:
    return [
        (loaded.spec.code, f"{loaded.spec.short_name} — {pick(loaded.spec.name.as_dict())}")
        for loaded in definitions.latest_all()
        if mode is None or loaded.spec.allows(mode)
    ]


class StartScreeningForm(forms.Form):
    instrument = forms.ChoiceField(label=_("Instrument"), choices=())
    mode = forms.ChoiceField(
        label=_("How"),
        choices=[
            ("interview", _("I ask the questions now (interview)")),
            ("self", _("The child answers alone with a one-time code")),
        ],
        widget=forms.RadioSelect,
        initial="interview",
    )
    language = forms.ChoiceField(label=_("Language of the questions"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = instrument_choices()  # type: ignore[attr-defined]


class NewChildForm(forms.Form):
    """A pupil recorded under a pseudonymous code (no name needed to screen)."""

    class_label = forms.CharField(label=_("Class"), max_length=20, required=False)
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=ChildSex.choices, initial=ChildSex.UNKNOWN)


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    instrument = forms.ChoiceField(label=_("Instrument"), choices=())
    level = forms.ChoiceField(label=_("Who takes part"), choices=Campaign.Level.choices)
    school = forms.CharField(label=_("School code"), max_length=60, required=False)
    district = forms.CharField(label=_("District code"), max_length=40, required=False)
    region = forms.CharField(label=_("Region code"), max_length=10, required=False)
    class_labels = forms.CharField(
        label=_("Classes (district and region campaigns)"),
        max_length=400,
        required=False,
        help_text=_("Comma-separated, e.g. 7A, 7B, 8A. Leave empty for every pupil."),
    )
    opens_on = forms.DateField(
        label=_("Opens on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    closes_on = forms.DateField(
        label=_("Closes on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    language = forms.ChoiceField(label=_("Language of the questions"), choices=LANGUAGE_CHOICES)
    consent_required = forms.BooleanField(
        label=_("Codes work only after the legal representative's consent is recorded"),
        required=False,
        initial=True,
    )
    follow_up_threshold = forms.IntegerField(
        label=_("Follow-up threshold (score)"),
        required=False,
        help_text=_(
            "Pupils at or beyond this score are listed for follow-up, besides the published "
            "bands that call for it and every alert."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = instrument_choices("self")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        level = data.get("level")
        needed = {"school": "school", "district": "district", "region": "region"}.get(level or "")
        if needed == "school" and not data.get("school"):
            self.add_error("school", _("Enter the school's code."))
        if needed == "district" and not data.get("district"):
            self.add_error("district", _("Enter the district's code."))
        if needed == "region" and not data.get("region"):
            self.add_error("region", _("Enter the region's code."))
        return data


class AddClassForm(forms.Form):
    class_label = forms.CharField(label=_("Class"), max_length=20)
    new_pupils = forms.IntegerField(
        label=_("New pupils to add under codes"),
        min_value=0,
        max_value=60,
        required=False,
        initial=0,
        help_text=_("Pupils of this class already in Qamqor are added anyway."),
    )
    pupils = forms.CharField(
        label=_("Or one line per new pupil: date of birth and sex"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("2012-05-14 girl")}),
        max_length=4000,
    )


class ConsentForm(forms.Form):
    consent = forms.ChoiceField(label=_("Consent"), choices=CampaignPupil.Consent.choices)
    pupils = forms.TypedMultipleChoiceField(label=_("Pupils"), coerce=int, choices=())

    def __init__(self, *args: Any, pupil_ids: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupils"].choices = [(pk, pk) for pk in pupil_ids or []]  # type: ignore[attr-defined]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class AggregateFilterForm(forms.Form):
    instrument = forms.ChoiceField(label=_("Instrument"), choices=(), required=False)
    group_by = forms.ChoiceField(
        label=_("Compare by"),
        choices=[
            ("region", _("region")),
            ("district", _("district")),
            ("age", _("age")),
            ("sex", _("sex")),
        ],
        required=False,
    )
    region = forms.CharField(label=_("Region code"), max_length=10, required=False)
    sex = forms.ChoiceField(
        label=_("Sex"), choices=[("", _("all")), *ChildSex.choices], required=False
    )
    age = forms.IntegerField(label=_("Age"), min_value=0, max_value=25, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [  # type: ignore[attr-defined]
            (f"{code}:{version}", f"{loaded.spec.short_name} v{version}")
            for (code, version), loaded in sorted(definitions.load_all().items())
        ]
