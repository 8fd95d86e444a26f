"""Downloads of the lists staff see, by name, for integrations and scripts (brief 1.4.1):
``GET /api/v1/exports`` names the lists the caller may download, ``GET /api/v1/exports/{name}``
streams one as CSV or XLSX. Each list is its page's own query (``qamqor.exports.TableExport``,
registered by the page with ``qamqor.pages.exportable``): the same filters as the page's
query parameters, the same gate and the same ``restrict``; a list of personal data needs
``purpose`` (and ``purpose_detail`` for "other"), which the audit log keeps."""

from __future__ import annotations

from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from ninja import Query, Router, Schema

from qamqor import exports
from qamqor.accounts import access
from qamqor.apikit import errors, validated
from qamqor.replica import replica_reads

router = Router(tags=["exports"])


class ExportOut(Schema):
    """A list the caller may download."""

    name: str
    title: str
    personal: bool
    filters: list[str]
    formats: list[str]


def _open_tables(user: Any) -> list[exports.TableExport]:
    return [
        table
        for _name, table in sorted(exports.registered_tables().items())
        if not table.scoped and (table.gate is None or access.allows(user, table.gate))
    ]


@router.get("", response=list[ExportOut], summary="The lists the caller may download")
def export_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "name": table.name,
            "title": str(table.title),
            "personal": table.personal,
            "filters": list(table.filters),
            "formats": list(exports.EXPORT_FORMATS),
        }
        for table in _open_tables(request.user)
    ]


class ExportQuery(Schema):
    """``format`` (csv or xlsx); for personal data ``purpose`` and, for "other",
    ``purpose_detail``; any filter of the list's page by its query parameter."""

    format: Literal["csv", "xlsx"]
    purpose: str = ""
    purpose_detail: str = ""


@router.get(
    "/{name}",
    response={200: None, **errors(404, 422)},
    summary="Download a list as CSV or XLSX (streamed)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The list as a file (CSV streamed; XLSX spooled, then streamed).",
                "content": {"text/csv": {}, exports.XLSX_CONTENT_TYPE: {}},
            }
        }
    },
)
def export_table(request: HttpRequest, name: str, query: Query[ExportQuery]) -> HttpResponseBase:
    table = exports.registered_tables().get(name)
    if table is None or table not in _open_tables(request.user):
        raise Http404(name)
    purpose = None
    if table.personal:
        purpose = validated(
            exports.PurposeForm,
            {"purpose": query.purpose, "purpose_detail": query.purpose_detail},
        )
    # The rows from the replica when healthy (brief 3.1.1), streamed too.
    return replica_reads()(exports.table_response)(request, table, query.format, purpose=purpose)


# Any signed-in caller may ask: each list then applies its own page's gate (a closed one is
# a 404, as the page is) and its own ``restrict``, so a caller only ever gets their rows.
access.operations({"GET /exports": access.SIGNED_IN, "GET /exports/{name}": access.SIGNED_IN})
