"""The API's shapes of the library: documents and versions (texts in kk/ru/en), my
briefings, a briefing's coverage with the people missing, materials."""

from datetime import date, datetime
from uuid import UUID

from ninja import Schema

from qamqor.library.models import Acknowledgement, Document, DocumentVersion, Material


class LibraryTextsOut(Schema):
    kk: str
    ru: str
    en: str


class LibraryVersionOut(Schema):
    id: UUID
    sequence: int
    number: str
    effective_on: date | None
    summary: LibraryTextsOut
    changes: LibraryTextsOut
    url: str
    file: UUID | None
    protocol_version: str | None  # "code:version"
    affected_roles: list[str]
    published_at: datetime

    @staticmethod
    def resolve_id(obj: DocumentVersion) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_summary(obj: DocumentVersion) -> dict[str, str]:
        return {"kk": obj.summary_kk, "ru": obj.summary_ru, "en": obj.summary_en}

    @staticmethod
    def resolve_changes(obj: DocumentVersion) -> dict[str, str]:
        return {"kk": obj.changes_kk, "ru": obj.changes_ru, "en": obj.changes_en}

    @staticmethod
    def resolve_file(obj: DocumentVersion) -> UUID | None:
        return obj.file.public_id if obj.file is not None else None

    @staticmethod
    def resolve_protocol_version(obj: DocumentVersion) -> str | None:
        found = obj.protocol_version
        return f"{found.code}:{found.version}" if found is not None else None

    @staticmethod
    def resolve_affected_roles(obj: DocumentVersion) -> list[str]:
        return obj.roles


class LibraryDocumentOut(Schema):
    code: str
    kind: str
    title: LibraryTextsOut
    issuer: str
    reference: str
    versions: list[LibraryVersionOut]

    @staticmethod
    def resolve_title(obj: Document) -> dict[str, str]:
        return {"kk": obj.title_kk, "ru": obj.title_ru, "en": obj.title_en}

    @staticmethod
    def resolve_versions(obj: Document) -> list[DocumentVersion]:
        return list(obj.versions.all())


class LibraryDocumentIn(Schema):
    code: str
    kind: str
    title_kk: str
    title_ru: str
    title_en: str
    issuer: str = ""
    reference: str = ""


class LibraryVersionIn(Schema):
    """A new version (a link to its text; a file is added from the page)."""

    number: str
    summary_kk: str
    summary_ru: str
    summary_en: str
    affected_roles: list[str]
    effective_on: date | None = None
    changes_kk: str = ""
    changes_ru: str = ""
    changes_en: str = ""
    url: str = ""
    protocol_version: str = ""  # "code:version"


class LibraryBriefingOut(Schema):
    id: UUID
    document: str
    version: UUID
    number: str
    role: str
    due_at: datetime
    acknowledged_at: datetime | None

    @staticmethod
    def resolve_id(obj: Acknowledgement) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_document(obj: Acknowledgement) -> str:
        return obj.version.document.code

    @staticmethod
    def resolve_version(obj: Acknowledgement) -> UUID:
        return obj.version.public_id

    @staticmethod
    def resolve_number(obj: Acknowledgement) -> str:
        return obj.version.number


class LibraryAcknowledgeIn(Schema):
    read: bool


class LibraryCoverageRowOut(Schema):
    region: str
    role: str
    due: int
    done: int


class LibraryMissingOut(Schema):
    username: str
    name: str
    role: str
    organisation: str
    region: str | None
    reminders: int

    @staticmethod
    def resolve_username(obj: Acknowledgement) -> str:
        return obj.user.get_username()

    @staticmethod
    def resolve_name(obj: Acknowledgement) -> str:
        return str(obj.user)

    @staticmethod
    def resolve_organisation(obj: Acknowledgement) -> str:
        return obj.organisation.code

    @staticmethod
    def resolve_region(obj: Acknowledgement) -> str | None:
        return obj.region.code if obj.region is not None else None


class LibraryCoverageOut(Schema):
    version: UUID
    due: int
    done: int
    rows: list[LibraryCoverageRowOut]
    missing: list[LibraryMissingOut]


class LibraryMaterialOut(Schema):
    id: UUID
    title: LibraryTextsOut
    summary: LibraryTextsOut
    topics: list[str]
    roles: list[str]
    url: str
    file: UUID | None
    region: str | None
    added_at: datetime

    @staticmethod
    def resolve_id(obj: Material) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_title(obj: Material) -> dict[str, str]:
        return {"kk": obj.title_kk, "ru": obj.title_ru, "en": obj.title_en}

    @staticmethod
    def resolve_summary(obj: Material) -> dict[str, str]:
        return {"kk": obj.summary_kk, "ru": obj.summary_ru, "en": obj.summary_en}

    @staticmethod
    def resolve_topics(obj: Material) -> list[str]:
        return obj.topic_codes

    @staticmethod
    def resolve_roles(obj: Material) -> list[str]:
        return obj.role_codes

    @staticmethod
    def resolve_file(obj: Material) -> UUID | None:
        return obj.file.public_id if obj.file_id is not None and obj.file else None

    @staticmethod
    def resolve_region(obj: Material) -> str | None:
        return obj.region.code if obj.region is not None else None


class LibraryMaterialIn(Schema):
    """A material with a link (a file is added from the page)."""

    topics: list[str]
    url: str
    title_kk: str = ""
    title_ru: str = ""
    title_en: str = ""
    summary_kk: str = ""
    summary_ru: str = ""
    summary_en: str = ""
    roles: list[str] = []
