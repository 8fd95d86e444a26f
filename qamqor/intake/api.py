"""Reports: public submission (with Idempotency-Key), triage and registration."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from ninja.params.functions import Header  # the typed form of ninja.Header(default, alias=…)

from qamqor.apikit import AuditedPagination, errors, validated
from qamqor.cases import services as case_services
from qamqor.cases.forms import DismissReportForm, RegisterCaseForm
from qamqor.errors import InvalidInput
from qamqor.intake import limits, selectors, services
from qamqor.intake.forms import ReportForm
from qamqor.intake.models import Report

followup_router = Router(tags=["follow-up"])


class FollowupIn(Schema):
    code: str


class FollowupMessageIn(Schema):
    code: str
    body: str


class ThreadMessage(Schema):
    sender: str
    body: str
    created_at: datetime


class FollowupOut(Schema):
    status: str
    status_text: str
    case_number: str | None
    messages: list[ThreadMessage]


def _followup_report(request: HttpRequest, code: str) -> Report:
    limits.check_public(request, "followup", field="code")
    try:
        return services.report_for_code(code)
    except InvalidInput:
        limits.code_failed("followup")
        raise


def _followup_body(report: Report) -> dict[str, object]:
    # only what the reporter may see: no staff names, no notes, no other parties
    return {
        "status": report.status,
        "status_text": services.reporter_status(report),
        "case_number": report.case.number if report.case else None,
        "messages": [
            {"sender": m.sender, "body": m.body, "created_at": m.created_at}
            for m in report.messages.only("sender", "body", "created_at")
        ],
    }


@followup_router.post("", auth=None, response=FollowupOut, summary="Follow a report by its code")
def followup(request: HttpRequest, payload: FollowupIn) -> dict[str, object]:
    """The code goes in the body (never in an address, which logs and history keep)."""
    return _followup_body(_followup_report(request, payload.code))


@followup_router.post(
    "/messages", auth=None, response={201: FollowupOut}, summary="Write to the handler"
)
def followup_message(request: HttpRequest, payload: FollowupMessageIn) -> Status[Any]:
    report = _followup_report(request, payload.code)
    services.post_reporter_message(report=report, body=payload.body)
    return Status(201, _followup_body(report))


router = Router(tags=["reports"])


class ReportIn(Schema):
    school: str
    narrative: str
    forms: list[str] = []
    setting: str = "unknown"
    in_danger_now: bool = False
    self_harm_risk: bool = False
    anonymous: bool = True
    reporter_role: str = "child"
    reporter_name: str = ""
    reporter_contact: str = ""


class ReportAccepted(Schema):
    id: UUID
    status: str
    followup_code: str
    received_at: datetime


class ReportOut(Schema):
    id: UUID
    channel: str
    school: str | None
    region: str
    status: str
    narrative: str
    forms: list[str]
    setting: str
    in_danger_now: bool
    self_harm_risk: bool
    anonymous: bool
    reporter_role: str
    reporter_name: str
    reporter_contact: str
    received_at: datetime
    case_number: str | None

    @staticmethod
    def resolve_id(obj: Report) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_school(obj: Report) -> str | None:
        return obj.school.code if obj.school else None

    @staticmethod
    def resolve_region(obj: Report) -> str:
        return obj.region.code

    @staticmethod
    def resolve_case_number(obj: Report) -> str | None:
        return obj.case.number if obj.case else None


class RegisterIn(Schema):
    summary: str
    forms: list[str] = []
    setting: str
    risk_level: str
    in_danger_now: bool = False
    repeated: bool | None = None
    child_age: int | None = None
    child_sex: str = "unknown"
    perpetrator_relationship: str = "unknown"
    self_harm_risk: bool = False
    school: str = ""


class DismissIn(Schema):
    reason: str


class Registered(Schema):
    number: str


@router.post(
    "",
    auth=None,
    # 409: an Idempotency-Key already used for other content
    response={201: ReportAccepted, 200: ReportAccepted, **errors(409)},
    summary="Submit a report (public)",
)
def submit_report(
    request: HttpRequest,
    response: HttpResponse,
    payload: ReportIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status[Any]:
    """Anyone may report; a retry with the same ``Idempotency-Key`` returns the first result.

    Counted against the same per-address limit as the report form (``limits``)."""
    limits.check_public(request, "report", field="narrative")
    school = services.find_school(payload.school)
    if school is None:
        raise InvalidInput.on("school", _("No school has this code."))
    data = validated(ReportForm, payload.dict(exclude={"school"}))
    submitted = services.submit_report(
        school=school,
        data=data,
        language=(get_language() or "ru")[:2],
        idempotency_key=idempotency_key,
    )
    if not submitted.created:
        response["Idempotent-Replayed"] = "true"
    report = submitted.report
    return Status(
        201 if submitted.created else 200,
        {
            "id": report.public_id,
            "status": report.status,
            "followup_code": submitted.followup_code,
            "received_at": report.received_at,
        },
    )


def _visible_report(request: HttpRequest, public_id: UUID, *, audit_read: bool = False) -> Report:
    return selectors.get_report_for_user(
        request.user,  # type: ignore[arg-type]
        public_id,
        audit_read=audit_read,
    )


@router.get(
    "",
    response={200: list[ReportOut], **errors(404)},  # 404: an unknown status
    summary="Reports awaiting triage",
)
@paginate(AuditedPagination, audit_as="report", audit_id="public_id")  # narratives, contacts
def list_reports(request: HttpRequest, status: str = "new") -> object:
    reports = Report.objects.restrict(request.user, "view").select_related(
        "school", "region", "case"
    )
    if status not in {choice for choice, _label in Report.Status.choices}:
        raise Http404
    return reports.filter(status=status).order_by("-received_at", "-pk")


@router.get("/{public_id}", response=ReportOut, summary="One report")
def get_report(request: HttpRequest, public_id: UUID) -> Report:
    return _visible_report(request, public_id, audit_read=True)


@router.post("/{public_id}/register", response={201: Registered}, summary="Register as a case")
def register(request: HttpRequest, public_id: UUID, payload: RegisterIn) -> Status[Any]:
    report = _visible_report(request, public_id)
    classification = validated(RegisterCaseForm, payload.dict())
    case = case_services.register_case(
        report=report,
        actor=request.user,  # type: ignore[arg-type]
        classification=classification,
    )
    return Status(201, {"number": case.number})


@router.post("/{public_id}/dismiss", response=ReportOut, summary="Dismiss without a case")
def dismiss(request: HttpRequest, public_id: UUID, payload: DismissIn) -> Report:
    report = _visible_report(request, public_id)
    data = validated(DismissReportForm, payload.dict())
    return services.dismiss_report(report=report, actor=request.user, **data)  # type: ignore[arg-type]
