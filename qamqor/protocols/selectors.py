"""Reads of protocol steps and versions, always through the access policy.

- ``open_steps``: "who holds the ball" (brief 1.2.1, 1.3.3): every open step by
  organisation and region, overdue first, with how long it has waited;
- ``step_on_case``: the step of a case by its key, in the protocol the case runs now;
- ``catalogue`` and ``version_detail``: the protocols, their versions and what a new
  version changes, for the national coordinator who publishes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from qamqor.accounts import access, policy
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.cases.models import Case
from qamqor.directory.models import Organisation
from qamqor.protocols import definitions
from qamqor.protocols import services as protocol_services
from qamqor.protocols.definitions import ProtocolSpec
from qamqor.protocols.models import ProtocolVersion, Step
from qamqor.translation import pick

# --- steps ------------------------------------------------------------------------------


def step_on_case(case: Case, key: str) -> Step:
    """The step ``key`` of the case's current protocol (a switched case also keeps the
    cancelled and done steps of the protocol it ran before); 404 if there is none."""
    steps = [step for step in case.steps.all() if step.key == key]
    if not steps:
        raise Http404("step")
    current = [step for step in steps if step.run.ended_at is None]
    return (current or steps)[-1]


def may_see_open_steps(user: object) -> bool:
    """Staff who see cases see the open steps in their scope; monitors do not."""
    return access.allows(user, "open_steps")


def _open_steps_in_scope(user: object) -> QuerySet[Step]:
    # Coordinators: every open step in their regions. Other staff: their organisations'
    # steps, on cases they may see (the task list's rule): protocols.rules "board".
    return Step.objects.filter(status=Step.Status.OPEN).restrict(user, "board")


def open_steps(
    user: User,
    *,
    region: str | None = None,
    organisation_kind: str | None = None,
    overdue_only: bool = False,
    now: datetime | None = None,
) -> QuerySet[Step]:
    """Open steps the user may see, overdue first (the earliest deadline first: an overdue
    step's deadline is in the past), in a fixed number of queries. The read is audited:
    it lists case numbers."""
    now = now or timezone.now()
    audit.record(
        actor=user,
        action="step.list_open",
        object_type="step",
        object_id="*",
        changes={
            key: value
            for key, value in {
                "region": region,
                "organisation_kind": organisation_kind,
                "overdue_only": overdue_only,
            }.items()
            if value
        },
    )
    steps = _open_steps_in_scope(user)
    if region:
        steps = steps.filter(case__region__code=region)
    if organisation_kind:
        steps = steps.filter(organisation__kind=organisation_kind)
    if overdue_only:
        steps = steps.filter(due_at__lt=now)
    return steps.select_related(
        "case__region", "organisation", "contact_person", "run__protocol"
    ).order_by(F("due_at").asc(nulls_last=True), "pk")


@dataclass
class OrganisationLoad:
    """How many open and overdue steps one organisation holds."""

    organisation: Organisation
    open: int
    overdue: int
    oldest_due: datetime | None


def load_by_organisation(
    steps: QuerySet[Step], *, now: datetime | None = None, limit: int = 20
) -> list[OrganisationLoad]:
    """The organisations holding the most overdue (then open) steps among ``steps``: two
    queries whatever the number of steps."""
    now = now or timezone.now()
    rows = list(
        steps.order_by()
        .values("organisation_id")
        .annotate(
            open_count=Count("pk"),
            overdue_count=Count("pk", filter=Q(due_at__lt=now)),
            oldest=Min("due_at"),
        )
        .order_by("-overdue_count", "oldest", "organisation_id")[:limit]
    )
    organisations = Organisation.objects.select_related("region").in_bulk(
        [row["organisation_id"] for row in rows]
    )
    return [
        OrganisationLoad(
            organisation=organisations[row["organisation_id"]],
            open=row["open_count"],
            overdue=row["overdue_count"],
            oldest_due=row["oldest"],
        )
        for row in rows
    ]


# --- protocol versions ------------------------------------------------------------------


def may_see_protocols(user: object) -> bool:
    """Staff who act on cases read the protocols; monitors see aggregates only."""
    return access.allows(user, "protocols")


def may_publish(user: object) -> bool:
    return policy.scope_for(user).national


class VersionStatus:
    PUBLISHED = "published"  # what new cases start on
    SUPERSEDED = "superseded"  # published before; cases that started on it keep it
    AVAILABLE = "available"  # a newer file, not yet published
    NOT_PUBLISHED = "not_published"  # older than the published one, never published


@dataclass
class VersionRow:
    code: str
    version: int
    definition: dict[str, Any]
    status: str
    stored: ProtocolVersion | None = None
    running_cases: int = 0
    changed_on_disk: bool = False

    @property
    def title(self) -> str:
        return pick(self.definition["title"])

    @property
    def published_at(self) -> datetime | None:
        return self.stored.published_at if self.stored else None

    @property
    def published_by(self) -> User | None:
        return self.stored.published_by if self.stored else None

    @property
    def can_be_published(self) -> bool:
        return self.status == VersionStatus.AVAILABLE and not self.changed_on_disk

    @property
    def spec(self) -> ProtocolSpec:
        return definitions.parse(self.definition, name=f"{self.code} v{self.version}")

    def as_version(self) -> ProtocolVersion:
        """The stored row, or an unsaved one built from the file (for ``version_diff``)."""
        if self.stored is not None:
            return self.stored
        return ProtocolVersion(
            code=self.code,
            version=self.version,
            definition=self.definition,
            checksum=definitions.checksum(self.definition),
        )


@dataclass
class ProtocolEntry:
    code: str
    versions: list[VersionRow] = field(default_factory=list)  # newest first

    @property
    def published(self) -> VersionRow | None:
        return next((v for v in self.versions if v.status == VersionStatus.PUBLISHED), None)

    @property
    def title(self) -> str:
        return (self.published or self.versions[0]).title


def catalogue() -> list[ProtocolEntry]:
    """Every protocol with its versions: those stored (published or loaded) and those only
    in the definition files so far. Reads without writing; two queries."""
    stored = {
        (row.code, row.version): row
        for row in ProtocolVersion.objects.select_related("published_by").annotate(
            running=Count("runs", filter=Q(runs__ended_at__isnull=True))
        )
    }
    files = definitions.load_all()
    entries: dict[str, ProtocolEntry] = {}
    for key in sorted(set(stored) | set(files), key=lambda k: (k[0], -k[1])):
        code, version = key
        row = stored.get(key)
        loaded = files.get(key)
        entries.setdefault(code, ProtocolEntry(code=code)).versions.append(
            VersionRow(
                code=code,
                version=version,
                definition=row.definition if row else loaded.raw,  # type: ignore[union-attr]
                status="",
                stored=row,
                running_cases=getattr(row, "running", 0) if row else 0,
                changed_on_disk=bool(row and loaded and row.checksum != loaded.checksum),
            )
        )
    for entry in entries.values():
        published = [v.version for v in entry.versions if v.published_at is not None]
        current = max(published, default=0)
        for version_row in entry.versions:
            if version_row.version == current:
                version_row.status = VersionStatus.PUBLISHED
            elif version_row.published_at is not None:
                version_row.status = VersionStatus.SUPERSEDED
            elif version_row.version > current:
                version_row.status = VersionStatus.AVAILABLE
            else:
                version_row.status = VersionStatus.NOT_PUBLISHED
    return list(entries.values())


@dataclass
class VersionDetail:
    entry: ProtocolEntry
    row: VersionRow
    against: VersionRow | None
    diff: dict[str, Any] | None


def version_detail(code: str, version: int) -> VersionDetail:
    """One version, and what it changes against the published one (when it is not the
    published one itself); 404 for an unknown version."""
    entry = next((e for e in catalogue() if e.code == code), None)
    row = next((v for v in entry.versions if v.version == version), None) if entry else None
    if entry is None or row is None:
        raise Http404("protocol version")
    published = entry.published
    if published is not None and published.version == row.version:
        return VersionDetail(entry=entry, row=row, against=None, diff=None)
    diff = protocol_services.version_diff(
        published.as_version() if published else None, row.as_version()
    )
    return VersionDetail(entry=entry, row=row, against=published, diff=diff)
