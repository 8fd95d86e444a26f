"""The API's shapes of the recommendations tracker: a recommendation with its evidence,
its history (the role and organisation of who changed it, never the person), and what
the coordinating body sends."""

from datetime import datetime
from uuid import UUID

from django.urls import reverse
from ninja import Schema

from qamqor.apikit import OrganisationRef
from qamqor.oversight.models import Change, Evidence, Recommendation


class SummaryOut(Schema):
    kk: str
    ru: str
    en: str


class EvidenceOut(Schema):
    id: UUID
    title: str
    url: str
    document: str | None  # the download address, when a document was uploaded
    added_at: datetime

    @staticmethod
    def resolve_id(obj: Evidence) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_document(obj: Evidence) -> str | None:
        if obj.document_id is None:
            return None
        return reverse(
            "oversight-evidence-document",
            kwargs={"number": obj.recommendation.number, "public_id": obj.public_id},
        )


class ResponsibleOut(Schema):
    organisation: OrganisationRef | None
    text: str
    name: str


class RecommendationOut(Schema):
    number: str
    section: str
    addressee: str
    summary: SummaryOut
    status: str
    responsible: ResponsibleOut
    evidence: list[EvidenceOut]
    updated_at: datetime

    @staticmethod
    def resolve_summary(obj: Recommendation) -> dict[str, str]:
        return {"kk": obj.summary_kk, "ru": obj.summary_ru, "en": obj.summary_en}

    @staticmethod
    def resolve_responsible(obj: Recommendation) -> dict[str, object]:
        return {
            "organisation": obj.responsible_organisation,
            "text": obj.responsible_text,
            "name": obj.responsible,
        }

    @staticmethod
    def resolve_evidence(obj: Recommendation) -> list[Evidence]:
        return list(obj.evidence.all())


class ChangeOut(Schema):
    """One change as the public sees it: the role and organisation, not the person."""

    at: datetime
    kind: str
    old_status: str
    new_status: str
    old_responsible: str
    new_responsible: str
    organisation: OrganisationRef | None
    role: str
    evidence: UUID | None
    note: str

    @staticmethod
    def resolve_organisation(obj: Change) -> object:
        return obj.actor_organisation

    @staticmethod
    def resolve_role(obj: Change) -> str:
        return obj.actor_role

    @staticmethod
    def resolve_evidence(obj: Change) -> UUID | None:
        return obj.evidence.public_id if obj.evidence is not None else None


class RecommendationDetailOut(RecommendationOut):
    history: list[ChangeOut]

    @staticmethod
    def resolve_history(obj: Recommendation) -> list[Change]:
        return list(getattr(obj, "history", []))


class StatusPatchIn(Schema):
    """Fields left out keep their value; sending either responsible field sets both (the
    other one empty)."""

    status: str | None = None
    responsible_organisation: str | None = None
    responsible_text: str | None = None
    note: str | None = None
