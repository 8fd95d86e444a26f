"""Psychological support: caseload, consent, the crisis exception, sharing, consultations,
supervision, the work log and the workload report (anonymous appeals: ``appeals.api``)."""

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from qamqor.accounts.models import User
from qamqor.apikit import (
    AuditedPagination,
    validated,
)
from qamqor.apikit import request_user as _user
from qamqor.care import selectors
from qamqor.care.forms import (
    ChildForm,
    ConsentForm,
    ConsultationForm,
    CrisisBasisForm,
    EnrolmentForm,
    ShareForm,
    SupervisionForm,
    WithdrawConsentForm,
    WorkWeekForm,
    care_organisation,
    child_arguments,
    consent_arguments,
    consultation_arguments,
    crisis_basis_arguments,
    resolve_region,
    share_arguments,
    supervision_arguments,
)
from qamqor.care.models import (
    ConsentRecord,
    Consultation,
    CrisisBasis,
    WorkCategory,
)
from qamqor.care.schemas import (
    CaseloadOut,
    ChildCareOut,
    ChildIn,
    ChildOut,
    ConsentIn,
    ConsentOut,
    ConsultationIn,
    ConsultationOut,
    CrisisBasisIn,
    CrisisBasisOut,
    EnrolmentIn,
    ShareIn,
    ShareOut,
    SupervisionIn,
    SupervisionOut,
    WithdrawIn,
    WorkloadOut,
    WorkloadQuery,
    WorkWeekIn,
    WorkWeekOut,
)
from qamqor.care.services import children as child_services
from qamqor.care.services import consent as consent_services
from qamqor.care.services import consultations as consultation_services
from qamqor.care.services import crisis as crisis_services
from qamqor.care.services import sharing as sharing_services
from qamqor.care.services import supervision as supervision_services
from qamqor.care.services import worklog as worklog_services
from qamqor.cases.models import Child
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.errors import InvalidInput

router = Router(tags=["psychological support"])


# --- helpers ------------------------------------------------------------------------------


def _child(request: HttpRequest, code: str, *, audit_read: bool = False) -> Child:
    return selectors.get_child_for_user(_user(request), code, audit_read=audit_read)


# --- caseload and children ----------------------------------------------------------------


@router.get("/caseload", response=CaseloadOut, summary="My caseload")
def caseload(request: HttpRequest) -> dict[str, Any]:
    load = selectors.caseload(_user(request))
    return {
        "active_children": [{**row, "child": row["child"].code} for row in load.active],
        "next_appointments": [
            {
                "consultation": c.public_id,
                "child": c.child.code if c.child else None,
                "next_appointment_at": c.next_appointment_at,
            }
            for c in load.next_appointments
        ],
        "overdue_follow_ups": [
            {
                "consultation": c.public_id,
                "child": c.child.code if c.child else None,
                "next_appointment_at": c.next_appointment_at,
            }
            for c in load.overdue_follow_ups
        ],
        "crisis": load.crisis,
        "referrals_awaiting_answer": load.incoming,
    }


@router.post("/children", response={201: ChildOut}, summary="Record a child you start working with")
def register_child(request: HttpRequest, payload: ChildIn) -> Status[Any]:
    data = validated(ChildForm, payload.dict())
    user = _user(request)
    child = child_services.register_child(actor=user, **child_arguments(user, data))
    return Status(201, child)


@router.get("/children/{code}", response=ChildCareOut, summary="A child's care record (audited)")
def child_care(request: HttpRequest, code: str) -> dict[str, Any]:
    child = _child(request, code, audit_read=True)
    care = selectors.child_care(_user(request), child)
    for basis in care.crisis_bases:
        basis.used = care.crisis_used.get(basis.pk, 0)  # type: ignore[attr-defined]
    return {
        "child": child,
        "consents": care.consents,
        "crisis_bases": care.crisis_bases,
        "consultations": care.consultations,
        "referrals": care.referrals,
    }


@router.post(
    "/children/{code}/consents", response={201: ConsentOut}, summary="Record a consent (1.3.4)"
)
def record_consent(request: HttpRequest, code: str, payload: ConsentIn) -> Status[Any]:
    child = _child(request, code)
    data = validated(ConsentForm, payload.dict())
    user = _user(request)
    consent = consent_services.record_consent(actor=user, **consent_arguments(user, child, data))
    return Status(201, consent)


@router.post("/consents/{public_id}/withdraw", response=ConsentOut, summary="Withdraw, at once")
def withdraw_consent(request: HttpRequest, public_id: UUID, payload: WithdrawIn) -> ConsentRecord:
    consent = selectors.get_consent_for_user(_user(request), public_id)
    data = validated(WithdrawConsentForm, payload.dict())
    return consent_services.withdraw_consent(
        actor=_user(request), consent=consent, note=data["note"]
    )


@router.post(
    "/children/{code}/crisis-bases",
    response={201: CrisisBasisOut},
    summary="Open the crisis exception (PSC; reported to the coordinator)",
)
def record_crisis_basis(request: HttpRequest, code: str, payload: CrisisBasisIn) -> Status[Any]:
    child = _child(request, code)
    data = validated(CrisisBasisForm, payload.dict())
    user = _user(request)
    basis = crisis_services.record_crisis_basis(
        actor=user, child=child, **crisis_basis_arguments(user, data)
    )
    return Status(201, basis)


@router.get("/crisis-bases", response=list[CrisisBasisOut], summary="Crisis exceptions you oversee")
@paginate(AuditedPagination, audit_as="crisis_basis", audit_id="public_id")
def list_crisis_bases(request: HttpRequest) -> list[CrisisBasis]:
    return selectors.crisis_exceptions(_user(request))


@router.post("/crisis-bases/{public_id}/close", response=CrisisBasisOut, summary="End it")
def close_crisis_basis(request: HttpRequest, public_id: UUID) -> CrisisBasis:
    basis = selectors.get_crisis_basis_for_user(_user(request), public_id)
    return crisis_services.close_crisis_basis(actor=_user(request), basis=basis)


@router.post(
    "/children/{code}/shares",
    response={201: ShareOut},
    summary="Share a child's data with another organisation (consent, legal basis or override)",
)
def share_child(request: HttpRequest, code: str, payload: ShareIn) -> Status[Any]:
    child = _child(request, code)
    data = validated(ShareForm, payload.dict())
    user = _user(request)
    share = sharing_services.share_child(actor=user, child=child, **share_arguments(user, data))
    return Status(201, share)


# --- consultations ------------------------------------------------------------------------


@router.get("/consultations", response=list[ConsultationOut], summary="Consultations you may see")
@paginate(AuditedPagination, audit_as="consultation", audit_id="public_id")
def list_consultations(request: HttpRequest) -> object:
    return selectors.consultations_for(_user(request)).select_related("case")


@router.post("/consultations", response={201: ConsultationOut}, summary="Record a consultation")
def record_consultation(request: HttpRequest, payload: ConsultationIn) -> Status[Any]:
    data = validated(ConsultationForm, payload.dict())
    child = _child(request, data["child"]) if data["child"] else None
    user = _user(request)
    consultation = consultation_services.record_consultation(
        actor=user, child=child, **consultation_arguments(user, data)
    )
    return Status(201, consultation)


@router.get("/consultations/{public_id}", response=ConsultationOut, summary="One consultation")
def get_consultation(request: HttpRequest, public_id: UUID) -> Consultation:
    return selectors.get_consultation_for_user(_user(request), public_id)


# --- supervision --------------------------------------------------------------------------


@router.get("/supervision", response=list[SupervisionOut], summary="Supervision and intervision")
@paginate(AuditedPagination, audit_as="supervision", audit_id="public_id")
def list_supervision(request: HttpRequest) -> object:
    return selectors.supervision_sessions(_user(request))


@router.post("/supervision", response={201: SupervisionOut}, summary="Record a session (2.3.3)")
def record_supervision(request: HttpRequest, payload: SupervisionIn) -> Status[Any]:
    user = _user(request)
    data = validated(SupervisionForm, payload.dict())
    session = supervision_services.record_supervision(
        actor=user, **supervision_arguments(user, data)
    )
    return Status(201, session)


# --- work log and workload ----------------------------------------------------------------


def _week_out(user: User, organisation: Organisation, week: date) -> dict[str, Any]:
    from qamqor.care.models import NON_SPECIALIST

    hours = selectors.work_week(user, organisation, week)
    return {
        "organisation": organisation.code,
        "week": week,
        "hours": hours,
        "total": sum(hours.values(), Decimal(0)),
        "non_specialist": sum((h for c, h in hours.items() if c in NON_SPECIALIST), Decimal(0)),
    }


@router.get("/work-log/{week}", response=WorkWeekOut, summary="My work log for one week")
def get_work_week(request: HttpRequest, week: date, organisation: str = "") -> dict[str, Any]:
    return _week_out(_user(request), care_organisation(_user(request), organisation), week)


@router.put(
    "/work-log/{week}",
    response=WorkWeekOut,
    summary="Save a week of the work log: hours by category, all at once",
)
def save_work_week(request: HttpRequest, week: date, payload: WorkWeekIn) -> dict[str, Any]:
    unknown = sorted(set(payload.hours) - set(WorkCategory.values))
    if unknown:
        raise InvalidInput.on(unknown[0], _("Unknown category."))
    data = validated(
        WorkWeekForm,
        {"week": week.isoformat(), "note": payload.note, **payload.hours},
    )
    organisation = care_organisation(_user(request), payload.organisation)
    worklog_services.save_work_week(
        actor=_user(request),
        organisation=organisation,
        week=data["week"],
        hours=worklog_services.parse_hours(payload.hours),
        note=data["note"],
    )
    return _week_out(_user(request), organisation, data["week"])


@router.get("/workload", response=WorkloadOut, summary="Workload and non-specialist duties report")
def workload(request: HttpRequest, filters: Query[WorkloadQuery]) -> object:
    start, end = selectors.workload_period(filters.start, filters.end)
    if start > end:
        raise InvalidInput.on("start", _("The period starts after it ends."))
    return selectors.workload_report(
        _user(request),
        start=start,
        end=end,
        level=filters.level,
        region=resolve_region(filters.region),
    )


@router.put("/schools/{code}/enrolment", response=dict, summary="A school's number of pupils")
def set_enrolment(request: HttpRequest, code: str, payload: EnrolmentIn) -> dict[str, Any]:
    school = Organisation.objects.filter(code=code, kind=OrganisationKind.SCHOOL).first()
    if school is None:
        raise Http404("school")
    data = validated(EnrolmentForm, payload.dict())
    enrolment = worklog_services.set_enrolment(
        actor=_user(request), school=school, pupils=data["pupils"], as_of=data["as_of"]
    )
    return {"school": school.code, "pupils": enrolment.pupils, "as_of": enrolment.as_of}
