"""Task lists, step completion, "who holds the ball" and protocol versions."""

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from qamqor.apikit import OrganisationRef, Pagination
from qamqor.cases import selectors as case_selectors
from qamqor.protocols import selectors, services
from qamqor.protocols.models import Step
from qamqor.protocols.schemas import ContactOut, StepOut

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
    """The step's output: an object with one value per output field (see the case's
    steps), or a plain text for a step whose only field is a text."""

    output: dict[str, Any] | str


@router.get("tasks", response=list[TaskOut], summary="Open steps of your organisations")
@paginate(Pagination)
def task_list(request: HttpRequest) -> object:
    return (
        Step.objects.restrict(request.user, "view")
        .open()
        .select_related("case", "organisation", "run__protocol")
        .order_by("due_at", "pk")
    )


@router.post("cases/{number}/steps/{key}/complete", response=StepOut, summary="Complete a step")
def complete_step(request: HttpRequest, number: str, key: str, payload: CompleteIn) -> Step:
    case = case_selectors.get_case_for_user(request.user, number, audit_read=False)  # type: ignore[arg-type]
    step = selectors.step_on_case(case, key)
    services.complete_step(step=step, actor=request.user, output=payload.output)  # type: ignore[arg-type]
    return Step.objects.select_related(
        "organisation", "contact_person", "run__protocol", "case"
    ).get(pk=step.pk)


# --- who holds the ball -----------------------------------------------------------------


class OpenStepOut(Schema):
    """An open step: who holds it, since when, until when."""

    case_number: str
    region: str
    key: str
    title: str
    organisation: OrganisationRef
    contact_person: ContactOut | None
    opened_at: datetime | None
    due_at: datetime | None
    overdue: bool
    waited_seconds: int
    overdue_seconds: int
    escalation_level: int

    @staticmethod
    def resolve_case_number(obj: Step) -> str:
        return obj.case.number

    @staticmethod
    def resolve_region(obj: Step) -> str:
        return obj.case.region.code

    @staticmethod
    def resolve_waited_seconds(obj: Step, context: dict[str, Any]) -> int:
        now = context["request"].qamqor_now
        return int((now - obj.opened_at).total_seconds()) if obj.opened_at else 0

    @staticmethod
    def resolve_overdue_seconds(obj: Step, context: dict[str, Any]) -> int:
        now = context["request"].qamqor_now
        return max(0, int((now - obj.due_at).total_seconds())) if obj.due_at else 0


class OpenStepFilter(Schema):
    region: str | None = None
    organisation_kind: str | None = None
    overdue_only: bool = False


@router.get(
    "steps/open",
    response=list[OpenStepOut],
    summary="Who holds the ball: every open step you may see, overdue first",
)
@paginate(Pagination)
def open_steps(request: HttpRequest, filters: Query[OpenStepFilter]) -> object:
    user = request.user
    if not selectors.may_see_open_steps(user):
        raise Http404("open steps")
    now = timezone.now()
    # One "now" for the whole list: the waiting times are measured from it.
    request.qamqor_now = now  # type: ignore[attr-defined]
    return selectors.open_steps(
        user,  # type: ignore[arg-type]
        region=filters.region,
        organisation_kind=filters.organisation_kind,
        overdue_only=filters.overdue_only,
        now=now,
    )


# --- protocol versions ----------------------------------------------------------------------


class VersionOut(Schema):
    code: str
    version: int
    title: str
    status: str
    published_at: datetime | None
    published_by: str | None
    running_cases: int
    changed_on_disk: bool


class ProtocolOut(Schema):
    code: str
    title: str
    published_version: int | None
    versions: list[VersionOut]


class DiffOut(Schema):
    against_version: int | None
    added: list[str]
    removed: list[str]
    changed: list[str]
    unified: list[str]


class VersionDetailOut(VersionOut):
    definition: dict[str, Any]
    diff: DiffOut | None


def _reader(request: HttpRequest) -> None:
    if not selectors.may_see_protocols(request.user):
        raise Http404("protocols")


def _version_out(row: selectors.VersionRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "version": row.version,
        "title": row.title,
        "status": row.status,
        "published_at": row.published_at,
        "published_by": row.published_by.get_username() if row.published_by else None,
        "running_cases": row.running_cases,
        "changed_on_disk": row.changed_on_disk,
    }


def _detail_out(detail: selectors.VersionDetail) -> dict[str, Any]:
    row = detail.row
    return {
        **_version_out(row),
        "definition": row.definition,
        "diff": (
            {
                **detail.diff,
                "against_version": detail.against.version if detail.against else None,
            }
            if detail.diff is not None
            else None
        ),
    }


@router.get("protocols", response=list[ProtocolOut], summary="Protocols and their versions")
def protocol_list(request: HttpRequest) -> list[dict[str, Any]]:
    _reader(request)
    return [
        {
            "code": entry.code,
            "title": entry.title,
            "published_version": entry.published.version if entry.published else None,
            "versions": [_version_out(row) for row in entry.versions],
        }
        for entry in selectors.catalogue()
    ]


@router.get(
    "protocols/{code}/{version}",
    response=VersionDetailOut,
    summary="One version, with what it changes against the published one",
)
def protocol_version(request: HttpRequest, code: str, version: int) -> dict[str, Any]:
    _reader(request)
    return _detail_out(selectors.version_detail(code, version))


@router.post(
    "protocols/{code}/{version}/publish",
    response=VersionDetailOut,
    summary="Publish a version: new cases start on it (national coordinator)",
)
def protocol_publish(request: HttpRequest, code: str, version: int) -> dict[str, Any]:
    _reader(request)
    selectors.version_detail(code, version)  # 404 for an unknown version
    services.publish(code=code, version=version, actor=request.user)  # type: ignore[arg-type]
    return _detail_out(selectors.version_detail(code, version))


# --- notices to legal representatives (qamqor.protocols.notice_api) ----------------------

from qamqor.protocols.notice_api import router as notice_router  # noqa: E402

router.add_router("", notice_router)
