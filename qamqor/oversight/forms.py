"""Forms of the recommendations tracker, used by the pages and (through
``apikit.validated``) the API: a page and an API call refuse the same things with the same
field names, and hand the same ``cleaned_data`` to the service."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.directory.models import Organisation
from qamqor.files import CheckedFile, check_upload
from qamqor.oversight.models import Addressee, Status
from qamqor.oversight.services import MAX_NOTE


class StatusForm(forms.Form):
    """A recommendation's status and responsible body, and the note that explains them."""

    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    responsible_organisation = forms.CharField(
        label=_("Responsible organisation (its code in the directory)"),
        required=False,
        max_length=40,
    )
    responsible_text = forms.CharField(
        label=_("Or the responsible body in words"),
        required=False,
        max_length=200,
        help_text=_("A ministry or another body that is not in the directory."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the status changes: why, and what shows it. It is public."),
    )

    def clean_responsible_organisation(self) -> Organisation | None:
        code = (self.cleaned_data.get("responsible_organisation") or "").strip()
        if not code:
            return None
        found = Organisation.objects.filter(code=code).first()
        if found is None:
            raise forms.ValidationError(_("No organisation has this code."))
        return found


class EvidenceForm(forms.Form):
    """Evidence of progress: a link, a document, or both. Evidence is public."""

    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    document = forms.FileField(
        label=_("Document (PDF, JPEG or PNG)"),
        required=False,
        help_text=_("Published documents only: everyone can download it."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_document(self) -> CheckedFile | None:
        upload = self.cleaned_data.get("document")
        return check_upload(upload, field="document") if upload else None


class FilterForm(forms.Form):
    """The public list's filters (a GET form): any of status, addressee and section."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any")), *Status.choices]
    )
    addressee = forms.ChoiceField(
        label=_("Addressee"), required=False, choices=[("", _("any")), *Addressee.choices]
    )
    section = forms.ChoiceField(label=_("Section"), required=False, choices=[("", _("any"))])

    def __init__(self, *args: Any, sections: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        section = cast(forms.ChoiceField, self.fields["section"])
        section.choices = [("", _("any")), *((s, s) for s in sections or [])]

    def filters(self) -> dict[str, str]:
        """The valid filters (an invalid one is ignored: the page shows every row)."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}
