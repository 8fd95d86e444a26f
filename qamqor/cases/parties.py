"""The child and their legal representatives on a case: forms, services and the read.

A case is registered from a report that is often anonymous, so the child and the
parents are recorded afterwards by those who act on the case. Who a representative is
(name, relationship, phone, email, language) belongs to the child; what they are in
this case belongs to the case (``CaseRepresentative``): the alleged perpetrator of this
case, or "do not contact in this case" with a reason (a parent who covers for the
perpetrator without being one). Either way the engine never notifies them (brief 1.3.5,
1.4.2), marking one cancels the case's messages still waiting for their email or phone,
and the pages say so next to their name. Attaching a child, new or already known, and
adding a representative send the notices the protocol has already called for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.cases import services as case_services
from qamqor.cases.hooks import engine
from qamqor.cases.models import Case, CaseRepresentative, Child, LegalRepresentative
from qamqor.classification import ChildSex, Relationship
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.units import entry_point

PHONE_REGION = "KZ"
ADULT_AGE = 18


def normalise_phone(raw: str) -> str:
    """A phone number in E.164, read as a Kazakhstan number unless it starts with ``+``.

    ``8 701 123 45 67``, ``+7 701 123 4567`` and ``7011234567`` all give ``+77011234567``.
    A valid foreign number (a parent working abroad) is kept; an invalid one is refused.
    """
    text = raw.strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(
            _("Enter a valid phone number, for example +7 701 123 45 67."), code="phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _today() -> date:
    return timezone.localdate()  # the date in Kazakhstan (settings.TIME_ZONE)


class ChildForm(forms.Form):
    """Record the child of a case: a child already known by their code, or a new one."""

    existing_code = forms.CharField(
        label=_("Code of a child already recorded"),
        max_length=20,
        required=False,
        help_text=_("For example CH-7KQ2-M9XD. Leave empty to record a new child."),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to keep the child pseudonymous: only the code is then shown."),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=ChildSex.choices, initial=ChildSex.UNKNOWN)
    class_label = forms.CharField(
        label=_("Class"), max_length=20, required=False, help_text=_('For example "7B".')
    )

    def clean_existing_code(self) -> str:
        return str(self.cleaned_data.get("existing_code") or "").strip().upper()

    def clean_birth_date(self) -> date | None:
        born: date | None = self.cleaned_data.get("birth_date")
        if born is None:
            return None
        today = _today()
        if born > today:
            raise forms.ValidationError(_("The date of birth is in the future."))
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age >= ADULT_AGE:
            raise forms.ValidationError(_("Check the date of birth: the child is under 18."))
        return born


class LegalRepresentativeForm(forms.Form):
    """A parent or guardian of the child; the same form adds and corrects one."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    relationship = forms.ChoiceField(label=_("Relationship"), choices=Relationship.choices)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        help_text=_("A Kazakhstan number such as 8 701 123 45 67, or an international one."),
    )
    email = forms.EmailField(label=_("Email"), required=False)
    language = forms.ChoiceField(
        label=_("Language for notifications"), choices=settings.LANGUAGES, initial="ru"
    )
    is_alleged_perpetrator = forms.BooleanField(
        label=_("This person is the alleged perpetrator in this case"),
        required=False,
        help_text=_("They are never notified of the case and never told about it."),
    )
    do_not_contact = forms.BooleanField(
        label=_("Do not contact in this case"),
        required=False,
        help_text=_(
            "For a representative who is not the alleged perpetrator but must not be told "
            "(for example, one who covers for them). Say why below."
        ),
    )
    do_not_contact_reason = forms.CharField(
        label=_("Why they are not to be contacted"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_full_name(self) -> str:
        name = str(self.cleaned_data["full_name"]).strip()
        if not name:
            raise forms.ValidationError(_("This field is required."), code="required")
        return name

    def clean_phone(self) -> str:
        return normalise_phone(str(self.cleaned_data.get("phone") or ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reason = str(data.get("do_not_contact_reason") or "").strip()
        data["do_not_contact_reason"] = reason if data.get("do_not_contact") else ""
        if data.get("do_not_contact") and not reason:
            self.add_error(
                "do_not_contact_reason",
                forms.ValidationError(
                    _("Say why this representative is not to be contacted."), code="required"
                ),
            )
        return data


@dataclass(frozen=True)
class CaseParty:
    """A legal representative as this case sees them (their per-case link, if any)."""

    person: LegalRepresentative
    link: CaseRepresentative | None = None

    @property
    def is_alleged_perpetrator(self) -> bool:
        return bool(self.link and self.link.is_alleged_perpetrator)

    @property
    def do_not_contact(self) -> bool:
        return bool(self.link and self.link.do_not_contact)

    @property
    def do_not_contact_reason(self) -> str:
        return self.link.do_not_contact_reason if self.link else ""

    @property
    def may_be_notified(self) -> bool:
        return not (self.is_alleged_perpetrator or self.do_not_contact)


@dataclass
class Parties:
    """Who a case is about: the child (if recorded) and their legal representatives."""

    child: Child | None
    entries: list[CaseParty] = field(default_factory=list)

    @property
    def representatives(self) -> list[LegalRepresentative]:
        return [entry.person for entry in self.entries]

    @property
    def alleged_perpetrators(self) -> list[LegalRepresentative]:
        return [entry.person for entry in self.entries if entry.is_alleged_perpetrator]

    @property
    def not_to_contact(self) -> list[LegalRepresentative]:
        return [entry.person for entry in self.entries if entry.do_not_contact]


def case_parties(case: Case) -> Parties:
    """The case's child and representatives (the case itself was read through the policy);
    those who may be told first, then "do not contact", then alleged perpetrators."""
    if case.child_id is None:
        return Parties(child=None)
    child = Child.objects.filter(pk=case.child_id).select_related("school").first()
    if child is None:
        return Parties(child=None)
    links = {link.representative_id: link for link in CaseRepresentative.objects.filter(case=case)}
    entries = [
        CaseParty(person, links.get(person.pk)) for person in child.representatives.order_by("pk")
    ]
    entries.sort(key=lambda entry: (entry.is_alleged_perpetrator, entry.do_not_contact))
    return Parties(child=child, entries=entries)


def case_party(case: Case, person: LegalRepresentative) -> CaseParty:
    return CaseParty(
        person, CaseRepresentative.objects.filter(case=case, representative=person).first()
    )


def representative_on_case(case: Case, representative_id: int) -> LegalRepresentative:
    """A representative of the case's child; 404 for any other (never confirms it exists)."""
    person = (
        LegalRepresentative.objects.filter(pk=representative_id, child_id=case.child_id).first()
        if case.child_id
        else None
    )
    if person is None:
        raise Http404("representative")
    return person


def _check(user: User, case: Case) -> None:
    """Those who act on the case record its parties (the rule ``cases.Case`` /
    "edit_parties": whoever triages it and the organisations with a step on it)."""
    if not access.permits(user, "edit_parties", case):
        raise NotAllowed(_("Only the organisations acting on the case record its parties."))
    if case.is_closed:
        raise Conflict(_("The case is closed."))


@entry_point
def attach_child(*, case: Case, actor: User, data: dict[str, Any]) -> Child:
    """Record the case's child: an existing child by code (one the actor may see) or a new
    pseudonymous one. ``data`` is the cleaned data of ``ChildForm``."""
    _check(actor, case)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.child_id is not None:
        raise Conflict(_("A child is already recorded on this case."))
    code = str(data.get("existing_code") or "").strip().upper()
    created = not code
    if code:
        found = Child.objects.restrict(actor, "view").filter(code=code).first()
        if found is None:
            raise InvalidInput.on("existing_code", _("No child with this code is known to you."))
        child = found
    else:
        child = case_services.create_child(
            region=locked.region,
            school=locked.school,
            full_name=str(data.get("full_name") or ""),
            birth_date=data.get("birth_date"),
            sex=str(data.get("sex") or ChildSex.UNKNOWN),
            class_label=str(data.get("class_label") or ""),
        )
    Case.objects.filter(pk=locked.pk).update(child=child)
    case.child = child
    audit.record(
        actor=actor,
        action="case.child.attach",
        object_type="case",
        object_id=locked.number,
        changes={"child": child.code, "created": created, "named": bool(child.full_name)},
    )
    # a known child comes with their representatives: they are told what the protocol has
    # called for so far, as they would be if recorded now (1.3.5)
    engine().notify_legal_representatives(case)
    return child


def _audit_fields(person: LegalRepresentative, link: CaseRepresentative | None) -> dict[str, Any]:
    """What the audit log keeps of a representative: the facts, not the contact details
    (nor the reason not to contact them, which may name family matters)."""
    return {
        "representative": person.pk,
        "relationship": person.relationship,
        "is_alleged_perpetrator": bool(link and link.is_alleged_perpetrator),
        "do_not_contact": bool(link and link.do_not_contact),
        "has_phone": bool(person.phone),
        "has_email": bool(person.email),
        "language": person.language,
    }


def _set_link(
    case: Case, person: LegalRepresentative, actor: User, data: dict[str, Any]
) -> CaseRepresentative:
    """Record the person's flags in this case."""
    link = (
        CaseRepresentative.objects.select_for_update()
        .filter(case=case, representative=person)
        .first()
    )
    link = link or CaseRepresentative(case=case, representative=person)
    link.is_alleged_perpetrator = bool(data.get("is_alleged_perpetrator"))
    link.do_not_contact = bool(data.get("do_not_contact"))
    link.do_not_contact_reason = (
        str(data.get("do_not_contact_reason") or "").strip() if link.do_not_contact else ""
    )
    if link.do_not_contact and not link.do_not_contact_reason:
        raise InvalidInput.on(
            "do_not_contact_reason", _("Say why this representative is not to be contacted.")
        )
    link.updated_at = timezone.now()
    link.updated_by = actor
    link.save()
    return link


def _after_flags(case: Case, person: LegalRepresentative, link: CaseRepresentative) -> None:
    """Withhold what waits for a person who may no longer be told; then the notices already
    due in the case are sent to those who may be told (a mark removed, a person added),
    and the timeline says who was withheld and why."""
    if link.is_alleged_perpetrator:
        engine().withhold_pending_for(case, person, reason="alleged_perpetrator")
    elif link.do_not_contact:
        engine().withhold_pending_for(case, person, reason="do_not_contact")
    engine().notify_legal_representatives(case)


@entry_point
def add_legal_representative(
    *, case: Case, actor: User, data: dict[str, Any]
) -> LegalRepresentative:
    """Add a parent or guardian of the case's child, with their flags in this case.
    ``data``: ``LegalRepresentativeForm``'s cleaned data."""
    _check(actor, case)
    if case.child_id is None:
        raise Conflict(_("Record the child first."))
    person = LegalRepresentative.objects.create(
        child_id=case.child_id,
        full_name=str(data["full_name"]).strip(),
        relationship=data["relationship"],
        phone=data.get("phone") or "",
        email=(data.get("email") or "").strip(),
        language=data.get("language") or "ru",
    )
    link = _set_link(case, person, actor, data)
    # a notice the protocol already sent to the others reaches this person too (1.3.5)
    _after_flags(case, person, link)
    audit.record(
        actor=actor,
        action="case.representative.add",
        object_type="case",
        object_id=case.number,
        changes=_audit_fields(person, link),
    )
    return person


@entry_point
def update_legal_representative(
    *, case: Case, actor: User, representative: LegalRepresentative, data: dict[str, Any]
) -> LegalRepresentative:
    """Correct a representative and their flags in this case. Marking one as the alleged
    perpetrator or "do not contact" cancels the case's messages still waiting for their
    email or phone and says so on the timeline; the other cases of the child keep theirs."""
    _check(actor, case)
    if representative.child_id != case.child_id:
        raise Http404("representative")
    locked = LegalRepresentative.objects.select_for_update().get(pk=representative.pk)
    old_link = CaseRepresentative.objects.filter(case=case, representative=locked).first()
    before = _audit_fields(locked, old_link)
    locked.full_name = str(data["full_name"]).strip()
    locked.relationship = data["relationship"]
    locked.phone = data.get("phone") or ""
    locked.email = (data.get("email") or "").strip()
    locked.language = data.get("language") or locked.language
    locked.save()
    link = _set_link(case, locked, actor, data)
    # marked: what waits for them is cancelled; unmarked or a corrected phone or email:
    # the notices already due reach them (each address once)
    _after_flags(case, locked, link)
    audit.record(
        actor=actor,
        action="case.representative.update",
        object_type="case",
        object_id=case.number,
        changes={"before": before, "after": _audit_fields(locked, link)},
    )
    return locked
