"""The API's shapes of anonymous appeals: what the author sends and reads back with the
follow-up code, and what the coordinating body sees (no author, the week only)."""

from datetime import date
from uuid import UUID

from ninja import Schema

from qamqor.appeals.models import Appeal


class AppealOut(Schema):
    """An appeal as the coordinating body sees it: no author, no time finer than the week."""

    id: UUID
    category: str
    text: str
    region: str | None
    organisation_kind: str
    week: date
    status: str
    response: str

    @staticmethod
    def resolve_region(obj: Appeal) -> str | None:
        return obj.region.code if obj.region else None


class AppealAccepted(Schema):
    followup_code: str
    week: date


class AppealStatusOut(Schema):
    status: str
    response: str
    week: date


class AppealIn(Schema):
    category: str
    text: str
    region: str = ""
    organisation_kind: str = ""


class AnswerIn(Schema):
    status: str
    response: str = ""


class CodeIn(Schema):
    code: str
