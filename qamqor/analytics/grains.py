"""The rollup grains: which table a delta ``kind`` goes into, its dimensions and measures
(decision 0014). The fold, the recount and the indicator catalogue all read this one
registry, so a new grain is declared once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from qamqor.analytics.models import (
    BUCKET_EDGES,
    BUCKETS,
    ActivityRollup,
    CaseFormRollup,
    CaseRollup,
    ClosureRollup,
    DurationRollup,
    OverdueStepSnapshot,
    ScreeningRollup,
    StepRollup,
)


@dataclass(frozen=True)
class Grain:
    """A rollup table: ``dimensions`` key its rows, ``measures`` are the numbers added up.
    ``monthly`` is False for a current-state snapshot (no month, recomputed whole)."""

    code: str
    model: type[models.Model]
    dimensions: tuple[str, ...]
    measures: tuple[str, ...]
    monthly: bool = True


GRAINS: dict[str, Grain] = {
    grain.code: grain
    for grain in (
        Grain(
            "cases",
            CaseRollup,
            ("month", "region", "district", "ownership", "setting", "relationship", "protocol"),
            ("cases", "registered", "in_progress", "closed"),
        ),
        Grain(
            "case_forms",
            CaseFormRollup,
            ("month", "region", "district", "ownership", "form", "setting", "relationship"),
            ("cases",),
        ),
        Grain(
            "closures",
            ClosureRollup,
            ("month", "region", "district", "ownership", "outcome"),
            ("closed",),
        ),
        Grain(
            "steps",
            StepRollup,
            ("month", "region", "organisation_kind", "timeliness"),
            ("steps",),
        ),
        Grain(
            "overdue_steps",
            OverdueStepSnapshot,
            ("region", "organisation_kind"),
            ("steps",),
            monthly=False,
        ),
        Grain(
            "durations",
            DurationRollup,
            ("measure", "month", "region", "organisation_kind"),
            ("count", "total_seconds", *BUCKETS),
        ),
        Grain(
            "activity",
            ActivityRollup,
            ("activity", "month", "region", "organisation_kind", "organisation"),
            ("events",),
        ),
        Grain(
            "screenings",
            ScreeningRollup,
            ("month", "region", "district", "ownership", "instrument", "band"),
            ("screenings",),
        ),
    )
}

#: Grains the fold fills from deltas (the snapshot is recomputed instead).
DELTA_GRAINS = tuple(code for code, grain in GRAINS.items() if grain.monthly)


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of the month ``moment`` falls in, in Kazakhstan's time."""
    return timezone.localtime(moment).date().replace(day=1)


def whole_seconds(start: dt.datetime, end: dt.datetime) -> int:
    """Seconds from ``start`` to ``end``, each cut to its whole second first (the recount
    computes the same in SQL on both databases)."""
    return int((end.replace(microsecond=0) - start.replace(microsecond=0)).total_seconds())


def bucket_of(seconds: int) -> str:
    """The histogram bucket (``b0`` … ``b7``) of a duration."""
    for index, edge in enumerate(BUCKET_EDGES):
        if seconds < edge:
            return BUCKETS[index]
    return BUCKETS[-1]


def duration_measures(seconds: int) -> dict[str, int]:
    """The measures one duration adds: one more, its seconds, one in its bucket."""
    return {"count": 1, "total_seconds": seconds, bucket_of(seconds): 1}
