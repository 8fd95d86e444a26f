"""The fold: committed deltas into the rollups, in one transaction (decision 0014).

Run by the worker's sweeps (``qamqor.worker.run_sweeps``). It locks the one
``FoldState`` row (so folds and recounts take turns), claims up to ``batch`` deltas
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has one writer anyway), adds them up in
memory, applies one ``UPDATE … SET n = n + sum`` per rollup row (an INSERT for a new
row), deletes the deltas and notes the time. A fold killed half-way rolls back whole: the
deltas stay for the next one and none is counted twice. Last, the snapshot of overdue
steps is recomputed, so it is "as of" the same time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from qamqor.analytics.grains import GRAINS
from qamqor.analytics.models import Delta, FoldState, OverdueStepSnapshot
from qamqor.analytics.recount import insert_select, overdue_steps_source

BATCH = 20_000


def _key(kind: str, dimensions: dict[str, Any]) -> tuple[str, tuple[tuple[str, Any], ...]]:
    grain = GRAINS[kind]
    return kind, tuple((name, dimensions.get(name, "")) for name in grain.dimensions)


def _apply(kind: str, cell: tuple[tuple[str, Any], ...], sums: dict[str, int]) -> None:
    grain = GRAINS[kind]
    where = {
        name: dt.date.fromisoformat(value) if name == "month" else value for name, value in cell
    }
    changes = {name: value for name, value in sums.items() if value and name in grain.measures}
    if not changes:
        return
    updated = grain.model._default_manager.filter(**where).update(
        **{name: F(name) + value for name, value in changes.items()}
    )
    if not updated:
        grain.model._default_manager.create(**where, **changes)


def refresh_overdue_snapshot(now: dt.datetime | None = None) -> None:
    """Recompute the open steps past their deadline, by region and organisation kind."""
    OverdueStepSnapshot.objects.all().delete()
    insert_select(OverdueStepSnapshot, overdue_steps_source(now or timezone.now()))


def fold(*, batch: int = BATCH) -> int:
    """Fold up to ``batch`` committed deltas into the rollups; returns how many."""
    with transaction.atomic():
        state, _created = FoldState.objects.select_for_update().get_or_create(pk=1)
        claimed = list(
            Delta.objects.select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", "kind", "dimensions", "measures")[:batch]
        )
        sums: dict[tuple[str, tuple[tuple[str, Any], ...]], dict[str, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        for _pk, kind, dimensions, measures in claimed:
            cell = sums[_key(kind, dimensions)]
            for name, value in measures.items():
                cell[name] += int(value)
        for (kind, cell_key), measures in sorted(sums.items()):
            _apply(kind, cell_key, measures)
        ids = [pk for pk, *_rest in claimed]
        for start in range(0, len(ids), 1000):
            Delta.objects.filter(pk__in=ids[start : start + 1000]).delete()
        refresh_overdue_snapshot()
        state.folded_at = timezone.now()
        state.deltas_folded += len(ids)
        state.save(update_fields=["folded_at", "deltas_folded"])
    return len(ids)


def as_of() -> dt.datetime | None:
    """When the rollups were last brought up to date (a fold or a recount)."""
    state = FoldState.objects.filter(pk=1).values_list("folded_at", "recounted_at").first()
    if state is None:
        return None
    times = [moment for moment in state if moment is not None]
    return max(times) if times else None
