"""Forms of the referral lifecycle, used by the pages and (through ``api.validated``) the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.care.forms import share_basis_fields
from qamqor.care.models import LegalGround, ShareBasis
from qamqor.cases.forms import resolve_case
from qamqor.cases.models import Child
from qamqor.classification import ChildSex
from qamqor.directory.models import Organisation, OrganisationKind, Region
from qamqor.errors import InvalidInput
from qamqor.forms import DATE_WIDGET, acting_organisation, resolve_organisation
from qamqor.referrals.models import Concern, Requester, SelfReferralChannel, Urgency

SHARE_CHOICES = [
    (ShareBasis.CONSENT, _("the legal representative's data-sharing consent (recorded)")),
    (ShareBasis.LEGAL_BASIS, _("a legal basis")),
    (ShareBasis.OVERRIDE, _("override: none of these, with a reason (reported)")),
]


class ReferralForm(forms.Form):
    """The standard referral (1.3.1): reason, urgency, what was done, the sharing basis."""

    child = forms.CharField(
        label=_("Child"),
        required=False,
        max_length=20,
        help_text=_("A child already in Qamqor, or leave empty and describe a new one below."),
    )
    child_name = forms.CharField(label=_("Child's full name"), required=False, max_length=200)
    child_birth_date = forms.DateField(
        label=_("Child's birth date"), required=False, widget=DATE_WIDGET
    )
    child_class = forms.CharField(label=_("Class"), required=False, max_length=20)
    child_sex = forms.ChoiceField(
        label=_("Child's sex"), choices=ChildSex.choices, initial=ChildSex.UNKNOWN, required=False
    )
    from_organisation = forms.CharField(label=_("From"), required=False, max_length=40)
    to_organisation = forms.CharField(label=_("Refer to"), max_length=40)
    concern = forms.ChoiceField(label=_("Main concern"), choices=Concern.choices)
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.ROUTINE,
        help_text=_("In an emergency also call 112 or 111: a referral does not replace them."),
    )
    reason = forms.CharField(
        label=_("Reason for the referral"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    actions_taken = forms.CharField(
        label=_("What has been done so far"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    share_basis = forms.ChoiceField(
        label=_("The child's data may be shared on the basis of"),
        choices=SHARE_CHOICES,
        widget=forms.RadioSelect,
        initial=ShareBasis.CONSENT,
    )
    legal_ground, reference, override_reason = share_basis_fields()
    case = forms.CharField(label=_("Case number"), required=False, max_length=24)
    attachment = forms.FileField(label=_("Attachment (PDF, JPEG or PNG)"), required=False)


class SelfReferralForm(forms.Form):
    """A child or parent asks a PSC for help directly, without the school (2.3.8)."""

    requester = forms.ChoiceField(
        label=_("Who is asking"), choices=Requester.choices, widget=forms.RadioSelect
    )
    concern = forms.ChoiceField(label=_("What is it about"), choices=Concern.choices)
    reason = forms.CharField(
        label=_("Tell us what is happening"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    urgency = forms.ChoiceField(
        label=_("How soon do you need help"),
        choices=Urgency.choices,
        initial=Urgency.ROUTINE,
    )
    child_age = forms.IntegerField(
        label=_("Child's age"), required=False, min_value=0, max_value=17
    )
    school = forms.CharField(
        label=_("School (optional)"),
        required=False,
        max_length=40,
        help_text=_("The school will not be told unless you agree below."),
    )
    school_may_be_told = forms.BooleanField(
        label=_("The PSC may tell my school that I asked for help"), required=False
    )
    contact = forms.CharField(
        label=_("How can the PSC reach you (phone, e-mail)"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to call the PSC yourself with the reference you will get."),
    )


class StaffSelfReferralForm(SelfReferralForm):
    """A self-referral taken by a PSC or the 111 center (phone, chatbot, walk-in)."""

    to_organisation = forms.CharField(label=_("PSC"), required=False, max_length=40)
    channel = forms.ChoiceField(label=_("Came in through"), choices=SelfReferralChannel.choices)
    child_sex = forms.ChoiceField(
        label=_("Child's sex"), choices=ChildSex.choices, initial=ChildSex.UNKNOWN, required=False
    )


class AcceptForm(forms.Form):
    """Accepting a referral; ``assigned_to`` resolves to the active user of that name."""

    assigned_to = forms.CharField(
        label=_("Assign to (user name)"),
        required=False,
        max_length=150,
        help_text=_("Leave empty to take the child on yourself."),
    )

    def clean_assigned_to(self) -> User | None:
        name = self.cleaned_data["assigned_to"]
        if not name:
            return None
        assignee = User.objects.filter(username=name, is_active=True).first()
        if assignee is None:
            raise forms.ValidationError(_("No user has this name."))
        return assignee


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CompleteForm(forms.Form):
    feedback = forms.CharField(
        label=_("Feedback to the referrer"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "A short note that the service has ended and what the referrer should know. "
            "No confidential content: it is not a consultation record."
        ),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300)


class InformSchoolForm(forms.Form):
    basis = forms.ChoiceField(
        label=_("Basis"),
        choices=[
            (ShareBasis.CHILD_AGREEMENT, _("the child agreed")),
            (ShareBasis.LEGAL_BASIS, _("a legal basis (the protocol requires it)")),
        ],
        widget=forms.RadioSelect,
    )
    legal_ground = forms.ChoiceField(
        label=_("Legal ground"), choices=[("", "—"), *LegalGround.choices], required=False
    )
    reference = forms.CharField(
        label=pgettext_lazy("legal document reference", "Reference"), required=False, max_length=300
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))


class ReferralFilterForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[
            ("", _("all")),
            ("incoming", pgettext_lazy("referral direction", "received")),
            ("outgoing", pgettext_lazy("referral direction", "sent")),
        ],
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[])

    def __init__(self, *args: object, **kwargs: object) -> None:
        from qamqor.referrals.models import Referral

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["status"].choices = [("", _("any")), *Referral.Status.choices]  # type: ignore[attr-defined]


def referral_arguments(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """``send_referral``'s arguments from a valid ``ReferralForm``: codes resolved through
    the access policy (an unknown or hidden child is a 422 on ``child``)."""
    from_organisation = acting_organisation(
        user, data.get("from_organisation"), "refer", field="from_organisation"
    )
    to_organisation = resolve_organisation(data["to_organisation"], field="to_organisation")
    child = None
    new_child = None
    if data.get("child"):
        child = (
            Child.objects.restrict(user, "view").filter(code=data["child"].strip().upper()).first()
        )
        if child is None:
            raise InvalidInput.on("child", _("No child with this code is open to you."))
    else:
        new_child = {
            "full_name": data.get("child_name") or "",
            "birth_date": data.get("child_birth_date"),
            "sex": data.get("child_sex") or "unknown",
            "class_label": data.get("child_class") or "",
        }
    return {
        "from_organisation": from_organisation,
        "to_organisation": to_organisation,
        "child": child,
        "new_child": new_child,
        "concern": data["concern"],
        "reason": data["reason"],
        "urgency": data["urgency"],
        "actions_taken": data.get("actions_taken") or "",
        "share_basis": data["share_basis"],
        "legal_ground": data.get("legal_ground") or "",
        "reference": data.get("reference") or "",
        "override_reason": data.get("override_reason") or "",
        "case": resolve_case(user, data.get("case")),
    }


def staff_self_referral_arguments(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """``submit_self_referral``'s arguments from a valid ``StaffSelfReferralForm``: a PSC
    takes it for itself; the 111 center records it for a PSC, as the center it acts for."""
    helpline = None
    if not access.acting_ids(user, "receive_self_referral"):
        helplines = access.organisations(user, "refer").filter(kind=OrganisationKind.HELPLINE)
        helpline = acting_organisation(user, None, helplines.values_list("pk", flat=True))
    return {
        "channel": data["channel"],
        "from_organisation": helpline,
        **self_referral_arguments(user, data, None),
    }


def self_referral_arguments(
    user: User | None, data: dict[str, Any], psc: Organisation | None
) -> dict[str, Any]:
    """``submit_self_referral``'s arguments; ``psc`` is fixed by a public form's address."""
    if psc is None:
        code = data.get("to_organisation")
        if code:
            psc = resolve_organisation(code, field="to_organisation")
        else:
            psc = acting_organisation(user, None, "receive_self_referral", field="to_organisation")
    school = None
    if data.get("school"):
        school = Organisation.objects.filter(code=data["school"].strip()).first()
        if school is None:
            raise InvalidInput.on("school", _("No school has this code."))
    return {
        "to_organisation": psc,
        "requester": data["requester"],
        "concern": data["concern"],
        "reason": data["reason"],
        "urgency": data.get("urgency") or "routine",
        "contact": data.get("contact") or "",
        "child_age": data.get("child_age"),
        "child_sex": data.get("child_sex") or "unknown",
        "school_named": school,
        "school_may_be_told": bool(data.get("school_may_be_told")),
    }


class PscFinderForm(forms.Form):
    """The public list of PSCs narrowed by region and by a word of a centre's name, its
    town or village or its address (brief 2.3.8: a family finds its centre on a phone)."""

    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("code"),
        required=False,
        empty_label=_("All regions"),
        to_field_name="code",
    )
    q = forms.CharField(label=_("Name, town or village"), required=False, max_length=100)

    def clean_q(self) -> str:
        return " ".join(str(self.cleaned_data.get("q") or "").split())
