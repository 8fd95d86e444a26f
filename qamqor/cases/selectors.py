"""Reads of cases, always through the access policy, each read audited."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.cases.hooks import engine
from qamqor.cases.models import Case, CaseEvent
from qamqor.intake.models import Report


def case_list(user: User, **filters: object) -> QuerySet[Case]:
    """Cases the user may see, with what a list shows, in a fixed number of queries.

    Listing is a read of case data too: the page and the API audit each page they serve,
    naming the cases on it (``qamqor.pages.paginate``, ``qamqor.apikit.AuditedPagination``).
    """
    return (
        Case.objects.restrict(user, "view")
        .select_related("region", "school")
        .prefetch_related("forms")
        .order_by("-registered_at", "-pk")
    )


def get_case_for_user(
    user: User, number: str, *, audit_read: bool = True, read_as: str = "case.read"
) -> Case:
    """The case, if the user may see it; otherwise 404 (never 403). The read is audited,
    as ``read_as`` (the print page's ``case.print``, the parties' ``case.parties.read``)."""
    case = (
        Case.objects.restrict(user, "view")
        .select_related("region", "school", "received_by", "registered_by", "closed_by")
        .prefetch_related(
            "forms",
            engine().steps_prefetch(),  # the steps the page shows, from the protocol engine
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
        )
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404("case")
    if audit_read:
        audit.record(actor=user, action=read_as, object_type="case", object_id=case.number)
    return case


DUPLICATE_WINDOW_DAYS = 30
DUPLICATE_CANDIDATES = 50
DUPLICATE_MIN_SIMILARITY = 0.35


@dataclass(frozen=True)
class DuplicateCandidate:
    case: Case
    similarity: float


def duplicate_candidates(report: Report, user: User) -> list[DuplicateCandidate]:
    """Open cases the report may repeat: the same school (or region, when no school was
    named), registered in the last 30 days, with a similar description. The query uses
    the cases' (school, status) and registered_at indexes and reads at most 50 rows; the
    text comparison is difflib's ratio on the first 1,000 characters. The report page
    asks for them through ``intake.hooks`` (registered in ``CasesConfig.ready()``)."""
    since = report.received_at - timedelta(days=DUPLICATE_WINDOW_DAYS)
    cases = Case.objects.restrict(user, "view").exclude(status=Case.Status.CLOSED)
    cases = (
        cases.filter(school=report.school)
        if report.school_id
        else cases.filter(region=report.region)
    )
    rows = list(
        cases.filter(registered_at__gte=since)
        .only("pk", "number", "summary", "registered_at", "status")
        .order_by("-registered_at")[:DUPLICATE_CANDIDATES]
    )
    text = report.narrative.lower()[:1000]
    found = []
    for case in rows:
        matcher = difflib.SequenceMatcher(None, text, case.summary.lower()[:1000])
        if matcher.real_quick_ratio() < DUPLICATE_MIN_SIMILARITY:
            continue
        ratio = matcher.ratio()
        if ratio >= DUPLICATE_MIN_SIMILARITY:
            found.append(DuplicateCandidate(case=case, similarity=round(ratio, 2)))
    return sorted(found, key=lambda c: -c.similarity)[:5]
