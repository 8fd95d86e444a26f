"""The training operations in the API, under /api/v1/training/ (docs/api.md): the catalogue
(read by staff, kept by the coordinating body), one's own record and the records of one's
staff, methodological days and coverage figures, through the same forms and services as
the pages (brief 1.7.2, 1.7.3, 2.3.2-2.3.5, 2.3.9)."""

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from qamqor.accounts import access
from qamqor.apikit import AuditedPagination, Pagination, errors, validated
from qamqor.apikit import request_user as _user
from qamqor.training import selectors, services
from qamqor.training.forms import (
    AttendanceForm,
    DayForm,
    EnrolmentForm,
    ProgrammeChangeForm,
    ProgrammeForm,
    YearForm,
    programme_initial,
)
from qamqor.training.models import Enrolment, Programme
from qamqor.training.schemas import (
    ProgrammeIn,
    ProgrammeOut,
    TrainingAttendanceIn,
    TrainingCoverageOut,
    TrainingDayDetailOut,
    TrainingDayIn,
    TrainingDayOut,
    TrainingEnrolmentOut,
    TrainingRecordOut,
    TrainingSpecialistOut,
)

router = Router(tags=["training"])


def _gate(request: HttpRequest, name: str) -> None:
    if not access.allows(request.user, name):
        raise Http404(name)


class CatalogueFilters(Schema):
    topic: str = ""
    role: str = ""
    format: str = ""
    provider_kind: str = ""
    retired: bool = False


class YearQuery(Schema):
    year: int | None = None


class DayFilters(Schema):
    past: bool = False


def _programme_data(sent: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the programme form reads: the fields sent over the base (PATCH), modules as
    the form's lines."""
    data = dict(base or {})
    for name, value in sent.items():
        if name == "modules":
            data["modules"] = "\n".join(
                f"{m['hours']} | {m['title_kk']} | {m['title_ru']} | {m['title_en']}"
                for m in value or []
            )
        elif value is not None:
            data[name] = value
    return data


@router.get(
    "/programmes",
    response={200: list[ProgrammeOut], **errors(404)},
    summary="The training catalogue",
)
@paginate(Pagination)
def training_programmes(request: HttpRequest, filters: Query[CatalogueFilters]) -> Any:
    _gate(request, "training")
    return selectors.programme_list(_user(request), **filters.dict())


@router.get("/programmes/{code}", response=ProgrammeOut, summary="One programme")
def training_programme(request: HttpRequest, code: str) -> Programme:
    _gate(request, "training")
    return selectors.get_programme(_user(request), code)


@router.post(
    "/programmes",
    response={201: ProgrammeOut, **errors(403, 404)},
    summary="Add a programme (coordinating body)",
)
def training_add_programme(request: HttpRequest, payload: ProgrammeIn) -> Status[Programme]:
    _gate(request, "training_manage")
    data = validated(ProgrammeForm, _programme_data(payload.dict()))
    programme = services.add_programme(actor=_user(request), **data)
    return Status(201, selectors.get_programme(_user(request), programme.code))


@router.patch(
    "/programmes/{code}",
    response={200: ProgrammeOut, **errors(403, 409)},
    summary="Change a programme (coordinating body); fields left out keep their value",
)
def training_change_programme(request: HttpRequest, code: str, payload: ProgrammeIn) -> Programme:
    _gate(request, "training_manage")
    programme = selectors.get_programme(_user(request), code, "manage")
    sent = payload.dict(exclude_unset=True)
    sent.pop("code", None)
    data = validated(ProgrammeChangeForm, _programme_data(sent, programme_initial(programme)))
    services.change_programme(actor=_user(request), programme=programme, **data)
    return selectors.get_programme(_user(request), code)


@router.post(
    "/programmes/{code}/retire",
    response={200: ProgrammeOut, **errors(403, 409)},
    summary="Retire a programme (coordinating body)",
)
def training_retire_programme(request: HttpRequest, code: str) -> Programme:
    _gate(request, "training_manage")
    programme = selectors.get_programme(_user(request), code, "manage")
    services.retire(actor=_user(request), programme=programme)
    return selectors.get_programme(_user(request), code)


def _record_out(record: selectors.Record) -> dict[str, Any]:
    return {
        "specialist": record.specialist.pk,
        "name": str(record.specialist),
        "workplaces": [
            {"organisation": membership.organisation, "role": membership.role}
            for membership in record.memberships
        ],
        "enrolments": record.enrolments,
        "hours_by_year": [{"year": year, "hours": hours} for year, hours in record.years],
    }


@router.get(
    "/me", response={200: TrainingRecordOut, **errors(404)}, summary="Your own training record"
)
def training_my_record(request: HttpRequest) -> dict[str, Any]:
    _gate(request, "training_own")
    return _record_out(selectors.own_record(_user(request)))


@router.post(
    "/me/enrolments",
    response={201: TrainingEnrolmentOut, **errors(403, 404)},
    summary="Add a planned or completed programme to your record (multipart, field `certificate`)",
)
def training_add_enrolment(
    request: HttpRequest,
    programme: Form[str],
    status: Form[str],
    planned_for: Form[str] = "",
    completed_on: Form[str] = "",
    certificate: File[UploadedFile | None] = None,
) -> Status[Enrolment]:
    _gate(request, "training_own")
    data = validated(
        EnrolmentForm,
        {
            "programme": programme,
            "status": status,
            "planned_for": planned_for,
            "completed_on": completed_on,
        },
        files={"certificate": certificate} if certificate else {},
    )
    enrolment = services.add_enrolment(actor=_user(request), **data)
    return Status(201, enrolment)


@router.get(
    "/specialists",
    response={200: list[TrainingSpecialistOut], **errors(404)},
    summary="The specialists whose records you open, with a year's programmes and hours",
)
@paginate(AuditedPagination, audit_as="training_record", audit_id="pk")
def training_specialists(request: HttpRequest, query: Query[YearQuery]) -> Any:
    _gate(request, "training_staff")
    year = YearForm({"year": query.year} if query.year else None).year_or_current()
    return selectors.specialist_list(_user(request), year=year)


@router.get(
    "/specialists/{specialist}",
    response=TrainingRecordOut,
    summary="A specialist's training record",
)
def training_specialist(request: HttpRequest, specialist: int) -> dict[str, Any]:
    return _record_out(selectors.specialist_record(_user(request), specialist))


@router.get(
    "/days",
    response={200: list[TrainingDayOut], **errors(404)},
    summary="Methodological days (upcoming or past)",
)
@paginate(Pagination)
def training_days(request: HttpRequest, filters: Query[DayFilters]) -> Any:
    _gate(request, "training_days")
    return selectors.day_list(_user(request), upcoming=not filters.past)


@router.post(
    "/days",
    response={201: TrainingDayDetailOut, **errors(403, 404)},
    summary="Schedule a PSC's methodological day (regional or national coordinator)",
)
def training_schedule_day(request: HttpRequest, payload: TrainingDayIn) -> Status[Any]:
    _gate(request, "training_days_manage")
    user = _user(request)
    data = validated(DayForm, payload.dict(), actor=user)
    day = services.schedule(actor=user, **data)
    return Status(201, _detail(request, day.public_id))


def _detail(request: HttpRequest, public_id: UUID) -> dict[str, Any]:
    day = selectors.get_day(_user(request), public_id)
    return {
        "id": day.public_id,
        "psc": day.psc,
        "held_on": day.held_on,
        "topic": day.topic,
        "programme": day.programme.code if day.programme else None,
        "note": day.note,
        "attendance": [
            {
                "specialist": line.specialist.username,
                "name": str(line.specialist),
                "present": line.present,
            }
            for line in selectors.attendance(day)
        ],
    }


@router.post(
    "/days/{public_id}/attendance",
    response={200: TrainingDayDetailOut, **errors(403)},
    summary="Record who of the PSC's staff attended (usernames in `present`)",
)
def training_attendance(
    request: HttpRequest, public_id: UUID, payload: TrainingAttendanceIn
) -> dict[str, Any]:
    _gate(request, "training_days_manage")
    user = _user(request)
    day = selectors.get_day(user, public_id, "manage")
    data = validated(AttendanceForm, payload.dict(), day=day)
    services.mark_attendance(actor=user, day=day, **data)
    return _detail(request, public_id)


@router.get(
    "/coverage",
    response={200: TrainingCoverageOut, **errors(404)},
    summary="Training coverage (brief 2.3.9)",
)
def training_coverage(request: HttpRequest, query: Query[YearQuery]) -> dict[str, Any]:
    _gate(request, "training_coverage")
    year = YearForm({"year": query.year} if query.year else None).year_or_current()
    figures = selectors.coverage(_user(request), year=year)
    total = figures.total
    return {
        "year": year,
        "specialists": len(total.specialists),
        "trained": len(total.trained),
        "share": total.share,
        "hours": total.hours,
        "hours_per_specialist": total.hours_per_specialist,
        "tables": [table.__dict__ for table in figures.tables],
    }
