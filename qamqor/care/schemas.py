"""The API's schemas of psychological support: what ``care.api`` reads and answers.

Inputs are checked again by the pages' forms (``apikit.validated``), so a page and an
API call refuse the same things with the same field names.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Schema

from qamqor.accounts import access
from qamqor.apikit import OrganisationRef
from qamqor.care.models import (
    ChildShare,
    ConsentRecord,
    Consultation,
    CrisisBasis,
    SupervisionSession,
)
from qamqor.care.services import crisis as crisis_services
from qamqor.cases.models import Child

# --- outputs ------------------------------------------------------------------------------


class PublicRecordOut(Schema):
    """A care record named by its public key (never the database id)."""

    id: UUID

    @staticmethod
    def resolve_id(
        obj: ConsentRecord | CrisisBasis | ChildShare | Consultation | SupervisionSession,
    ) -> UUID:
        return obj.public_id


class ChildRecordOut(PublicRecordOut):
    """A care record of one child, who is named by code."""

    child: str

    @staticmethod
    def resolve_child(obj: ConsentRecord | CrisisBasis | ChildShare) -> str:
        return obj.child.code


class ChildOut(Schema):
    code: str
    region: str
    school: OrganisationRef | None
    full_name: str
    birth_date: date | None
    sex: str
    class_label: str

    @staticmethod
    def resolve_region(obj: Child) -> str:
        return obj.region.code


class ConsentOut(ChildRecordOut):
    organisation: OrganisationRef
    giver: str
    giver_label: str
    child_age: int | None
    covers_support: bool
    covers_diagnostics: bool
    covers_sharing: bool
    share_with: list[str]
    method: str
    given_at: datetime
    valid_until: date | None
    recorded_at: datetime
    withdrawn_at: datetime | None
    active: bool

    @staticmethod
    def resolve_share_with(obj: ConsentRecord) -> list[str]:
        return sorted(org.code for org in obj.share_with.all())

    @staticmethod
    def resolve_active(obj: ConsentRecord) -> bool:
        return obj.is_active()


class CrisisBasisOut(ChildRecordOut):
    organisation: OrganisationRef
    case: str | None
    ground: str
    justification: str
    session_limit: int
    sessions_used: int
    recorded_at: datetime
    closed_at: datetime | None
    close_reason: str

    @staticmethod
    def resolve_case(obj: CrisisBasis) -> str | None:
        return obj.case.number if obj.case else None

    @staticmethod
    def resolve_sessions_used(obj: CrisisBasis) -> int:
        used = getattr(obj, "used", None)
        return (
            used
            if used is not None
            else crisis_services.crisis_sessions_used(obj.child, obj.organisation)
        )


class ShareOut(ChildRecordOut):
    from_organisation: OrganisationRef | None
    to_organisation: OrganisationRef
    basis: str
    legal_ground: str
    reference: str
    shared_at: datetime
    revoked_at: datetime | None


class ConsultationOut(PublicRecordOut):
    organisation: OrganisationRef
    psychologist: str
    child: str | None
    case: str | None
    format: str
    basis: str
    hotline: bool
    topic: str
    participants_count: int
    participants_note: str
    held_at: datetime
    duration_minutes: int
    notes: str | None
    next_steps: str
    next_appointment_at: datetime | None

    @staticmethod
    def resolve_psychologist(obj: Consultation) -> str:
        return obj.psychologist.get_full_name() or obj.psychologist.get_username()

    @staticmethod
    def resolve_child(obj: Consultation) -> str | None:
        return obj.child.code if obj.child else None

    @staticmethod
    def resolve_case(obj: Consultation) -> str | None:
        return obj.case.number if obj.case_id and obj.case else None

    @staticmethod
    def resolve_notes(obj: Consultation, context: dict[str, Any]) -> str | None:
        """Confidential: null unless the reader wrote them or supervises who did."""
        user = context["request"].user
        if not access.permits(user, "read_notes", obj):
            return None
        notes: str = obj.notes
        return notes


class ReferralRef(Schema):
    id: UUID
    reference: str
    kind: str
    status: str
    from_organisation: OrganisationRef | None
    to_organisation: OrganisationRef

    @staticmethod
    def resolve_id(obj: Any) -> UUID:  # a referrals.Referral (referrals build on care)
        public_id: UUID = obj.public_id
        return public_id


class ChildCareOut(Schema):
    child: ChildOut
    consents: list[ConsentOut]
    crisis_bases: list[CrisisBasisOut]
    consultations: list[ConsultationOut]
    referrals: list[ReferralRef]


class CaseloadChildOut(Schema):
    child: str
    last_seen: datetime | None
    sessions: int
    basis: str
    next_appointment_at: datetime | None


class AppointmentOut(Schema):
    consultation: UUID
    child: str | None
    next_appointment_at: datetime


class CaseloadOut(Schema):
    active_children: list[CaseloadChildOut]
    next_appointments: list[AppointmentOut]
    overdue_follow_ups: list[AppointmentOut]
    crisis: list[CrisisBasisOut]
    referrals_awaiting_answer: list[ReferralRef]


class SupervisionOut(PublicRecordOut):
    kind: str
    level: str
    online: bool
    organisation: OrganisationRef
    held_at: datetime
    duration_minutes: int
    topic: str
    facilitator: str
    participants: list[str]
    guests: int

    @staticmethod
    def resolve_facilitator(obj: SupervisionSession) -> str:
        return obj.facilitator.get_username() if obj.facilitator else obj.facilitator_name

    @staticmethod
    def resolve_participants(obj: SupervisionSession) -> list[str]:
        return [user.get_username() for user in obj.participants.all()]


class WorkWeekOut(Schema):
    organisation: str
    week: date
    hours: dict[str, Decimal]
    total: Decimal
    non_specialist: Decimal


class WorkloadRowOut(Schema):
    label: str
    region: str
    kind: str
    psychologists: int
    hours: Decimal
    non_specialist_hours: Decimal
    non_specialist_percent: Decimal | None
    share_over_norm: bool
    weeks_logged: int
    pupils: int | None
    caseload: int
    load: Decimal | None
    norm: int | None
    over_norm: bool
    psc_psychologists: int
    psc_load: Decimal | None


class WorkloadOut(Schema):
    level: str
    start: date
    end: date
    pupil_norm: int
    caseload_norm: int
    share_norm: int
    rows: list[WorkloadRowOut]


# --- inputs -------------------------------------------------------------------------------


class ChildIn(Schema):
    organisation: str = ""
    full_name: str = ""
    birth_date: str = ""
    sex: str = "unknown"
    class_label: str = ""


class ConsentIn(Schema):
    organisation: str = ""
    giver: str
    representative: int | None = None
    giver_name: str = ""
    child_age: int | None = None
    covers_support: bool = False
    covers_diagnostics: bool = False
    covers_sharing: bool = False
    share_with: list[str] = []
    method: str
    given_at: str
    valid_until: str = ""


class WithdrawIn(Schema):
    note: str = ""


class CrisisBasisIn(Schema):
    organisation: str = ""
    ground: str
    justification: str
    case: str = ""


class ShareIn(Schema):
    from_organisation: str = ""
    to_organisation: str
    basis: str
    legal_ground: str = ""
    reference: str = ""
    override_reason: str = ""
    case: str = ""


class ConsultationIn(Schema):
    organisation: str = ""
    child: str = ""
    format: str
    hotline: bool = False
    topic: str
    participants_count: int = 1
    participants_note: str = ""
    held_at: str
    duration_minutes: int
    notes: str = ""
    next_steps: str = ""
    next_appointment_at: str = ""
    case: str = ""


class SupervisionIn(Schema):
    organisation: str = ""
    kind: str
    level: str = "organisation"
    online: bool = False
    held_at: str
    duration_minutes: int
    topic: str
    facilitator: str = ""
    facilitator_name: str = ""
    participants: list[str]
    guests: int = 0


class WorkWeekIn(Schema):
    organisation: str = ""
    hours: dict[str, Any]
    note: str = ""


class WorkloadQuery(Schema):
    start: date | None = None
    end: date | None = None
    level: str | None = None
    region: str | None = None


class EnrolmentIn(Schema):
    pupils: int
    as_of: str = ""
