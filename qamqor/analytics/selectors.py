"""Aggregates for the coordinator dashboards: counts by region, status and form, overdue steps.

Monitors and coordinators read these; they never contain a name or a narrative. Counts
are grouped in the database (one query per breakdown), not in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from qamqor.accounts import policy
from qamqor.cases.models import Case, CaseViolenceForm
from qamqor.directory.models import Region
from qamqor.protocols.models import Step


@dataclass
class Dashboard:
    national: bool
    regions: list[Region]
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_form: dict[str, int] = field(default_factory=dict)
    by_region: list[dict[str, Any]] = field(default_factory=list)
    overdue_total: int = 0


def _cases_in_scope(region_ids: frozenset[int] | None) -> QuerySet[Case]:
    cases = Case.objects.all()
    return cases if region_ids is None else cases.filter(region_id__in=region_ids)


def dashboard(user: object) -> Dashboard:
    """Aggregates for the user's statistics scope (a region, or the whole country)."""
    region_ids = policy.statistics_region_ids(user)
    regions = list(
        Region.objects.all() if region_ids is None else Region.objects.filter(pk__in=region_ids)
    )
    cases = _cases_in_scope(region_ids)
    result = Dashboard(national=region_ids is None, regions=regions)
    result.by_status = dict(
        cases.values_list("status").annotate(n=Count("pk")).order_by().values_list("status", "n")
    )
    result.total = sum(result.by_status.values())
    forms = CaseViolenceForm.objects.filter(case__in=cases)
    result.by_form = dict(
        forms.values_list("code").annotate(n=Count("pk")).order_by("-n").values_list("code", "n")
    )
    per_region: dict[int, dict[str, int]] = {}
    for region_id, status, n in (
        cases.values_list("region_id", "status").annotate(n=Count("pk")).order_by()
    ):
        per_region.setdefault(region_id, {})[status] = n
    overdue = Step.objects.overdue(timezone.now()).filter(case__in=cases)
    overdue_by_region = dict(
        overdue.values_list("case__region_id").annotate(n=Count("pk")).order_by()
    )
    result.overdue_total = sum(overdue_by_region.values())
    for region in regions:
        counts = per_region.get(region.pk, {})
        result.by_region.append(
            {
                "region": region,
                "registered": counts.get(Case.Status.REGISTERED, 0),
                "in_progress": counts.get(Case.Status.IN_PROGRESS, 0),
                "closed": counts.get(Case.Status.CLOSED, 0),
                "total": sum(counts.values()),
                "overdue_steps": overdue_by_region.get(region.pk, 0),
            }
        )
    return result


def overdue_steps(user: object, limit: int = 50) -> QuerySet[Step]:
    """Overdue steps in the coordinator's region(s); monitors get none (no case detail)."""
    scope = policy.scope_for(user)
    steps = Step.objects.overdue(timezone.now()).select_related(
        "case__region", "organisation", "run__protocol"
    )
    if scope.national:
        return steps.order_by("due_at")[:limit]
    if scope.region_ids:
        return steps.filter(case__region_id__in=scope.region_ids).order_by("due_at")[:limit]
    return steps.none()
