"""Cases: list and detail (through the access policy, audited), closure, the child and
legal representatives, reclassification and the interagency thread."""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from qamqor.apikit import AuditedPagination, EventOut, OrganisationRef, validated
from qamqor.cases import parties, selectors, services, thread
from qamqor.cases.forms import CloseCaseForm
from qamqor.cases.models import Case, CaseMessage
from qamqor.cases.reclassification import ReclassifyForm, classification_of
from qamqor.directory.models import Organisation
from qamqor.protocols import services as protocol_services
from qamqor.protocols.models import Step
from qamqor.protocols.schemas import StepOut

router = Router(tags=["cases"])


class CaseSummaryOut(Schema):
    number: str
    region: str
    school: OrganisationRef | None
    status: str
    setting: str
    risk_level: str
    in_danger_now: bool
    forms: list[str]
    registered_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_region(obj: Case) -> str:
        return obj.region.code

    @staticmethod
    def resolve_forms(obj: Case) -> list[str]:
        return obj.form_codes


class RunOut(Schema):
    protocol: str
    started_at: datetime
    ended_at: datetime | None
    end_reason: str

    @staticmethod
    def resolve_protocol(obj: Any) -> str:
        return str(obj.protocol)


class CaseOut(CaseSummaryOut):
    summary: str
    repeated: bool | None
    perpetrator_relationship: str
    self_harm_risk: bool
    child_age: int | None
    child_sex: str
    child_code: str | None
    outcome: str
    outcome_note: str
    protocol: str | None
    protocol_runs: list[RunOut]
    steps: list[StepOut]
    events: list[EventOut]

    @staticmethod
    def resolve_protocol(obj: Case) -> str | None:
        """The protocol the case runs now (after a switch, not the one it started on)."""
        steps = list(obj.steps.all())
        current = [step for step in steps if step.run.ended_at is None]
        return str((current or steps)[0].run.protocol) if steps else None

    @staticmethod
    def resolve_child_code(obj: Case) -> str | None:
        return obj.child.code if obj.child_id and obj.child else None

    @staticmethod
    def resolve_protocol_runs(obj: Case) -> list[Any]:
        return list(obj.protocol_runs.select_related("protocol").order_by("started_at", "pk"))

    @staticmethod
    def resolve_steps(obj: Case) -> list[Step]:
        return list(obj.steps.all())

    @staticmethod
    def resolve_events(obj: Case) -> list[dict[str, Any]]:
        return [event.describe() for event in obj.events.all()]


_CASE_STATUS = {"type": "string", "enum": list(Case.Status.values)}


class CaseFilter(Schema):
    # inline, not a "Status" component: the referrals' status filter has that name
    status: Annotated[Case.Status, WithJsonSchema(_CASE_STATUS)] | None = None
    form: str | None = None
    region: str | None = None


class CloseIn(Schema):
    outcome: str
    note: str = ""


@router.get("", response=list[CaseSummaryOut], summary="Cases you may see")
@paginate(AuditedPagination, audit_as="case", audit_id="number")
def list_cases(request: HttpRequest, filters: Query[CaseFilter]) -> object:
    cases = selectors.case_list(request.user, **filters.dict())  # type: ignore[arg-type]
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.form:
        cases = cases.filter(forms__code=filters.form)
    if filters.region:
        cases = cases.filter(region__code=filters.region)
    return cases


@router.get("/{number}", response=CaseOut, summary="One case (the read is audited)")
def get_case(request: HttpRequest, number: str) -> Case:
    return selectors.get_case_for_user(request.user, number)  # type: ignore[arg-type]


@router.post("/{number}/close", response=CaseOut, summary="Close the case with an outcome")
def close_case(request: HttpRequest, number: str, payload: CloseIn) -> Case:
    case = selectors.get_case_for_user(request.user, number, audit_read=False)  # type: ignore[arg-type]
    data = validated(CloseCaseForm, payload.dict())
    services.close_case(case=case, actor=request.user, **data)  # type: ignore[arg-type]
    return selectors.get_case_for_user(request.user, number, audit_read=False)  # type: ignore[arg-type]


# --- the child and legal representatives -------------------------------------------------


class CaseChildOut(Schema):
    """The case's child as the case shows it (``school`` by code); the care app's
    ``ChildOut`` is another shape, so the two need their own names in the document."""

    code: str
    full_name: str
    birth_date: date | None
    sex: str
    class_label: str
    school: str | None

    @staticmethod
    def resolve_school(obj: Any) -> str | None:
        return obj.school.code if obj.school else None


class RepresentativeOut(Schema):
    """A legal representative, with what they are in this case (brief 1.3.5)."""

    id: int
    full_name: str
    relationship: str
    phone: str
    email: str
    language: str
    is_alleged_perpetrator: bool
    do_not_contact: bool
    do_not_contact_reason: str


def _representative_out(entry: parties.CaseParty) -> dict[str, Any]:
    person = entry.person
    return {
        "id": person.pk,
        "full_name": person.full_name,
        "relationship": person.relationship,
        "phone": person.phone,
        "email": person.email,
        "language": person.language,
        "is_alleged_perpetrator": entry.is_alleged_perpetrator,
        "do_not_contact": entry.do_not_contact,
        "do_not_contact_reason": entry.do_not_contact_reason,
    }


class PartiesOut(Schema):
    child: CaseChildOut | None
    representatives: list[RepresentativeOut]

    @staticmethod
    def resolve_representatives(obj: Any) -> list[dict[str, Any]]:
        return [_representative_out(entry) for entry in obj.entries]


class CaseChildIn(Schema):
    """An existing child by ``existing_code``, or a new one (pseudonymous without a name)."""

    existing_code: str = ""
    full_name: str = ""
    birth_date: date | None = None
    sex: str = "unknown"
    class_label: str = ""


class RepresentativeIn(Schema):
    full_name: str
    relationship: str
    phone: str = ""
    email: str = ""
    language: str = "ru"
    is_alleged_perpetrator: bool = False
    do_not_contact: bool = False
    do_not_contact_reason: str = ""


class RepresentativePatch(Schema):
    """Only the fields sent change."""

    full_name: str | None = None
    relationship: str | None = None
    phone: str | None = None
    email: str | None = None
    language: str | None = None
    is_alleged_perpetrator: bool | None = None
    do_not_contact: bool | None = None
    do_not_contact_reason: str | None = None


def _case(request: HttpRequest, number: str) -> Case:
    return selectors.get_case_for_user(request.user, number, audit_read=False)  # type: ignore[arg-type]


@router.get(
    "/{number}/parties",
    response=PartiesOut,
    summary="The case's child and legal representatives (the read is audited)",
)
def get_parties(request: HttpRequest, number: str) -> parties.Parties:
    case = selectors.get_case_for_user(
        request.user,  # type: ignore[arg-type]
        number,
        read_as="case.parties.read",
    )
    return parties.case_parties(case)


@router.post(
    "/{number}/child",
    response={201: PartiesOut},
    summary="Record the case's child: an existing one by code, or a new one",
)
def attach_child(request: HttpRequest, number: str, payload: CaseChildIn) -> Status[Any]:
    case = _case(request, number)
    data = validated(parties.ChildForm, payload.dict())
    parties.attach_child(case=case, actor=request.user, data=data)  # type: ignore[arg-type]
    return Status(201, parties.case_parties(_case(request, number)))


@router.post(
    "/{number}/representatives",
    response={201: RepresentativeOut},
    summary="Add a legal representative of the case's child",
)
def add_representative(request: HttpRequest, number: str, payload: RepresentativeIn) -> Status[Any]:
    case = _case(request, number)
    data = validated(parties.LegalRepresentativeForm, payload.dict())
    person = parties.add_legal_representative(case=case, actor=request.user, data=data)  # type: ignore[arg-type]
    return Status(201, _representative_out(parties.case_party(case, person)))


@router.patch(
    "/{number}/representatives/{representative_id}",
    response=RepresentativeOut,
    summary="Correct a legal representative and their flags in this case (alleged "
    "perpetrator; do not contact, with a reason): marking one cancels the messages still "
    "waiting for them",
)
def update_representative(
    request: HttpRequest, number: str, representative_id: int, payload: RepresentativePatch
) -> dict[str, Any]:
    case = _case(request, number)
    person = parties.representative_on_case(case, representative_id)
    current = _representative_out(parties.case_party(case, person))
    del current["id"]
    data = validated(
        parties.LegalRepresentativeForm, {**current, **payload.dict(exclude_unset=True)}
    )
    person = parties.update_legal_representative(
        case=case,
        actor=request.user,  # type: ignore[arg-type]
        representative=person,
        data=data,
    )
    return _representative_out(parties.case_party(case, person))


# --- reclassification ---------------------------------------------------------------------


class ReclassifyIn(Schema):
    """The new classification and why. A field not sent keeps its current value;
    ``repeated`` may be true, false or null (not known)."""

    reason: str
    forms: list[str] | None = None
    setting: str | None = None
    perpetrator_relationship: str | None = None
    risk_level: str | None = None
    in_danger_now: bool | None = None
    repeated: bool | None = None
    self_harm_risk: bool | None = None


@router.post(
    "/{number}/reclassify",
    response=CaseOut,
    summary="Reclassify the case; its protocol switches if the new classification calls "
    "for another one",
)
def reclassify(request: HttpRequest, number: str, payload: ReclassifyIn) -> Case:
    case = _case(request, number)
    sent = payload.dict(exclude_unset=True)
    data = validated(ReclassifyForm, {**ReclassifyForm.current(case), **sent})
    protocol_services.reclassify(
        case=case,
        actor=request.user,  # type: ignore[arg-type]
        classification=classification_of(data),
        reason=data["reason"],
    )
    return _case(request, number)


# --- interagency thread -----------------------------------------------------------------


class ReadReceiptOut(Schema):
    organisation: OrganisationRef
    read_by: str
    read_at: datetime


class MessageOut(Schema):
    id: int
    organisation: OrganisationRef
    author: str
    body: str
    created_at: datetime
    new: bool
    read_by: list[ReadReceiptOut]


class MessageIn(Schema):
    body: str


def _org(organisation: Organisation) -> dict[str, str]:
    return {"code": organisation.code, "kind": organisation.kind, "name": organisation.name}


def _message_out(message: CaseMessage, *, new: bool, receipts: list[Any]) -> dict[str, Any]:
    return {
        "id": message.pk,
        "organisation": _org(message.organisation),
        "author": str(message.author),
        "body": message.body,
        "created_at": message.created_at,
        "new": new,
        "read_by": [
            {
                "organisation": _org(receipt.organisation),
                "read_by": str(receipt.read_by),
                "read_at": receipt.read_at,
            }
            for receipt in receipts
        ],
    }


@router.get(
    "/{number}/messages",
    response=list[MessageOut],
    summary="The interagency thread; reading marks the messages read for your organisation",
)
@paginate(AuditedPagination, audit_as="case_message", audit_id="id")
def list_messages(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    case = _case(request, number)
    opened = thread.open_thread(case=case, reader=request.user)  # type: ignore[arg-type]
    return [
        _message_out(entry.message, new=entry.new, receipts=entry.receipts)
        for entry in opened.entries
    ]


@router.post(
    "/{number}/messages",
    response={201: MessageOut},
    summary="Write to the organisations on the case (they are notified in the application)",
)
def post_message(request: HttpRequest, number: str, payload: MessageIn) -> Status[Any]:
    case = _case(request, number)
    data = validated(thread.MessageForm, payload.dict())
    message = thread.post_message(case=case, author=request.user, **data)  # type: ignore[arg-type]
    others = list(
        message.receipts.select_related("organisation", "read_by").exclude(
            organisation_id=message.organisation_id
        )
    )
    return Status(201, _message_out(message, new=False, receipts=others))
