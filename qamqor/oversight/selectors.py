"""Reads of the recommendations tracker. Nothing in it is personal (the history shows the
role and organisation of who changed a status, not their name), so reads are public and
not audited; every read still asks ``restrict(user, "view")``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from qamqor.accounts import access
from qamqor.oversight.models import (
    Change,
    Evidence,
    EvidenceDocument,
    Recommendation,
    Status,
    number_key,
)


def recommendation_list(
    user: Any, *, status: str = "", addressee: str = "", section: str = ""
) -> QuerySet[Recommendation]:
    """The recommendations in the brief's order, filtered, with their responsible body and
    evidence in two more queries whatever the number of rows."""
    rows = (
        Recommendation.objects.restrict(user, "view")
        .select_related("responsible_organisation")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.select_related("document"))
        )
    )
    if status:
        rows = rows.filter(status=status)
    if addressee:
        rows = rows.filter(addressee=addressee)
    if section:
        rows = rows.filter(section=section)
    return rows.order_by("position")


def sections(user: Any) -> list[str]:
    """The sections of the brief ("1.1" … "3.4"), in order."""
    found = Recommendation.objects.restrict(user, "view").values_list("section", flat=True)
    return sorted(set(found), key=number_key)


@dataclass
class SectionProgress:
    """How many recommendations of a section (or of all) stand at each status."""

    section: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def by_status(self) -> list[tuple[str, str, int]]:
        """(status, label, count) for every status, in the order of ``Status``."""
        return [(value, str(label), self.counts[value]) for value, label in Status.choices]


def progress(rows: QuerySet[Recommendation]) -> tuple[SectionProgress, list[SectionProgress]]:
    """Counts per status, overall and per section, of the given rows: one query."""
    overall = SectionProgress(section="")
    per_section: dict[str, SectionProgress] = {}
    counted = (
        rows.order_by()
        .values("section", "status")
        .annotate(n=Count("pk"))
        .values_list("section", "status", "n")
    )
    for section, status, n in counted:
        per_section.setdefault(section, SectionProgress(section=section)).counts[status] += n
        overall.counts[status] += n
    ordered = [per_section[key] for key in sorted(per_section, key=number_key)]
    return overall, ordered


def get_recommendation(user: Any, number: str, action: str = "view") -> Recommendation:
    """One recommendation by its number (404 if there is none, or for ``edit`` outside
    the coordinating body)."""
    return access.get_or_404(
        Recommendation.objects.select_related("responsible_organisation"),
        user,
        action,
        number=number,
    )


def history(recommendation: Recommendation) -> QuerySet[Change]:
    """Every change of the recommendation, oldest first."""
    return recommendation.changes.select_related(
        "actor_organisation",
        "old_responsible_organisation",
        "new_responsible_organisation",
        "evidence",
    ).order_by("at", "pk")


def evidence_of(recommendation: Recommendation) -> QuerySet[Evidence]:
    return recommendation.evidence.select_related("document").order_by("added_at", "pk")


def get_document(user: Any, number: str, public_id: UUID) -> EvidenceDocument:
    """An uploaded evidence document of a recommendation the user sees (everyone)."""
    recommendation = get_recommendation(user, number)
    evidence = (
        Evidence.objects.filter(recommendation=recommendation, public_id=public_id)
        .select_related("document")
        .first()
    )
    if evidence is None or evidence.document is None:
        raise Http404("evidence document")
    return evidence.document
