"""The prevention operations in the API, under /api/v1/prevention/ (docs/api.md): a
school's plans and policies (composed or uploaded, approved by the head, activities), the
coordinators' coverage, and a case's individual plans. Each calls the pages' service with
the pages' form's cleaned data."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from qamqor.accounts import access
from qamqor.apikit import errors, validated
from qamqor.apikit import request_user as _user
from qamqor.errors import InvalidInput
from qamqor.prevention import selectors, services
from qamqor.prevention.forms import (
    SECTION_PREFIX,
    ActivityForm,
    ComposeForm,
    IndividualPlanChangeForm,
    IndividualPlanForm,
    UploadForm,
)
from qamqor.prevention.models import DocumentKind, IndividualPlan, PreventionDocument
from qamqor.prevention.schemas import (
    IndividualPlanIn,
    IndividualPlanOut,
    IndividualPlanPatchIn,
    PreventionActivityIn,
    PreventionActivityOut,
    PreventionComposeIn,
    PreventionCoverageOut,
    PreventionDocumentOut,
)

router = Router(tags=["prevention"])


def _gate(request: HttpRequest, name: str) -> None:
    if not access.allows(request.user, name):
        raise Http404(name)


@router.get(
    "/documents",
    response={200: list[PreventionDocumentOut], **errors(404)},
    summary="The plans and policies of the schools you work at or head",
)
def list_documents(request: HttpRequest) -> Any:
    _gate(request, "prevention")
    user = _user(request)
    return [
        document
        for school in selectors.keeping_schools(user)
        for document in selectors.school_documents(user, school).select_related("school")
    ]


@router.post(
    "/documents",
    response={201: PreventionDocumentOut, **errors(403, 404, 409)},
    summary="Compose a plan or policy from the template's sections (a draft)",
)
def compose_document(
    request: HttpRequest, payload: PreventionComposeIn
) -> Status[PreventionDocument]:
    _gate(request, "prevention")
    user = _user(request)
    if payload.kind not in DocumentKind.values:
        validated(UploadForm, {"kind": payload.kind}, user=user)  # 422 naming "kind"
    data: dict[str, Any] = {
        "school": payload.school,
        "title": payload.title,
        "school_year": payload.school_year or "",
        "adopted_on": payload.adopted_on or "",
        **{SECTION_PREFIX + key: text for key, text in payload.sections.items()},
    }
    cleaned = validated(ComposeForm, data, user=user, kind=payload.kind)
    return Status(201, services.save_document(actor=user, **cleaned))


@router.post(
    "/documents/upload",
    response={201: PreventionDocumentOut, **errors(403, 404, 409)},
    summary="Upload a plan or policy: a PDF, JPEG or PNG (multipart, field `document`)",
)
def upload_document(
    request: HttpRequest,
    kind: Form[str],
    document: File[UploadedFile],
    school: Form[str] = "",
    school_year: Form[str] = "",
    adopted_on: Form[str] = "",
    title: Form[str] = "",
) -> Status[PreventionDocument]:
    _gate(request, "prevention")
    user = _user(request)
    cleaned = validated(
        UploadForm,
        {
            "kind": kind,
            "school": school,
            "school_year": school_year,
            "adopted_on": adopted_on,
            "title": title,
        },
        files={"document": document},
        user=user,
    )
    return Status(201, services.save_document(actor=user, **cleaned))


@router.get("/documents/{public_id}", response=PreventionDocumentOut, summary="One plan or policy")
def get_document(request: HttpRequest, public_id: UUID) -> PreventionDocument:
    return selectors.get_document(request.user, public_id)


@router.post(
    "/documents/{public_id}/approve",
    response={200: PreventionDocumentOut, **errors(403, 409)},
    summary="Approve a draft plan or policy (the school's head)",
)
def approve_document(request: HttpRequest, public_id: UUID) -> PreventionDocument:
    user = _user(request)
    document = selectors.get_document(user, public_id, "approve")
    return services.approve_document(actor=user, document=document)


@router.post(
    "/documents/{public_id}/activities",
    response={201: PreventionActivityOut, **errors(403)},
    summary="Record prevention work held under a plan",
)
def add_activity(
    request: HttpRequest, public_id: UUID, payload: PreventionActivityIn
) -> Status[Any]:
    user = _user(request)
    plan = selectors.get_document(user, public_id, "edit")
    cleaned = validated(ActivityForm, payload.dict())
    return Status(201, services.add_activity(actor=user, plan=plan, **cleaned))


@router.get(
    "/coverage",
    response={200: PreventionCoverageOut, **errors(404)},
    summary="Schools without an approved plan or with an outdated policy, by district",
)
def coverage(request: HttpRequest, district: int | None = None) -> dict[str, Any]:
    _gate(request, "prevention_coverage")
    if district is not None and not 0 < district < 2**31:
        raise InvalidInput.on("district", _("No such district."))
    today = timezone.localdate()
    report = selectors.coverage(request.user, today=today, district=district)

    def side(counts: Any) -> dict[str, int]:
        return {
            "schools": counts.schools,
            "without_plan": counts.without_plan,
            "policy_outdated": counts.policy_outdated,
        }

    return {
        "school_year": report.school_year,
        "as_of": today,
        "public": side(report.public),
        "private": side(report.private),
        "districts": [
            {
                "district_id": row.district_id,
                "name": row.name,
                "region": row.region,
                "public": side(row.public),
                "private": side(row.private),
                "schools": [
                    {
                        "code": s.school.code,
                        "name": s.school.name,
                        "is_private": s.school.is_private,
                        "has_plan": s.has_plan,
                        "policy_adopted_on": s.policy_adopted_on,
                        "policy_outdated": s.policy_outdated,
                    }
                    for s in row.schools
                ],
            }
            for row in report.districts
        ],
    }


@router.get(
    "/cases/{number}/individual-plans",
    response=list[IndividualPlanOut],
    summary="A case's individual plans (personal data: the read is audited)",
)
def list_individual_plans(request: HttpRequest, number: str) -> list[IndividualPlan]:
    case = selectors.case_for_plans(request.user, number)
    return selectors.individual_plans(request.user, case)


@router.post(
    "/cases/{number}/individual-plans",
    response={201: IndividualPlanOut, **errors(403, 409)},
    summary="Draw up the individual plan of a child of the case, after the decision",
)
def add_individual_plan(
    request: HttpRequest, number: str, payload: IndividualPlanIn
) -> Status[IndividualPlan]:
    user = _user(request)
    case = selectors.case_for_plans(user, number, "plan_individually")
    cleaned = validated(IndividualPlanForm, payload.dict())
    return Status(201, services.add_individual_plan(actor=user, case=case, **cleaned))


@router.patch(
    "/individual-plans/{public_id}",
    response={200: IndividualPlanOut, **errors(403)},
    summary="Change an individual plan's measures, person responsible or review date",
)
def change_individual_plan(
    request: HttpRequest, public_id: UUID, payload: IndividualPlanPatchIn
) -> IndividualPlan:
    user = _user(request)
    plan = selectors.get_individual_plan(user, public_id, "edit")
    current: dict[str, str | date] = {
        "measures": plan.measures,
        "responsible": plan.responsible,
        "review_on": plan.review_on,
    }
    current.update({k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None})
    cleaned = validated(IndividualPlanChangeForm, current)
    return services.update_individual_plan(actor=user, plan=plan, **cleaned)
