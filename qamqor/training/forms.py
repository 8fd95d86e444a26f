"""Forms of training, used by the pages and (through ``apikit.validated``) the API: a page
and an API call refuse the same things with the same field names, and hand the same
``cleaned_data`` to the service."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.models import User
from qamqor.directory.models import Organisation
from qamqor.files import CheckedFile, check_upload
from qamqor.forms import DATE_WIDGET
from qamqor.training.models import (
    SPECIALIST_ROLES,
    Enrolment,
    Format,
    MethodologicalDay,
    Programme,
    ProviderKind,
    Topic,
)
from qamqor.training.services import CERTIFICATE_MAX_BYTES, ModuleSpec, psc_choices, psc_staff

ROLE_CHOICES = [(role.value, role.label) for role in SPECIALIST_ROLES]


class ProgrammeForm(forms.Form):
    """A programme of the catalogue. Modules are one per line: ``hours | Kazakh title |
    Russian title | English title``; their hours add up to the programme's."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Latin letters, digits and hyphens; it cannot be changed later."),
    )
    title_kk = forms.CharField(label=_("Title in Kazakh"), max_length=200)
    title_ru = forms.CharField(label=_("Title in Russian"), max_length=200)
    title_en = forms.CharField(label=_("Title in English"), max_length=200)
    description_kk = forms.CharField(
        label=_("Description in Kazakh"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_ru = forms.CharField(
        label=_("Description in Russian"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_en = forms.CharField(
        label=_("Description in English"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    provider_kind = forms.ChoiceField(label=_("Provider"), choices=ProviderKind.choices)
    provider_name = forms.CharField(label=_("Provider's name"), max_length=200)
    hours = forms.IntegerField(label=_("Hours"), min_value=1, max_value=1000)
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices)
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, widget=forms.CheckboxSelectMultiple
    )
    target_roles = forms.MultipleChoiceField(
        label=_("Meant for"), choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    modules = forms.CharField(
        label=_("Modules"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One module a line: hours | title in Kazakh | title in Russian | title in English."
        ),
    )

    def clean_modules(self) -> list[ModuleSpec]:
        text = self.cleaned_data.get("modules") or ""
        found = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 4 or not parts[0].isdigit() or not all(parts[1:]):
                raise forms.ValidationError(
                    _("Line %(number)d: write hours | Kazakh | Russian | English.")
                    % {"number": number}
                )
            hours = int(parts[0])
            if not 1 <= hours <= 1000:
                raise forms.ValidationError(
                    _("Line %(number)d: hours from 1 to 1,000.") % {"number": number}
                )
            if any(len(part) > 200 for part in parts[1:]):
                raise forms.ValidationError(
                    _("Line %(number)d: a title is at most 200 characters.") % {"number": number}
                )
            found.append(ModuleSpec(hours, parts[1], parts[2], parts[3]))
        return found


class ProgrammeChangeForm(ProgrammeForm):
    """The same fields but the code, which is fixed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["code"]


def modules_text(programme: Programme) -> str:
    """A programme's modules as the form writes them, one a line."""
    return "\n".join(
        f"{m.hours} | {m.title_kk} | {m.title_ru} | {m.title_en}" for m in programme.modules.all()
    )


def programme_initial(programme: Programme) -> dict[str, Any]:
    return {
        **{name: getattr(programme, name) for name in ProgrammeChangeForm.base_fields},
        "modules": modules_text(programme),
    }


class CatalogueFilterForm(forms.Form):
    """The catalogue's filters (a GET form)."""

    topic = forms.ChoiceField(
        label=_("Topic"), required=False, choices=[("", _("any")), *Topic.choices]
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("any")), *ROLE_CHOICES]
    )
    format = forms.ChoiceField(
        label=_("Format"), required=False, choices=[("", _("any")), *Format.choices]
    )
    provider_kind = forms.ChoiceField(
        label=_("Provider"), required=False, choices=[("", _("any")), *ProviderKind.choices]
    )
    retired = forms.BooleanField(label=_("Retired programmes"), required=False)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


class EnrolmentForm(forms.Form):
    """A programme added to one's own record: planned, or completed with its certificate."""

    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.all(),
        to_field_name="code",
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=Enrolment.Status.choices, widget=forms.RadioSelect
    )
    planned_for = forms.DateField(label=_("Planned for"), required=False, widget=DATE_WIDGET)
    completed_on = forms.DateField(label=_("Completed on"), required=False, widget=DATE_WIDGET)
    certificate = forms.FileField(
        label=_("Certificate (PDF, JPEG or PNG, at most 5 MB)"),
        required=False,
        help_text=_("Required for an alternative course: its certificate is what is recognised."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programme = cast(forms.ModelChoiceField[Programme], self.fields["programme"])
        programme.queryset = Programme.objects.order_by("title_en")

    def clean_certificate(self) -> CheckedFile | None:
        upload = self.cleaned_data.get("certificate")
        if not upload:
            return None
        return check_upload(upload, field="certificate", limit=CERTIFICATE_MAX_BYTES)


class DayForm(forms.Form):
    """A PSC's methodological day (brief 2.3.5)."""

    psc = forms.ModelChoiceField(
        label=_("PSC"), queryset=Organisation.objects.none(), to_field_name="code"
    )
    held_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    programme = forms.ModelChoiceField(
        label=_("Programme (optional)"),
        required=False,
        queryset=Programme.objects.none(),
        to_field_name="code",
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        psc = cast(forms.ModelChoiceField[Organisation], self.fields["psc"])
        psc.queryset = psc_choices(actor).order_by("name_en")
        programme = cast(forms.ModelChoiceField[Programme], self.fields["programme"])
        programme.queryset = Programme.objects.current().order_by("title_en")


class AttendanceForm(forms.Form):
    """Who of the PSC's staff attended: the ticked attended, the others did not."""

    present = forms.ModelMultipleChoiceField(
        label=_("Attended"),
        required=False,
        queryset=User.objects.none(),
        to_field_name="username",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, day: MethodologicalDay, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        present = cast(forms.ModelMultipleChoiceField[User], self.fields["present"])
        present.queryset = psc_staff(day.psc)


class YearForm(forms.Form):
    """The year the figures are for (a GET form); this year by default."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

    def year_or_current(self) -> int:
        if self.is_valid() and self.cleaned_data.get("year"):
            return int(self.cleaned_data["year"])
        return timezone.localdate().year
