"""Cases: list and detail (through the access policy, audited), closure."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from qamqor.api import validated
from qamqor.cases import selectors, services
from qamqor.cases.forms import CloseCaseForm
from qamqor.cases.models import Case
from qamqor.protocols.models import Step

router = Router(tags=["cases"])


class OrganisationRef(Schema):
    code: str
    kind: str
    name: str


class ContactOut(Schema):
    full_name: str
    position: str
    email: str
    phone: str


class StepOut(Schema):
    key: str
    title: str
    organisation: OrganisationRef
    contact_person: ContactOut | None
    status: str
    opened_at: datetime | None
    due_at: datetime | None
    overdue: bool
    output: dict
    completed_at: datetime | None


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


class EventOut(Schema):
    kind: str
    at: datetime
    payload: dict


class CaseOut(CaseSummaryOut):
    summary: str
    repeated: bool | None
    child_age: int | None
    child_sex: str
    outcome: str
    outcome_note: str
    protocol: str | None
    steps: list[StepOut]
    events: list[EventOut]

    @staticmethod
    def resolve_protocol(obj: Case) -> str | None:
        steps = list(obj.steps.all())
        return str(steps[0].run.protocol) if steps else None

    @staticmethod
    def resolve_steps(obj: Case) -> list[Step]:
        return list(obj.steps.all())

    @staticmethod
    def resolve_events(obj: Case) -> list:
        return list(obj.events.all())


class CaseFilter(Schema):
    status: Case.Status | None = None
    form: str | None = None
    region: str | None = None


class CloseIn(Schema):
    outcome: str
    note: str = ""


@router.get("", response=list[CaseSummaryOut], summary="Cases you may see")
@paginate(LimitOffsetPagination)
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
    services.close_case(
        case=case,
        actor=request.user,  # type: ignore[arg-type]
        outcome=data["outcome"],
        note=data["note"],
    )
    return selectors.get_case_for_user(request.user, number, audit_read=False)  # type: ignore[arg-type]
