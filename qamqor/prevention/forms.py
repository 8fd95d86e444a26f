"""Forms of the prevention pages, used by the pages and (through ``apikit.validated``) the
API, so both refuse the same things with the same field names and hand the same
``cleaned_data`` to the service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.directory.models import Organisation
from qamqor.errors import DomainError
from qamqor.files import CheckedFile, check_upload
from qamqor.prevention.models import (
    ActivityKind,
    Audience,
    DocumentKind,
    Party,
    school_year_label,
    school_year_of,
)
from qamqor.prevention.services import MAX_MEASURES, MAX_SECTION, templates

SECTION_PREFIX = "section_"


def school_year_choices() -> list[tuple[int, str]]:
    current = school_year_of(timezone.localdate())
    return [(year, school_year_label(year)) for year in (current - 1, current, current + 1)]


class SchoolDocumentForm(forms.Form):
    """What every plan or policy states: the school, its period and its title."""

    school = forms.CharField(
        label=_("School (its code; empty if you work at one school)"),
        required=False,
        max_length=40,
    )
    school_year = forms.TypedChoiceField(
        label=_("School year (a plan)"), required=False, coerce=int, empty_value=None
    )
    adopted_on = forms.DateField(
        label=_("Adopted on (a policy)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        year = self.fields["school_year"]
        assert isinstance(year, forms.TypedChoiceField)  # noqa: S101  declared above
        year.choices = [("", "—"), *school_year_choices()]
        year.initial = school_year_of(timezone.localdate())

    def clean_school(self) -> Organisation:
        code = (self.cleaned_data.get("school") or "").strip()
        try:
            return access.acting_organisation(
                self.user, code, "keep_prevention_documents", field="school"
            )
        except DomainError as error:
            raise forms.ValidationError(str(error.errors[0].message)) from error


class UploadForm(SchoolDocumentForm):
    """A plan or policy uploaded as a scan or a PDF."""

    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    document = forms.FileField(label=_("File (PDF, JPEG or PNG)"))

    field_order = ["kind", "school", "school_year", "adopted_on", "title", "document"]

    def clean_document(self) -> CheckedFile:
        return check_upload(self.cleaned_data["document"], field="document")


class ComposeForm(SchoolDocumentForm):
    """A plan or policy composed from the template: one text per section, filled in with the
    template's text in the active language for the school to adapt."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        template = templates().of(kind)
        if kind == DocumentKind.POLICY:
            del self.fields["school_year"]
        else:
            del self.fields["adopted_on"]
        self.fields["title"].initial = template.title
        for section in template.sections:
            self.fields[SECTION_PREFIX + section.key] = forms.CharField(
                label=section.heading,
                max_length=MAX_SECTION,
                initial=section.text_in(),
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        sections = {
            name.removeprefix(SECTION_PREFIX): data.pop(name)
            for name in list(data)
            if name.startswith(SECTION_PREFIX)
        }
        data["sections"] = sections
        data["kind"] = self.kind
        return data


class ActivityForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    participants = forms.IntegerField(label=_("Participants"), min_value=1, max_value=100_000)
    note = forms.CharField(label=_("Note (no names)"), required=False, max_length=300)


class IndividualPlanChangeForm(forms.Form):
    measures = forms.CharField(
        label=_("Measures"), max_length=MAX_MEASURES, widget=forms.Textarea(attrs={"rows": 4})
    )
    responsible = forms.CharField(label=_("Person responsible (name, position)"), max_length=200)
    review_on = forms.DateField(
        label=_("Review date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class IndividualPlanForm(IndividualPlanChangeForm):
    """An individual plan for one child of the case: the case's child or another child
    involved, named by a code or a name."""

    party = forms.ChoiceField(label=_("The child is"), choices=Party.choices)
    for_case_child = forms.BooleanField(label=_("The case's child"), required=False)
    child_label = forms.CharField(
        label=_("Or another child (a code or a name)"), required=False, max_length=200
    )

    field_order = ["party", "for_case_child", "child_label", "measures", "responsible", "review_on"]
