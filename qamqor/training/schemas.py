"""The API's shapes of training: programmes of the catalogue, a specialist's record, the
staff list, methodological days and the coverage figures."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.urls import reverse
from ninja import Schema

from qamqor.apikit import OrganisationRef
from qamqor.training.models import Enrolment, MethodologicalDay, Programme


class TrainingTextsOut(Schema):
    kk: str
    ru: str
    en: str


class TrainingModuleOut(Schema):
    position: int
    hours: int
    title: TrainingTextsOut

    @staticmethod
    def resolve_title(obj: Any) -> dict[str, str]:
        return {"kk": obj.title_kk, "ru": obj.title_ru, "en": obj.title_en}


class ProgrammeOut(Schema):
    code: str
    title: TrainingTextsOut
    description: TrainingTextsOut
    provider_kind: str
    provider_name: str
    hours: int
    format: str
    topics: list[str]
    target_roles: list[str]
    modules: list[TrainingModuleOut]
    retired: bool

    @staticmethod
    def resolve_title(obj: Programme) -> dict[str, str]:
        return {"kk": obj.title_kk, "ru": obj.title_ru, "en": obj.title_en}

    @staticmethod
    def resolve_description(obj: Programme) -> dict[str, str]:
        return {"kk": obj.description_kk, "ru": obj.description_ru, "en": obj.description_en}

    @staticmethod
    def resolve_modules(obj: Programme) -> list[Any]:
        return list(obj.modules.all())


class TrainingModuleIn(Schema):
    hours: int
    title_kk: str
    title_ru: str
    title_en: str


class ProgrammeIn(Schema):
    """A programme as the coordinating body sends it; on PATCH, fields left out keep their
    value (sending ``modules`` replaces them all)."""

    code: str | None = None
    title_kk: str | None = None
    title_ru: str | None = None
    title_en: str | None = None
    description_kk: str | None = None
    description_ru: str | None = None
    description_en: str | None = None
    provider_kind: str | None = None
    provider_name: str | None = None
    hours: int | None = None
    format: str | None = None
    topics: list[str] | None = None
    target_roles: list[str] | None = None
    modules: list[TrainingModuleIn] | None = None


class TrainingEnrolmentOut(Schema):
    id: UUID
    programme: str
    programme_title: str
    status: str
    planned_for: date | None
    completed_on: date | None
    hours: int
    certificate: str | None  # the download address, when a certificate was uploaded

    @staticmethod
    def resolve_id(obj: Enrolment) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_programme(obj: Enrolment) -> str:
        return obj.programme.code

    @staticmethod
    def resolve_programme_title(obj: Enrolment) -> str:
        return obj.programme.title

    @staticmethod
    def resolve_certificate(obj: Enrolment) -> str | None:
        if obj.certificate_id is None:
            return None
        return reverse("training-certificate", kwargs={"public_id": obj.public_id})


class TrainingWorkplaceOut(Schema):
    organisation: OrganisationRef
    role: str


class TrainingYearHoursOut(Schema):
    year: int
    hours: int


class TrainingRecordOut(Schema):
    specialist: int
    name: str
    workplaces: list[TrainingWorkplaceOut]
    enrolments: list[TrainingEnrolmentOut]
    hours_by_year: list[TrainingYearHoursOut]


class TrainingSpecialistOut(Schema):
    id: int
    name: str
    completed: int
    hours: int

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)

    @staticmethod
    def resolve_hours(obj: Any) -> int:
        return int(obj.hours or 0)


class TrainingAttendanceOut(Schema):
    specialist: str
    name: str
    present: bool | None


class TrainingDayOut(Schema):
    id: UUID
    psc: OrganisationRef
    held_on: date
    topic: str
    programme: str | None
    note: str

    @staticmethod
    def resolve_id(obj: MethodologicalDay) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_programme(obj: MethodologicalDay) -> str | None:
        return obj.programme.code if obj.programme is not None else None


class TrainingDayDetailOut(Schema):
    """A day with its attendance (built by the API as a mapping)."""

    id: UUID
    psc: OrganisationRef
    held_on: date
    topic: str
    programme: str | None
    note: str
    attendance: list[TrainingAttendanceOut]


class TrainingDayIn(Schema):
    psc: str
    held_on: date
    topic: str
    programme: str = ""
    note: str = ""


class TrainingAttendanceIn(Schema):
    present: list[str]  # usernames of the PSC's staff who attended


class TrainingTableOut(Schema):
    key: str
    title: str
    header: list[str]
    rows: list[list[str | int | float | None]]


class TrainingCoverageOut(Schema):
    year: int
    specialists: int
    trained: int
    share: float | None
    hours: int
    hours_per_specialist: float | None
    tables: list[TrainingTableOut]
