"""Reads of screenings, always through the access policy; reads of results are audited.

Aggregates are counted in the database (one GROUP BY per breakdown) and pass through
small-cell suppression before anyone sees them, coordinators included.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from qamqor.accounts import policy
from qamqor.audit import services as audit
from qamqor.cases.classification import ChildSex
from qamqor.cases.models import Child
from qamqor.directory.models import District, Region
from qamqor.instruments.models import (
    Administration,
    Alert,
    Campaign,
    CampaignPupil,
    InstrumentVersion,
)
from qamqor.translation import pick

# --- children and administrations ---------------------------------------------------------


def screenable_children(user: object) -> QuerySet[Child]:
    return Child.objects.filter(policy.screening_child_filter(user))


def child_for_screening(user: object, code: str) -> Child:
    """The child with this pseudonymous code, if the user may screen them; else 404."""
    child = (
        screenable_children(user)
        .select_related("school__district", "region")
        .filter(code=code.strip().upper())
        .first()
    )
    if child is None:
        raise Http404("child")
    return child


def administration_for_user(
    user: Any, public_id: uuid.UUID | str, *, audit_read: bool = True
) -> Administration:
    """One administration whose results the user may see; otherwise 404 (never 403)."""
    administration = (
        Administration.objects.visible_to(user)
        .select_related(
            "instrument", "child__school", "child__region", "organisation", "campaign", "created_by"
        )
        .prefetch_related(
            Prefetch(
                "alerts",
                queryset=Alert.objects.select_related(
                    "acknowledged_by", "escalated_to", "case"
                ).order_by("pk"),
            )
        )
        .filter(public_id=public_id)
        .first()
    )
    if administration is None:
        raise Http404("administration")
    if audit_read:
        audit.record(
            actor=user,
            action="screening.read",
            object_type="administration",
            object_id=administration.public_id,
        )
    return administration


def history(user: object, child: Child) -> QuerySet[Administration]:
    """The child's completed screenings the user may see, newest first."""
    return (
        Administration.objects.visible_to(user)
        .completed()
        .filter(child=child)
        .select_related("instrument", "child")
        .order_by("-submitted_at", "-pk")
    )


def open_alerts(user: object) -> QuerySet[Alert]:
    """Alerts not yet acknowledged on administrations the user may see."""
    return (
        Alert.objects.filter(
            acknowledged_at__isnull=True,
            administration__in=Administration.objects.visible_to(user).values("pk"),
        )
        .select_related("administration__instrument", "child", "escalated_to")
        .order_by("created_at", "pk")
    )


def alert_for_user(user: object, pk: int) -> Alert:
    alert = (
        Alert.objects.filter(
            pk=pk, administration__in=Administration.objects.visible_to(user).values("pk")
        )
        .select_related("administration__instrument", "administration__child")
        .first()
    )
    if alert is None:
        raise Http404("alert")
    return alert


# --- campaigns ----------------------------------------------------------------------------


def campaigns(user: object) -> QuerySet[Campaign]:
    return (
        Campaign.objects.visible_to(user)
        .select_related("instrument", "region", "district", "school")
        .order_by("-created_at", "-pk")
    )


def campaign_for_user(user: object, public_id: uuid.UUID | str) -> Campaign:
    campaign = campaigns(user).select_related("organisation").filter(public_id=public_id).first()
    if campaign is None:
        raise Http404("campaign")
    return campaign


@dataclass(frozen=True)
class Progress:
    """How far a campaign (or one school's part of it) has got: counts only."""

    enrolled: int = 0
    consent_given: int = 0
    consent_refused: int = 0
    consent_unknown: int = 0
    codes: int = 0
    completed: int = 0
    follow_up: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.codes) if self.codes else 0


def campaign_progress(campaign: Campaign, *, school_ids: Sequence[int] | None = None) -> Progress:
    """Progress in two queries, whatever the size of the campaign (indexes on campaign)."""
    pupils = CampaignPupil.objects.filter(campaign=campaign)
    administrations = Administration.objects.filter(campaign=campaign)
    if school_ids is not None:
        pupils = pupils.filter(school_id__in=school_ids)
        administrations = administrations.filter(organisation_id__in=school_ids)
    consent = pupils.aggregate(
        enrolled=Count("pk"),
        given=Count("pk", filter=Q(consent=CampaignPupil.Consent.GIVEN)),
        refused=Count("pk", filter=Q(consent=CampaignPupil.Consent.REFUSED)),
    )
    answers = administrations.aggregate(
        codes=Count("pk"),
        completed=Count("pk", filter=Q(status=Administration.Status.COMPLETED)),
        follow_up=Count("pk", filter=Q(needs_follow_up=True)),
    )
    return Progress(
        enrolled=consent["enrolled"],
        consent_given=consent["given"],
        consent_refused=consent["refused"],
        consent_unknown=consent["enrolled"] - consent["given"] - consent["refused"],
        codes=answers["codes"],
        completed=answers["completed"],
        follow_up=answers["follow_up"],
    )


def roster(user: object, campaign: Campaign) -> QuerySet[CampaignPupil]:
    """The class lists of the user's own schools in the campaign (psychologists only)."""
    schools = policy.screening_scope_for(user).school_ids
    return (
        CampaignPupil.objects.filter(campaign=campaign, school_id__in=schools)
        .select_related("child", "administration")
        .order_by("class_label", "child__code")
    )


def follow_up_list(user: object, campaign: Campaign) -> QuerySet[Administration]:
    """Pupils above the threshold or with an alert, most urgent first; psychologists only."""
    return (
        Administration.objects.visible_to(user)
        .filter(campaign=campaign, needs_follow_up=True, status=Administration.Status.COMPLETED)
        .select_related("child", "instrument", "pupil")
        .order_by("-critical", "-submitted_at", "-pk")
    )


# --- aggregates with small-cell suppression -----------------------------------------------

SUPPRESSED = None  # a cell the reader must not see


def suppress(rows: list[list[int]], minimum: int) -> list[list[int | None]]:
    """Hide small cells so that none can be read off or derived by subtraction.

    ``rows`` are counts per group (one column per band). A row whose total is below
    ``minimum`` is hidden whole; a cell from 1 to ``minimum - 1`` is hidden; then, until
    nothing changes, a row or a column (the totals row counts as a row) with exactly one
    hidden cell hides one more, so that no hidden cell is the difference of visible ones.
    The result has one more row (the totals) and one more column (each row's total).
    """
    if not rows:
        return []
    width = len(rows[0])
    table: list[list[int]] = [[*row, sum(row)] for row in rows]
    table.append([sum(row[c] for row in table) for c in range(width + 1)])
    hidden = [[False] * (width + 1) for _row in table]
    for r, row in enumerate(table):
        if row[width] < minimum:
            hidden[r] = [True] * (width + 1)
            continue
        for c in range(width):
            if 0 < row[c] < minimum:
                hidden[r][c] = True

    def hide_one_more(cells: list[tuple[int, int]]) -> bool:
        """Hide the smallest visible cell among ``cells``; False if there is none."""
        visible = [(table[r][c], r, c) for r, c in cells if not hidden[r][c]]
        if not visible:
            return False
        _value, r, c = min(visible)
        hidden[r][c] = True
        return True

    changed = True
    while changed:
        changed = False
        # Within a row: cells + ... = the row total (when the total is shown).
        for r in range(len(table)):
            if hidden[r][width]:
                continue
            count = sum(hidden[r][c] for c in range(width))
            if count == 1:
                changed |= hide_one_more([(r, c) for c in range(width)])
        # Within a column: the groups' cells add up to the totals row's cell.
        for c in range(width + 1):
            count = sum(hidden[r][c] for r in range(len(table)))
            if count == 1:
                changed |= hide_one_more([(r, c) for r in range(len(table))])
    return [
        [SUPPRESSED if hidden[r][c] else table[r][c] for c in range(width + 1)]
        for r in range(len(table))
    ]


GROUPINGS = ("region", "district", "age", "sex")


@dataclass
class AggregateRow:
    key: Any
    label: str
    counts: list[int | None]  # per band, then the total; None = suppressed

    @property
    def total(self) -> int | None:
        return self.counts[-1]

    @property
    def shares(self) -> list[int | None]:
        """Percent of the row per band, where both numbers are shown."""
        total = self.total
        return [
            round(100 * n / total) if n is not None and total else None for n in self.counts[:-1]
        ]


@dataclass
class Aggregates:
    instrument: InstrumentVersion
    group_by: str
    national: bool
    bands: list[tuple[str, str]]
    rows: list[AggregateRow] = field(default_factory=list)
    totals: AggregateRow | None = None
    distribution: list[tuple[int, int | None]] = field(default_factory=list)
    minimum: int = 10


def _labels(group_by: str, keys: list[Any]) -> dict[Any, str]:
    if group_by == "region":
        return {r.pk: r.name for r in Region.objects.filter(pk__in=keys)}
    if group_by == "district":
        return {d.pk: d.name for d in District.objects.filter(pk__in=keys)}
    if group_by == "sex":
        return {code: str(label) for code, label in ChildSex.choices}
    return {key: str(key) for key in keys if key is not None}


def aggregates(
    user: object,
    *,
    instrument: InstrumentVersion,
    group_by: str = "region",
    region_id: int | None = None,
    district_id: int | None = None,
    sex: str | None = None,
    age: int | None = None,
) -> Aggregates:
    """Band counts and the score distribution of one instrument version, for the user's
    statistics scope, grouped by region, district, age or sex, small cells suppressed."""
    scope = policy.scope_for(user)
    if not scope.sees_statistics:
        raise Http404("statistics")
    region_ids = policy.statistics_region_ids(user)
    rows = Administration.objects.filter(
        instrument=instrument, status=Administration.Status.COMPLETED
    )
    if region_ids is not None:
        rows = rows.filter(region_id__in=region_ids)
    if region_id is not None:
        rows = rows.filter(region_id=region_id)
    if district_id is not None:
        rows = rows.filter(district_id=district_id)
    if sex:
        rows = rows.filter(sex=sex)
    if age is not None:
        rows = rows.filter(age_years=age)
    column = {"region": "region_id", "district": "district_id", "age": "age_years", "sex": "sex"}[
        group_by
    ]
    spec = instrument.spec
    bands = [(band.code, pick(band.label.as_dict())) for band in spec.bands]
    index = {code: i for i, (code, _label) in enumerate(bands)}
    counts: dict[Any, list[int]] = {}
    for key, band, n in rows.values_list(column, "band").annotate(n=Count("pk")).order_by():
        if band in index:
            counts.setdefault(key, [0] * len(bands))[index[band]] += n
    minimum = settings.SCREENING_SMALL_CELL_MIN
    keys = sorted(counts, key=lambda k: (k is None, str(k) if group_by != "age" else k or 0))
    labels = _labels(group_by, [k for k in keys if k is not None])
    table = suppress([counts[key] for key in keys], minimum)
    result = Aggregates(
        instrument=instrument,
        group_by=group_by,
        national=region_ids is None,
        bands=bands,
        minimum=minimum,
    )
    for key, cells in zip(keys, table, strict=False):
        label = labels.get(key) or "—"
        result.rows.append(AggregateRow(key=key, label=label, counts=cells))
    if table:
        result.totals = AggregateRow(key="total", label="", counts=table[-1])
        result.rows.sort(key=lambda row: row.label if group_by in ("region", "district") else "")
    if spec.score_range is not None:
        histogram = dict(rows.values_list("score").annotate(n=Count("pk")).order_by())
        low, high = spec.score_range
        scores = [s for s in range(low, high + 1) if s in histogram]
        if scores:
            hidden = suppress([[histogram[s] for s in scores]], minimum)[0]
            result.distribution = list(zip(scores, hidden[:-1], strict=True))
    return result
