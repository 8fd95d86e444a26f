"""Who reads the library, who publishes, who sees whom has not acknowledged a briefing
(registered with ``accounts.access``).

- Every signed-in user with a role reads the documents, their versions and the
  methodological base (brief 2.3.6: online access to the materials).
- Only the coordinating body (national coordinators, brief 1.2.1) publishes a version and
  names the roles to be briefed on it.
- A briefing due (``Acknowledgement``) is seen by its own user, by the regional
  coordinator of the region it stands in, and by the national coordinator: the coverage
  report and its list of people missing are cut to the coordinator's regions.
- Coordinators, regional ones too, add materials to the methodological base (brief 1.5.1:
  sharing practice between regions).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from qamqor.accounts import access
from qamqor.accounts.policy import NOTHING, Scope


def reads_library(scope: Scope) -> bool:
    """Anyone with a role in an organisation."""
    return bool(scope.roles)


def publishes(scope: Scope) -> bool:
    """The coordinating body's staff (those who act for it)."""
    return bool(scope.coordinating_body_ids)


def coordinates(scope: Scope) -> bool:
    """The national coordinator, and a regional coordinator for their region."""
    return scope.national or bool(scope.region_ids)


@access.gate("library")
def library_gate(scope: Scope) -> bool:
    """The documents, my briefings and the methodological base."""
    return reads_library(scope)


@access.gate("library_publish")
def library_publish_gate(scope: Scope) -> bool:
    """A new document or a new version and its briefing."""
    return publishes(scope)


@access.gate("library_coverage")
def library_coverage_gate(scope: Scope) -> bool:
    """Who has acknowledged a briefing and who has not, in the coordinator's regions."""
    return coordinates(scope)


@access.gate("library_share")
def library_share_gate(scope: Scope) -> bool:
    """Adding a material to the methodological base."""
    return coordinates(scope)


@access.rule("library.Document", "view")
@access.rule("library.DocumentVersion", "view")
@access.rule("library.Material", "view")
def library_view(scope: Scope, user: Any) -> Q:
    """Every document, version and material to anyone with a role; nothing is personal."""
    return Q() if reads_library(scope) else NOTHING


@access.rule("library.Document", "publish")
def document_publish(scope: Scope, user: Any) -> Q:
    return Q() if publishes(scope) else NOTHING


@access.check("library.Document", "publish")
def document_publish_check(scope: Scope, user: Any, document: Any) -> bool:
    return publishes(scope)


@access.rule("library.Acknowledgement", "view")
def acknowledgement_view(scope: Scope, user: Any) -> Q:
    """One's own briefings; a coordinator's region (national: all)."""
    if scope.national:
        return Q()  # (``Q(…) | Q()`` would drop the empty side: decide it here)
    own = Q(user_id=user.pk) if getattr(user, "pk", None) is not None else NOTHING
    return own | scope.where()


@access.rule("library.Acknowledgement", "acknowledge")
def acknowledgement_acknowledge(scope: Scope, user: Any) -> Q:
    """Only the person briefed confirms they have read it."""
    return Q(user_id=user.pk) if getattr(user, "pk", None) is not None else NOTHING


@access.check("library.Acknowledgement", "acknowledge")
def acknowledgement_acknowledge_check(scope: Scope, user: Any, acknowledgement: Any) -> bool:
    return bool(getattr(user, "pk", None)) and acknowledgement.user_id == user.pk


access.operations(
    {
        "GET /library/documents": access.Guard(model="library.Document", gate="library"),
        "GET /library/documents/{code}": access.Guard(model="library.Document", gate="library"),
        "POST /library/documents": access.Guard(
            model="library.Document", action="publish", gate="library_publish"
        ),
        "POST /library/documents/{code}/versions": access.Guard(
            model="library.Document", action="publish", gate="library_publish"
        ),
        "GET /library/briefings": access.Guard(model="library.Acknowledgement", gate="library"),
        "POST /library/briefings/{public_id}/acknowledge": access.Guard(
            model="library.Acknowledgement", action="acknowledge", gate="library"
        ),
        "GET /library/coverage/{public_id}": access.Guard(
            model="library.DocumentVersion", gate="library_coverage"
        ),
        "GET /library/materials": access.Guard(model="library.Material", gate="library"),
        "POST /library/materials": access.Guard(model="library.Material", gate="library_share"),
    }
)
