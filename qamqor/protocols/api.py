"""Task lists and step completion."""

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from qamqor.api import validated
from qamqor.cases import selectors
from qamqor.cases.api import OrganisationRef, StepOut
from qamqor.cases.forms import CompleteStepForm
from qamqor.protocols import services
from qamqor.protocols.models import Step

router = Router(tags=["steps"])


class TaskOut(Schema):
    case_number: str
    key: str
    title: str
    organisation: OrganisationRef
    status: str
    due_at: datetime | None
    overdue: bool

    @staticmethod
    def resolve_case_number(obj: Step) -> str:
        return obj.case.number


class CompleteIn(Schema):
    output: str


@router.get("tasks", response=list[TaskOut], summary="Open steps of your organisations")
@paginate(LimitOffsetPagination)
def task_list(request: HttpRequest) -> object:
    return (
        Step.objects.on_task_list_of(request.user)
        .open()
        .select_related("case", "organisation", "run__protocol")
        .order_by("due_at", "pk")
    )


@router.post("cases/{number}/steps/{key}/complete", response=StepOut, summary="Complete a step")
def complete_step(request: HttpRequest, number: str, key: str, payload: CompleteIn) -> Step:
    case = selectors.get_case_for_user(request.user, number, audit_read=False)  # type: ignore[arg-type]
    step = next((s for s in case.steps.all() if s.key == key), None)
    if step is None:
        raise Http404("step")
    data = validated(CompleteStepForm, payload.dict())
    services.complete_step(step=step, actor=request.user, output_text=data["output"])  # type: ignore[arg-type]
    return Step.objects.select_related(
        "organisation", "contact_person", "run__protocol", "case"
    ).get(pk=step.pk)
