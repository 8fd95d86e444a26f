"""Anonymous appeals in the API, mounted under ``/care`` beside psychological support
(``qamqor.api``): the paths, URL names and operation ids are those the appeals had when
they were part of ``care.api``, which clients and docs/api.md rely on."""

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from qamqor.apikit import CsrfSessionAuth, Pagination, errors, validated
from qamqor.apikit import request_user as _user
from qamqor.appeals import selectors, services
from qamqor.appeals.forms import (
    AppealAnswerForm,
    AppealFollowUpForm,
    AppealForm,
    appeal_arguments,
)
from qamqor.appeals.models import Appeal
from qamqor.appeals.schemas import (
    AnswerIn,
    AppealAccepted,
    AppealIn,
    AppealOut,
    AppealStatusOut,
    CodeIn,
)

router = Router(tags=["psychological support"])


def _operation_id(name: str) -> str:
    """The operation id an appeal endpoint had in ``care.api`` (the default names the module)."""
    return f"qamqor_care_api_{name}"


@router.post(
    "/appeals",
    auth=[CsrfSessionAuth()],
    response={201: AppealAccepted},
    summary="Send an anonymous appeal to the coordinating body (signed-in session only)",
    operation_id=_operation_id("submit_appeal"),
)
def submit_appeal(request: HttpRequest, payload: AppealIn) -> Status[Any]:
    """Session only: token authentication records when a token was last used, which
    could date the appeal. The response carries no identifier of the appeal."""
    data = validated(AppealForm, payload.dict())
    submitted = services.submit_appeal(actor=_user(request), **appeal_arguments(data))
    return Status(201, {"followup_code": submitted.followup_code, "week": submitted.appeal.week})


@router.post(
    "/appeals/follow-up",
    response={200: AppealStatusOut, **errors(404)},
    summary="The answer to my appeal",
    operation_id=_operation_id("appeal_follow_up"),
)
def appeal_follow_up(request: HttpRequest, payload: CodeIn) -> Appeal:
    data = validated(AppealFollowUpForm, payload.dict())
    appeal = services.find_appeal(data["code"])
    if appeal is None:
        raise Http404("appeal")
    return appeal


@router.get(
    "/appeals",
    response=list[AppealOut],
    summary="Appeals (coordinating body only)",
    operation_id=_operation_id("list_appeals"),
)
@paginate(Pagination)  # anonymous by design: no author, the week only
def list_appeals(request: HttpRequest) -> object:
    return selectors.appeal_list(_user(request))


@router.get(
    "/appeals/{appeal_id}",
    response=AppealOut,
    summary="One appeal",
    operation_id=_operation_id("get_appeal"),
)
def get_appeal(request: HttpRequest, appeal_id: UUID) -> Appeal:
    return selectors.get_appeal_for_user(_user(request), appeal_id)


@router.post(
    "/appeals/{appeal_id}/answer",
    response=AppealOut,
    summary="Answer an appeal",
    operation_id=_operation_id("answer_appeal"),
)
def answer_appeal(request: HttpRequest, appeal_id: UUID, payload: AnswerIn) -> Appeal:
    appeal = selectors.get_appeal_for_user(_user(request), appeal_id)
    data = validated(AppealAnswerForm, payload.dict())
    return services.answer_appeal(
        actor=_user(request), appeal=appeal, status=data["status"], response=data["response"]
    )
