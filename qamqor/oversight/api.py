"""The recommendations tracker in the API (brief 3.2.2): public reads of every
recommendation with its evidence and history; the coordinating body's status changes and
evidence, through the same forms and services as the pages (docs/api.md)."""

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from qamqor.apikit import Pagination, errors, validated
from qamqor.apikit import request_user as _user
from qamqor.oversight import selectors, services
from qamqor.oversight.forms import EvidenceForm, StatusForm
from qamqor.oversight.models import Evidence, Recommendation
from qamqor.oversight.schemas import (
    EvidenceOut,
    RecommendationDetailOut,
    RecommendationOut,
    StatusPatchIn,
)

router = Router(tags=["recommendations tracker"])


class ListFilters(Schema):
    status: str = ""
    addressee: str = ""
    section: str = ""


def _detail(request: HttpRequest, number: str, action: str = "view") -> Recommendation:
    recommendation = selectors.get_recommendation(request.user, number, action)
    recommendation.history = list(selectors.history(recommendation))  # type: ignore[attr-defined]
    return recommendation


@router.get(
    "/recommendations",
    auth=None,
    response=list[RecommendationOut],
    summary="Every recommendation of the brief with its status and evidence (public)",
)
@paginate(Pagination)
def list_recommendations(request: HttpRequest, filters: Query[ListFilters]) -> Any:
    return selectors.recommendation_list(
        request.user, status=filters.status, addressee=filters.addressee, section=filters.section
    )


@router.get(
    "/recommendations/{number}",
    auth=None,
    response=RecommendationDetailOut,
    summary="One recommendation with its evidence and history (public)",
)
def get_recommendation(request: HttpRequest, number: str) -> Recommendation:
    return _detail(request, number)


@router.patch(
    "/recommendations/{number}",
    response={200: RecommendationDetailOut, **errors(403)},
    summary="Change the status or the responsible body (coordinating body)",
)
def update_recommendation(
    request: HttpRequest, number: str, payload: StatusPatchIn
) -> Recommendation:
    recommendation = selectors.get_recommendation(_user(request), number, "edit")
    sent = payload.dict(exclude_unset=True)
    organisation = recommendation.responsible_organisation
    data: dict[str, Any] = {
        "status": recommendation.status,
        "note": "",
        "responsible_organisation": organisation.code if organisation else "",
        "responsible_text": recommendation.responsible_text,
    }
    if "responsible_organisation" in sent or "responsible_text" in sent:
        data["responsible_organisation"] = data["responsible_text"] = ""
    data.update({name: value or "" for name, value in sent.items()})
    services.change_status(
        actor=_user(request), recommendation=recommendation, **validated(StatusForm, data)
    )
    return _detail(request, number)


@router.post(
    "/recommendations/{number}/evidence",
    response={201: EvidenceOut, **errors(403)},
    summary="Add evidence: a link and/or a PDF, JPEG or PNG (multipart, field `document`)",
)
def add_evidence(
    request: HttpRequest,
    number: str,
    title: Form[str],
    url: Form[str] = "",
    note: Form[str] = "",
    document: File[UploadedFile | None] = None,
) -> Status[Evidence]:
    recommendation = selectors.get_recommendation(_user(request), number, "edit")
    data = validated(
        EvidenceForm,
        {"title": title, "url": url, "note": note},
        files={"document": document} if document else {},
    )
    evidence = services.add_evidence(actor=_user(request), recommendation=recommendation, **data)
    return Status(201, evidence)
