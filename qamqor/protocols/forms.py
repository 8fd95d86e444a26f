"""The protocol pages' forms: the open-steps filter and the review of a notice to the
legal representatives (brief 1.3.5)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from qamqor.directory.models import OrganisationKind, Region
from qamqor.notify import sms
from qamqor.protocols import notices
from qamqor.protocols.models import RepresentativeNotice

# Kinds that hold protocol steps (coordinating and monitoring bodies never do).
STEP_HOLDER_KINDS = [
    kind for kind in OrganisationKind if kind not in {"coordinating_body", "monitoring_body"}
]


class OpenStepFilterForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False)
    organisation_kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        required=False,
        choices=[("", _("Any kind")), *((kind.value, kind.label) for kind in STEP_HOLDER_KINDS)],
    )
    overdue_only = forms.BooleanField(label=_("Only overdue steps"), required=False)

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ChoiceField)  # noqa: S101  declared above
        region_field.choices = [
            ("", _("Every region")),
            *((region.code, region.name) for region in regions),
        ]


class NoticeReviewForm(forms.Form):
    """The draft's text in each language; what staff change is what is sent."""

    def __init__(self, *args: Any, notice: RepresentativeNotice, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"notice-{notice.pk}")
        initial = {}
        for code, _name in settings.LANGUAGES:
            texts = notice.texts.get(code, {})
            for part in ("subject", "body", "sms"):
                initial[f"{code}_{part}"] = texts.get(part, "")
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        for code in notice.texts:
            language = names.get(code, code)
            self.fields[f"{code}_subject"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": language}, max_length=255
            )
            self.fields[f"{code}_body"] = forms.CharField(
                label=_("Letter (%(language)s)") % {"language": language},
                max_length=notices.MAX_BODY,
                widget=forms.Textarea(attrs={"rows": 6}),
            )
            self.fields[f"{code}_sms"] = forms.CharField(
                label=_("SMS (%(language)s)") % {"language": language},
                max_length=sms.PART_LIMIT * sms.MAX_PARTS,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Up to 70 characters is one SMS; a longer text goes in parts of 67."),
            )

    def texts(self) -> dict[str, dict[str, str]]:
        result: dict[str, dict[str, str]] = {}
        for name, value in self.cleaned_data.items():
            code, part = name.split("_", 1)
            result.setdefault(code, {})[part] = value
        return result


class NoticeCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is not sent"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
