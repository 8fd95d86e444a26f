"""The API's shapes of prevention documents, coverage and individual plans."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.urls import reverse
from ninja import Schema

from qamqor.prevention.models import IndividualPlan, PreventionDocument


class PreventionActivityOut(Schema):
    held_on: date
    kind: str
    audience: str
    participants: int
    note: str


class PreventionDocumentOut(Schema):
    id: UUID
    school: str
    kind: str
    school_year: int | None
    adopted_on: date | None
    title: str
    source: str
    status: str
    sections: dict[str, str]
    file: str | None
    created_at: datetime
    approved_at: datetime | None

    @staticmethod
    def resolve_id(obj: PreventionDocument) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_school(obj: PreventionDocument) -> str:
        return obj.school.code

    @staticmethod
    def resolve_file(obj: PreventionDocument) -> str | None:
        if obj.document_id is None:
            return None
        return reverse("prevention-file", kwargs={"public_id": obj.public_id})


class PreventionComposeIn(Schema):
    kind: str
    school: str = ""
    school_year: int | None = None
    adopted_on: date | None = None
    title: str = ""
    sections: dict[str, str]


class PreventionActivityIn(Schema):
    held_on: date
    kind: str
    audience: str
    participants: int
    note: str = ""


class PreventionSideOut(Schema):
    schools: int
    without_plan: int
    policy_outdated: int


class PreventionSchoolStandingOut(Schema):
    code: str
    name: str
    is_private: bool
    has_plan: bool
    policy_adopted_on: date | None
    policy_outdated: bool


class PreventionDistrictOut(Schema):
    district_id: int | None
    name: str
    region: str
    public: PreventionSideOut
    private: PreventionSideOut
    schools: list[PreventionSchoolStandingOut]


class PreventionCoverageOut(Schema):
    school_year: int
    as_of: date
    public: PreventionSideOut
    private: PreventionSideOut
    districts: list[PreventionDistrictOut]


class IndividualPlanIn(Schema):
    party: str
    for_case_child: bool = False
    child_label: str = ""
    measures: str
    responsible: str
    review_on: date


class IndividualPlanPatchIn(Schema):
    measures: str | None = None
    responsible: str | None = None
    review_on: date | None = None


class IndividualPlanOut(Schema):
    id: UUID
    case: str
    party: str
    child: str
    measures: str
    responsible: str
    review_on: date
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(obj: IndividualPlan) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_case(obj: IndividualPlan) -> str:
        return obj.case.number

    @staticmethod
    def resolve_child(obj: IndividualPlan) -> str:
        return obj.child.code if obj.child is not None else obj.child_label
