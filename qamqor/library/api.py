"""The library in the API, under /api/v1/library/ (brief 1.5.1, 1.7.4, 2.3.6): documents
and versions, publishing with its briefing, my briefings and their acknowledgement, a
briefing's coverage, the methodological base. The same forms and services as the pages
(docs/api.md)."""

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from qamqor.accounts import access
from qamqor.apikit import Pagination, errors, validated
from qamqor.apikit import request_user as _user
from qamqor.library import selectors, services
from qamqor.library.forms import AcknowledgeForm, DocumentForm, MaterialForm, VersionForm
from qamqor.library.models import Acknowledgement, Document, DocumentVersion, Material
from qamqor.library.schemas import (
    LibraryAcknowledgeIn,
    LibraryBriefingOut,
    LibraryCoverageOut,
    LibraryDocumentIn,
    LibraryDocumentOut,
    LibraryMaterialIn,
    LibraryMaterialOut,
    LibraryVersionIn,
    LibraryVersionOut,
)

router = Router(tags=["library"])


def _gate(request: HttpRequest, name: str) -> None:
    if not access.allows(request.user, name):
        raise Http404(name)


@router.get(
    "/documents", response=list[LibraryDocumentOut], summary="Every document with its versions"
)
def library_documents(request: HttpRequest) -> Any:
    _gate(request, "library")
    return selectors.document_list(request.user)


@router.get(
    "/documents/{code}", response=LibraryDocumentOut, summary="One document with its versions"
)
def library_document(request: HttpRequest, code: str) -> Document:
    _gate(request, "library")
    return selectors.get_document(request.user, code)


@router.post(
    "/documents",
    response={201: LibraryDocumentOut, **errors(403)},
    summary="Add a document (coordinating body)",
)
def library_add_document(request: HttpRequest, payload: LibraryDocumentIn) -> Status[Document]:
    _gate(request, "library_publish")
    data = validated(DocumentForm, payload.dict())
    return Status(201, services.add_document(actor=_user(request), **data))


@router.post(
    "/documents/{code}/versions",
    response={201: LibraryVersionOut, **errors(403)},
    summary="Publish a new version and brief the roles it names (coordinating body)",
)
def library_publish_version(
    request: HttpRequest, code: str, payload: LibraryVersionIn
) -> Status[DocumentVersion]:
    _gate(request, "library_publish")
    document = selectors.get_document(_user(request), code, "publish")
    sent = payload.dict()
    sent["effective_on"] = sent["effective_on"].isoformat() if sent["effective_on"] else ""
    data = validated(VersionForm, sent)
    version = services.publish_version(actor=_user(request), document=document, **data)
    return Status(201, version)


@router.get(
    "/briefings",
    response=list[LibraryBriefingOut],
    summary="My briefings: versions I am to acknowledge, and those I have",
)
def library_briefings(request: HttpRequest) -> Any:
    _gate(request, "library")
    return selectors.my_briefings(request.user)


@router.post(
    "/briefings/{public_id}/acknowledge",
    response={200: LibraryBriefingOut, **errors(403)},
    summary="Confirm that I have read the version",
)
def library_acknowledge(
    request: HttpRequest, public_id: UUID, payload: LibraryAcknowledgeIn
) -> Acknowledgement:
    _gate(request, "library")
    acknowledgement = selectors.get_acknowledgement(_user(request), public_id)
    data = validated(AcknowledgeForm, {"read": payload.read})
    return services.acknowledge(actor=_user(request), acknowledgement=acknowledgement, **data)


class CoverageQuery(Schema):
    region: str = ""


@router.get(
    "/coverage/{public_id}",
    response=LibraryCoverageOut,
    summary="Who has acknowledged a version, by region and role, and who has not",
)
def library_coverage(
    request: HttpRequest, public_id: UUID, filters: Query[CoverageQuery]
) -> dict[str, Any]:
    _gate(request, "library_coverage")
    version = selectors.get_briefing_version(request.user, public_id)
    report = selectors.coverage(request.user, version, region_code=filters.region)
    return {
        "version": version.public_id,
        "due": report.due,
        "done": report.done,
        "rows": [
            {"region": row.region, "role": row.role, "due": row.due, "done": row.done}
            for row in report.rows
        ],
        "missing": report.missing,
    }


class MaterialQuery(Schema):
    q: str = ""
    topic: str = ""
    role: str = ""


@router.get(
    "/materials",
    response=list[LibraryMaterialOut],
    summary="The methodological base: search by a word, a topic, a role",
)
@paginate(Pagination)
def library_materials(request: HttpRequest, filters: Query[MaterialQuery]) -> Any:
    _gate(request, "library")
    return selectors.material_list(
        request.user, q=filters.q, topic=filters.topic, role=filters.role
    )


@router.post(
    "/materials",
    response={201: LibraryMaterialOut, **errors(403)},
    summary="Share a material (coordinators)",
)
def library_add_material(request: HttpRequest, payload: LibraryMaterialIn) -> Status[Material]:
    _gate(request, "library_share")
    data = validated(MaterialForm, payload.dict())
    return Status(201, services.add_material(actor=_user(request), **data))
