"""Forms of the library, used by the pages and (through ``apikit.validated``) the API: both
refuse the same things with the same field names and hand the same ``cleaned_data`` to
the service."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.models import Role
from qamqor.files import CheckedFile, check_upload
from qamqor.forms import DATE_WIDGET
from qamqor.library.models import DocumentKind, Topic
from qamqor.library.services import MAX_TEXT
from qamqor.protocols.models import ProtocolVersion

TEXT = forms.Textarea(attrs={"rows": 3})


def _text(label: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=MAX_TEXT, widget=TEXT)


class DocumentForm(forms.Form):
    """A document added to the library; its versions come one by one."""

    code = forms.SlugField(
        label=_("Short code"),
        max_length=60,
        help_text=_("Latin letters, digits and hyphens, e.g. order-506-bullying-prevention."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    title_kk = forms.CharField(label=_("Title in Kazakh"), max_length=300)
    title_ru = forms.CharField(label=_("Title in Russian"), max_length=300)
    title_en = forms.CharField(label=_("Title in English"), max_length=300)
    issuer = forms.CharField(label=_("Issued by"), required=False, max_length=200)
    reference = forms.CharField(
        label=_("Registration"),
        required=False,
        max_length=200,
        help_text=_("Its Adilet or state register number."),
    )


class VersionForm(forms.Form):
    """A new version of a document and the roles to be briefed on it (brief 2.3.6)."""

    number = forms.CharField(
        label=_("Number and date"),
        max_length=120,
        help_text=_("As the act is cited, e.g. Order No. 192 of 25.07.2024."),
    )
    effective_on = forms.DateField(label=_("In force from"), required=False, widget=DATE_WIDGET)
    summary_kk = _text(_("Summary in Kazakh"))
    summary_ru = _text(_("Summary in Russian"))
    summary_en = _text(_("Summary in English"))
    changes_kk = _text(_("What changed, in Kazakh"), required=False)
    changes_ru = _text(_("What changed, in Russian"), required=False)
    changes_en = _text(_("What changed, in English"), required=False)
    url = forms.URLField(label=_("Link to the text"), required=False, assume_scheme="https")
    file = forms.FileField(label=_("The text (PDF, JPEG or PNG)"), required=False)
    protocol_version = forms.ChoiceField(
        label=_("Protocol version that implements it"), required=False, choices=[]
    )
    affected_roles = forms.MultipleChoiceField(
        label=_("Roles to be briefed"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everyone active in these roles must confirm they have read it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        versions = ProtocolVersion.objects.order_by("code", "version").values_list(
            "code", "version"
        )
        field = cast(forms.ChoiceField, self.fields["protocol_version"])
        field.choices = [("", "—"), *((f"{c}:{v}", f"{c} v{v}") for c, v in versions)]

    def clean_protocol_version(self) -> ProtocolVersion | None:
        value = self.cleaned_data.get("protocol_version") or ""
        if not value:
            return None
        code, _sep, number = value.partition(":")
        return ProtocolVersion.objects.get(code=code, version=int(number))

    def clean_file(self) -> CheckedFile | None:
        upload = self.cleaned_data.get("file")
        return check_upload(upload, field="file") if upload else None


class AcknowledgeForm(forms.Form):
    """The briefed person confirms they have read the version."""

    read = forms.BooleanField(label=_("I have read this version and will apply it"))


class MaterialForm(forms.Form):
    """A guide or a practice shared in the methodological base (brief 1.5.1)."""

    title_kk = forms.CharField(label=_("Title in Kazakh"), required=False, max_length=300)
    title_ru = forms.CharField(label=_("Title in Russian"), required=False, max_length=300)
    title_en = forms.CharField(label=_("Title in English"), required=False, max_length=300)
    summary_kk = _text(_("Summary in Kazakh"), required=False)
    summary_ru = _text(_("Summary in Russian"), required=False)
    summary_en = _text(_("Summary in English"), required=False)
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, widget=forms.CheckboxSelectMultiple
    )
    roles = forms.MultipleChoiceField(
        label=_("For whom"),
        required=False,
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: for every specialist."),
    )
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"), required=False)

    def clean_file(self) -> CheckedFile | None:
        upload = self.cleaned_data.get("file")
        return check_upload(upload, field="file") if upload else None


class MaterialFilterForm(forms.Form):
    """The methodological base's search (a GET form)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    topic = forms.ChoiceField(
        label=_("Topic"), required=False, choices=[("", _("any")), *Topic.choices]
    )
    role = forms.ChoiceField(
        label=_("For whom"), required=False, choices=[("", _("any")), *Role.choices]
    )

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}
