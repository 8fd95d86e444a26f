"""Reads of the library. Documents, versions and materials are not personal; the coverage
of a briefing names people (staff who have not acknowledged), so it is read through
``restrict(user, "view")`` (a coordinator's regions) and the list shown is audited."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404

from qamqor.accounts import access, policy
from qamqor.accounts.models import Role
from qamqor.audit import services as audit
from qamqor.directory.models import Region
from qamqor.library.models import (
    Acknowledgement,
    AcknowledgementQuerySet,
    Document,
    DocumentVersion,
    Material,
    VersionFile,
)

# --- documents and versions -------------------------------------------------------------


def document_list(user: Any) -> QuerySet[Document]:
    """Every document with its versions (two queries whatever the number)."""
    return (
        Document.objects.restrict(user, "view")
        .prefetch_related(
            Prefetch("versions", queryset=DocumentVersion.objects.order_by("sequence"))
        )
        .order_by("kind", "code")
    )


def get_document(user: Any, code: str, action: str = "view") -> Document:
    return access.get_or_404(Document.objects.all(), user, action, code=code)


@dataclass
class DiffPiece:
    """A run of words of a summary: kept, added (``insert``) or removed (``delete``)."""

    kind: str
    text: str


def summary_diff(old: str, new: str) -> list[DiffPiece]:
    """The words removed and added between two summaries (difflib, word by word)."""
    before, after = old.split(), new.split()
    pieces: list[DiffPiece] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(DiffPiece("equal", " ".join(before[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            pieces.append(DiffPiece("delete", " ".join(before[i1:i2])))
        if tag in ("insert", "replace"):
            pieces.append(DiffPiece("insert", " ".join(after[j1:j2])))
    return pieces


@dataclass
class VersionView:
    """A version as its document's page shows it, with the diff of its summary against
    the version before (in the active language)."""

    version: DocumentVersion
    diff: list[DiffPiece] | None


def versions_of(document: Document) -> list[VersionView]:
    """The versions, newest first, each with its summary's diff against the one before."""
    versions = list(
        document.versions.select_related("protocol_version", "file", "published_by").order_by(
            "sequence"
        )
    )
    shown: list[VersionView] = []
    previous: DocumentVersion | None = None
    for version in versions:
        diff = summary_diff(previous.summary, version.summary) if previous is not None else None
        shown.append(VersionView(version, diff))
        previous = version
    return list(reversed(shown))


# --- briefings ----------------------------------------------------------------------


def my_briefings(user: Any) -> QuerySet[Acknowledgement]:
    """The user's own briefings, those still to acknowledge first."""
    return (
        Acknowledgement.objects.restrict(user, "acknowledge")
        .select_related("version__document")
        .order_by(F("acknowledged_at").desc(nulls_first=True), "-due_at", "pk")
    )


def pending_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Acknowledgement.objects.restrict(user, "acknowledge").pending().count()


def get_acknowledgement(user: Any, public_id: UUID) -> Acknowledgement:
    """One of the user's own briefings (404 for anyone else's)."""
    return access.get_or_404(
        Acknowledgement.objects.select_related("version__document"),
        user,
        "acknowledge",
        public_id=public_id,
    )


def briefing_versions(user: Any) -> QuerySet[DocumentVersion]:
    """Versions that briefed someone, newest first, each with how many of the briefings
    the user sees (their regions) are due and acknowledged."""
    seen = access.filter_for(user, "library.Acknowledgement", "view")
    in_scope = Q(acknowledgements__in=Acknowledgement.objects.filter(seen))
    return (
        DocumentVersion.objects.restrict(user, "view")
        .exclude(affected_roles="")
        .select_related("document")
        .annotate(
            due=Count("acknowledgements", filter=in_scope),
            done=Count(
                "acknowledgements",
                filter=in_scope & Q(acknowledgements__acknowledged_at__isnull=False),
            ),
        )
        .order_by("-published_at", "-pk")
    )


def get_briefing_version(user: Any, public_id: UUID) -> DocumentVersion:
    return access.get_or_404(
        DocumentVersion.objects.exclude(affected_roles="").select_related("document"),
        user,
        "view",
        public_id=public_id,
    )


@dataclass
class CoverageRow:
    region: str
    role: str
    due: int = 0
    done: int = 0

    @property
    def missing(self) -> int:
        return self.due - self.done

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.due) if self.due else 100


@dataclass
class Coverage:
    """Who of those briefed on a version has acknowledged it, within the reader's
    regions: counts by region and role, and the exact list of people missing."""

    version: DocumentVersion
    region: Region | None
    rows: list[CoverageRow] = field(default_factory=list)
    missing: list[Acknowledgement] = field(default_factory=list)

    @property
    def due(self) -> int:
        return sum(row.due for row in self.rows)

    @property
    def done(self) -> int:
        return sum(row.done for row in self.rows)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.due) if self.due else 100


def region_in_scope(user: Any, code: str) -> Region | None:
    """The region named by ``code`` if the user coordinates it (national: any); ``None``
    for no code; 404 for a region outside their scope or none at all."""
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    scope = policy.scope_for(user)
    if region is None or not (scope.national or region.pk in scope.region_ids):
        raise Http404("region")
    return region


def coverage(user: Any, version: DocumentVersion, *, region_code: str = "") -> Coverage:
    """The coverage of ``version`` as ``user`` may see it (``restrict``: their regions; the
    national coordinator all), optionally one region of theirs. Two queries for the counts
    and the list; the list of people shown is written to the audit log."""
    region = region_in_scope(user, region_code)
    rows = _in_scope(user, version, region)
    table: dict[tuple[str, str], CoverageRow] = {}
    counted = list(
        rows.order_by()
        .values("region_id", "role")
        .annotate(due=Count("pk"), done=Count("pk", filter=Q(acknowledged_at__isnull=False)))
        .values_list("region_id", "role", "due", "done")
    )
    localized = {
        found.pk: found.name
        for found in Region.objects.filter(pk__in={row[0] for row in counted if row[0]})
    }
    for region_id, role, due, done in counted:
        name = localized.get(region_id, "—") if region_id else "—"
        label = str(Role(role).label) if role in Role.values else role
        row = table.setdefault((name, label), CoverageRow(name, label))
        row.due += due
        row.done += done
    missing = list(_missing(rows))
    audit.record_list(
        actor=user,
        object_type="acknowledgement",
        object_ids=[str(ack.public_id) for ack in missing],
    )
    result = Coverage(version=version, region=region)
    result.rows = [table[key] for key in sorted(table)]
    result.missing = missing
    return result


def _in_scope(
    user: Any, version: DocumentVersion, region: Region | None
) -> AcknowledgementQuerySet:
    rows = Acknowledgement.objects.restrict(user, "view").filter(version=version)
    return rows.filter(region=region) if region is not None else rows


def _missing(rows: AcknowledgementQuerySet) -> AcknowledgementQuerySet:
    return (
        rows.pending()
        .select_related("user", "organisation", "region")
        .order_by("region__code", "organisation__code", "user__last_name", "user__username")
    )


def missing_list(
    user: Any, version: DocumentVersion, *, region_code: str = ""
) -> QuerySet[Acknowledgement]:
    """The people who have not acknowledged ``version``, as the coverage page lists them
    (its download: the export writes its own audit event)."""
    return _missing(_in_scope(user, version, region_in_scope(user, region_code)))


def coverage_regions(user: Any) -> QuerySet[Region]:
    """The regions a coordinator may narrow the coverage to."""
    scope = policy.scope_for(user)
    regions = Region.objects.order_by("code")
    return regions if scope.national else regions.filter(pk__in=scope.region_ids)


# --- the methodological base --------------------------------------------------------


def material_list(user: Any, *, q: str = "", topic: str = "", role: str = "") -> QuerySet[Material]:
    """Materials, newest first, found by a word of a title or summary in any language,
    by topic and by role (a material for no role in particular is for everyone)."""
    rows = Material.objects.restrict(user, "view").select_related("region", "organisation")
    for word in q.split():
        rows = rows.filter(search_text__contains=word.casefold())
    if topic:
        rows = rows.filter(topics__contains=f",{topic},")
    if role:
        rows = rows.filter(Q(roles__contains=f",{role},") | Q(roles=""))
    return rows.order_by("-added_at", "-pk")


def get_material(user: Any, public_id: UUID) -> Material:
    return access.get_or_404(
        Material.objects.select_related("region", "organisation", "file"),
        user,
        "view",
        public_id=public_id,
    )


def get_file(user: Any, public_id: UUID) -> VersionFile:
    """The file of a version or a material the user may read."""
    found = VersionFile.objects.filter(public_id=public_id).first()
    if found is None:
        raise Http404("file")
    version = DocumentVersion.objects.restrict(user, "view").filter(file=found).exists()
    material = Material.objects.restrict(user, "view").filter(file=found).exists()
    if not (version or material):
        raise Http404("file")
    return found
