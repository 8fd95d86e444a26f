"""Forms of psychological support, used by the pages and (through ``api.validated``) the API.

Organisations, cases and people are given by code, number or user name and resolved by
the shared helpers (``qamqor.forms``, ``cases.forms.resolve_case``), so a page and an API
call refuse the same things with the same field names.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.models import User
from qamqor.care import selectors
from qamqor.care.models import (
    MAX_HOURS_PER_CATEGORY,
    ConsentGiver,
    ConsentMethod,
    ConsultationFormat,
    CrisisGround,
    LegalGround,
    ShareBasis,
    SupervisionKind,
    SupervisionLevel,
    WorkCategory,
)
from qamqor.cases.forms import resolve_case
from qamqor.cases.models import Child
from qamqor.classification import ChildSex
from qamqor.directory.models import Organisation, Region
from qamqor.errors import InvalidInput
from qamqor.files import check_upload
from qamqor.forms import (
    DATE_WIDGET,
    DATETIME_WIDGET,
    CodesField,
    acting_organisation,
    resolve_organisation,
)


class ChildForm(forms.Form):
    """A child a psychologist starts working with; pseudonymous unless a name is given."""

    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=40)
    full_name = forms.CharField(
        label=_("Full name"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to keep the record pseudonymous (a code only)."),
    )
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE_WIDGET)
    sex = forms.ChoiceField(label=_("Sex"), choices=ChildSex.choices, initial=ChildSex.UNKNOWN)
    class_label = forms.CharField(label=_("Class"), required=False, max_length=20)


class ConsentForm(forms.Form):
    organisation = forms.CharField(
        label=_("Given to"), required=False, max_length=40, help_text=_("your organisation")
    )
    giver = forms.ChoiceField(label=_("Who gave it"), choices=ConsentGiver.choices)
    representative = forms.IntegerField(label=_("Legal representative"), required=False)
    giver_name = forms.CharField(
        label=_("Name of who consented"),
        required=False,
        max_length=200,
        help_text=_("The representative not listed above, or the guardianship officer."),
    )
    child_age = forms.IntegerField(
        label=_("Child's age when consenting"),
        required=False,
        min_value=0,
        max_value=17,
        help_text=_("Needed when the child consents and the birth date is not recorded."),
    )
    covers_support = forms.BooleanField(label=_("psychological support"), required=False)
    covers_diagnostics = forms.BooleanField(label=_("diagnostics"), required=False)
    covers_sharing = forms.BooleanField(
        label=_("sharing with the organisations named below"), required=False
    )
    share_with = CodesField(label=_("Organisations the data may be shared with"), required=False)
    method = forms.ChoiceField(label=_("How it was given"), choices=ConsentMethod.choices)
    given_at = forms.DateTimeField(label=_("When"), widget=DATETIME_WIDGET)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DATE_WIDGET)
    document = forms.FileField(label=_("Scan of the signed form"), required=False)


class WithdrawConsentForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CrisisBasisForm(forms.Form):
    organisation = forms.CharField(label=_("PSC"), required=False, max_length=40)
    ground = forms.ChoiceField(label=_("Crisis ground"), choices=CrisisGround.choices)
    justification = forms.CharField(
        label=_("Justification"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why help cannot wait for a legal representative's consent."),
    )
    case = forms.CharField(label=_("Case number"), required=False, max_length=24)


class ConsultationForm(forms.Form):
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=40)
    child = forms.CharField(
        label=_("Child's code"),
        required=False,
        max_length=20,
        help_text=_("Leave empty for an anonymous consultation or group work."),
    )
    format = forms.ChoiceField(label=_("Format"), choices=ConsultationFormat.choices)
    hotline = forms.BooleanField(label=_("Through the hotline"), required=False)
    topic = forms.CharField(
        label=_("Topic"),
        max_length=200,
        help_text=_("A short, non-confidential topic, e.g. “conflict with classmates”."),
    )
    participants_count = forms.IntegerField(
        label=_("Participants"), min_value=1, max_value=500, initial=1
    )
    participants_note = forms.CharField(label=_("Who took part"), required=False, max_length=300)
    held_at = forms.DateTimeField(label=_("Held at"), widget=DATETIME_WIDGET)
    duration_minutes = forms.IntegerField(
        label=_("Duration, minutes"), min_value=5, max_value=480, initial=45
    )
    notes = forms.CharField(
        label=_("Confidential notes"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only you and your supervisor (the PSC head) can read them."),
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_appointment_at = forms.DateTimeField(
        label=_("Next appointment"), required=False, widget=DATETIME_WIDGET
    )
    case = forms.CharField(label=_("Case number"), required=False, max_length=24)


def share_basis_fields(
    *, override_help: Any = ""
) -> tuple[forms.ChoiceField, forms.CharField, forms.CharField]:
    """The fields that justify sharing a child's data without consent: the legal ground and
    its reference, or the reason for an override. The sharing form and the referral form
    (a referral rests on a share) declare them with this, in this order."""
    return (
        forms.ChoiceField(
            label=_("Legal ground"), choices=[("", "—"), *LegalGround.choices], required=False
        ),
        forms.CharField(
            label=_("Reference (article, order, letter)"), required=False, max_length=300
        ),
        forms.CharField(
            label=_("Reason for the override"),
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=override_help,
        ),
    )


class ShareForm(forms.Form):
    from_organisation = forms.CharField(label=_("From"), required=False, max_length=40)
    to_organisation = forms.CharField(label=_("Share with"), max_length=40)
    basis = forms.ChoiceField(
        label=_("Basis"),
        choices=[
            (ShareBasis.CONSENT, ShareBasis.CONSENT.label),
            (ShareBasis.LEGAL_BASIS, ShareBasis.LEGAL_BASIS.label),
            (ShareBasis.OVERRIDE, ShareBasis.OVERRIDE.label),
        ],
        widget=forms.RadioSelect,
    )
    legal_ground, reference, override_reason = share_basis_fields(
        override_help=_("An override is reported to the regional coordinator.")
    )
    case = forms.CharField(label=_("Case number"), required=False, max_length=24)


class SupervisionForm(forms.Form):
    organisation = forms.CharField(label=_("Host organisation"), required=False, max_length=40)
    kind = forms.ChoiceField(label=_("Kind"), choices=SupervisionKind.choices)
    level = forms.ChoiceField(
        label=_("Level"), choices=SupervisionLevel.choices, initial=SupervisionLevel.ORGANISATION
    )
    online = forms.BooleanField(label=_("Online"), required=False)
    held_at = forms.DateTimeField(label=_("Held at"), widget=DATETIME_WIDGET)
    duration_minutes = forms.IntegerField(
        label=_("Duration, minutes"), min_value=15, max_value=480, initial=90
    )
    topic = forms.CharField(
        label=_("Topic"),
        max_length=300,
        help_text=_("Professional topic only: no child's name."),
    )
    facilitator = forms.CharField(label=_("Supervisor's user name"), required=False, max_length=150)
    facilitator_name = forms.CharField(
        label=_("Supervisor (if not a Qamqor user)"), required=False, max_length=200
    )
    participants = CodesField(
        label=_("Participants (user names)"),
        widget=forms.TextInput,
        help_text=_("User names separated by commas."),
    )
    guests = forms.IntegerField(
        label=_("Participants without an account"), min_value=0, max_value=500, initial=0
    )


class HoursField(forms.DecimalField):
    """Hours as typed in Kazakhstan: ``7,5`` and ``7.5`` are the same."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace(",", ".").strip()
        return super().to_python(value)


class WorkWeekForm(forms.Form):
    """The weekly work log: one number per category, all on one form."""

    organisation = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    week = forms.DateField(label=_("Week starting"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category, label in WorkCategory.choices:
            self.fields[category] = HoursField(
                label=label,
                required=False,
                min_value=0,
                max_value=MAX_HOURS_PER_CATEGORY,
                decimal_places=2,
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "autocomplete": "off", "size": 6}
                ),
            )

    def hours(self) -> dict[str, Any]:
        return {c: self.cleaned_data.get(c) for c in WorkCategory.values}


class WorkloadFilterForm(forms.Form):
    start = forms.DateField(label=_("From the week of"), required=False, widget=DATE_WIDGET)
    end = forms.DateField(label=_("To the week of"), required=False, widget=DATE_WIDGET)
    LEVELS = [
        ("region", _("region")),
        ("psc", _("PSC")),
        ("school", _("school")),
        ("psychologist", _("psychologist")),
    ]
    level = forms.ChoiceField(label=_("Per"), required=False, choices=LEVELS)
    region = forms.CharField(label=_("Region"), required=False, max_length=8)


class EnrolmentForm(forms.Form):
    pupils = forms.IntegerField(label=_("Pupils"), min_value=0, max_value=20000)
    as_of = forms.DateField(label=_("As of"), required=False, widget=DATE_WIDGET)


# --- the services' arguments from the cleaned forms, for the pages and the API alike -----


def _copy(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: data[name] for name in names}


def care_organisation(user: User, code: str | None) -> Organisation:
    """The school or PSC where the user works as a psychologist: the one named, else their
    only one (children, consultations, the work log)."""
    return acting_organisation(user, code, "give_care")


def child_arguments(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """``register_child``'s arguments from the cleaned ``ChildForm``: the school or PSC
    where the user works as a psychologist (the child becomes its pupil or client)."""
    return {
        **_copy(data, "full_name", "birth_date", "sex", "class_label"),
        "organisation": care_organisation(user, data["organisation"]),
    }


def consent_arguments(user: User, child: Child, data: dict[str, Any]) -> dict[str, Any]:
    """``record_consent``'s arguments from the cleaned ``ConsentForm``: the organisation the
    user acts for, the child's representative, the organisations named for sharing and the
    checked scan (the API sends none)."""
    organisation = acting_organisation(user, data["organisation"], "refer")
    representative = None
    if data["representative"]:
        representative = child.representatives.filter(pk=data["representative"]).first()
        if representative is None:
            raise InvalidInput.on(
                "representative", _("Choose one of this child's legal representatives.")
            )
    share_with = [resolve_organisation(code, field="share_with") for code in data["share_with"]]
    document = data.get("document")
    return {
        **_copy(data, "giver", "method", "given_at", "giver_name", "child_age", "valid_until"),
        **_copy(data, "covers_support", "covers_diagnostics", "covers_sharing"),
        "child": child,
        "organisation": organisation,
        "representative": representative,
        "share_with": share_with,
        "document": check_upload(document, field="document") if document else None,
    }


def crisis_basis_arguments(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """``record_crisis_basis``'s arguments from the cleaned ``CrisisBasisForm``: the PSC the
    user acts for and the case, if one is named."""
    return {
        **_copy(data, "ground", "justification"),
        "organisation": acting_organisation(user, data["organisation"], "record_crisis_basis"),
        "case": resolve_case(user, data["case"]),
    }


def share_arguments(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """``share_child``'s arguments from the cleaned ``ShareForm``."""
    return {
        **_copy(data, "basis", "legal_ground", "reference", "override_reason"),
        "from_organisation": acting_organisation(
            user, data["from_organisation"], "refer", field="from_organisation"
        ),
        "to_organisation": resolve_organisation(data["to_organisation"], field="to_organisation"),
        "case": resolve_case(user, data["case"]),
    }


def consultation_arguments(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """``record_consultation``'s arguments from the cleaned ``ConsultationForm``, but the
    child: the child's page names it in its address, the API by code, the page for
    anonymous and group work not at all."""
    fields = ("format", "topic", "held_at", "duration_minutes", "participants_count")
    return {
        **_copy(data, *fields, "participants_note", "notes", "next_steps", "hotline"),
        "next_appointment_at": data["next_appointment_at"],
        "organisation": care_organisation(user, data["organisation"]),
        "case": resolve_case(user, data["case"]),
    }


def resolve_region(code: str | None) -> Region | None:
    """A region by its code (any case), none when no code is given; an unknown code is a
    422 on ``region``."""
    if not code:
        return None
    region = Region.objects.filter(code=code.strip().upper()).first()
    if region is None:
        raise InvalidInput.on("region", _("No region has this code."))
    return region


def supervision_arguments(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """``care.services.supervision.record_supervision``'s arguments from the cleaned
    ``SupervisionForm``, for the page and the API alike: the host organisation (the one
    named, else the user's only host, ``selectors.supervision_hosts``), the participants
    and the facilitator by user name. An unknown name is a 422 on its field."""
    if data["organisation"]:
        organisation = resolve_organisation(data["organisation"], field="organisation")
    else:
        hosts = selectors.supervision_hosts(user)
        organisation = acting_organisation(user, None, [host.pk for host in hosts])
    people = list(User.objects.filter(username__in=data["participants"], is_active=True))
    missing = sorted(set(data["participants"]) - {person.username for person in people})
    if missing:
        raise InvalidInput.on(
            "participants", _("Unknown user names: %(names)s.") % {"names": ", ".join(missing)}
        )
    facilitator = None
    if data["facilitator"]:
        facilitator = User.objects.filter(username=data["facilitator"], is_active=True).first()
        if facilitator is None:
            raise InvalidInput.on("facilitator", _("No user has this name."))
    fields = ("kind", "level", "online", "held_at", "duration_minutes", "topic")
    return {
        **{name: data[name] for name in fields},
        "organisation": organisation,
        "participants": people,
        "facilitator": facilitator,
        "facilitator_name": data["facilitator_name"],
        "guests": data["guests"],
    }
