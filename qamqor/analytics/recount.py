"""The recount: every rollup rebuilt from the domain tables (decision 0014).

Set-based, so it scales to the national history: each grain is one or a few
``INSERT INTO rollup (…) SELECT … GROUP BY …`` statements compiled by the ORM (the same
SQL runs on SQLite and PostgreSQL), never a loop over rows in Python. The dimensions are
computed exactly as the delta receivers compute them (``analytics.deltas``); the tests
check that the incremental figures equal the recount on both databases.

On PostgreSQL the recount reads one snapshot (REPEATABLE READ): a transaction that
commits while it runs is either wholly in the recount (its deltas deleted with the rest)
or wholly left to the next fold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as When_
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from qamqor.analytics.grains import GRAINS
from qamqor.analytics.models import BUCKET_EDGES, BUCKETS, Delta, FoldState
from qamqor.care.models import Consultation, CrisisBasis
from qamqor.cases.models import Case, CaseViolenceForm
from qamqor.instruments.models import Administration
from qamqor.intake.models import Report
from qamqor.protocols.models import ProtocolRun, Step
from qamqor.referrals.models import Referral, ReferralEvent
from qamqor.units import entry_point_in_steps

PREFIX = "r_"


class EpochSeconds(Func):
    """A timestamp as whole seconds since 1970 (cut to its second), on both databases."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # '%%%%s': one %% for the template, one for the driver's placeholder conversion
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(EPOCH FROM date_trunc('second', %(expressions)s)) AS BIGINT)",
        )


def _month(field: str) -> TruncMonth:
    return TruncMonth(field, output_field=models.DateField())


def _text(value: str) -> Value:
    return Value(value, output_field=models.CharField())


def _ownership(school: str) -> When_:
    return When_(
        When(**{f"{school}__isnull": True}, then=_text("none")),
        When(**{f"{school}__is_private": True}, then=_text("private")),
        default=_text("public"),
        output_field=models.CharField(),
    )


def _case_place(case: str = "") -> dict[str, Any]:
    """Region, district and ownership of a case, as ``deltas.case_place``."""
    return {
        "region": F(f"{case}region__code"),
        "district": Coalesce(
            F(f"{case}school__district__code"),
            F(f"{case}received_by__district__code"),
            _text(""),
        ),
        "ownership": _ownership(f"{case}school"),
    }


def _latest_protocol(case_pk: str) -> Coalesce:
    runs = ProtocolRun.objects.filter(case=OuterRef(case_pk)).order_by("-pk")
    return Coalesce(Subquery(runs.values("protocol__code")[:1]), _text(""))


@dataclass(frozen=True)
class DurationRows:
    """One row per duration (``r_seconds``) with its dimensions; grouped into count, sum
    and histogram buckets by ``insert_durations``, so the duration is computed once a row
    (a correlated subquery, the first report of a case, is not repeated per bucket)."""

    rows: QuerySet[Any]


def _durations(queryset: QuerySet[Any], dimensions: dict[str, Any]) -> DurationRows:
    rows = queryset.annotate(**{PREFIX + name: value for name, value in dimensions.items()}).values(
        *(PREFIX + name for name in (*dimensions, "seconds"))
    )
    return DurationRows(rows.order_by())


def insert_durations(model: type[models.Model], source: DurationRows) -> None:
    """``INSERT INTO durations … SELECT dims, COUNT(*), SUM(seconds), SUM(CASE …) … GROUP BY
    dims`` over the rows of ``source``."""
    quote = connection.ops.quote_name
    dimensions = [name[len(PREFIX) :] for name in source.rows.query.annotation_select]
    dimensions = [name for name in dimensions if name != "seconds"]
    seconds = quote(PREFIX + "seconds")
    buckets = []
    lower: int | None = None
    for index in range(len(BUCKETS)):
        upper = BUCKET_EDGES[index] if index < len(BUCKET_EDGES) else None
        # the edges are the module's own integers, written into the statement as numbers
        parts = [f"{seconds} >= {int(lower)}"] if lower is not None else []
        parts += [f"{seconds} < {int(upper)}"] if upper is not None else []
        buckets.append(f"SUM(CASE WHEN {' AND '.join(parts)} THEN 1 ELSE 0 END)")
        lower = upper
    sql, params = source.rows.query.sql_with_params()
    grouped = ", ".join(quote(PREFIX + name) for name in dimensions)
    columns = [*dimensions, "count", "total_seconds", *BUCKETS]
    target = f"{quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)})"
    picked = ", ".join([grouped, "COUNT(*)", f"SUM({seconds})", *buckets])
    statement = (
        f"INSERT INTO {target} SELECT {picked} FROM ({sql}) source "  # nosec B608 # noqa: S608
        f"WHERE {seconds} IS NOT NULL GROUP BY {grouped}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def _grouped(
    queryset: QuerySet[Any], dimensions: dict[str, Any], measures: dict[str, Any]
) -> QuerySet[Any]:
    """``queryset`` grouped by the dimension expressions, with the measure aggregates;
    every column aliased ``r_<rollup column>``."""
    grouped: QuerySet[Any] = (
        queryset.annotate(**{PREFIX + name: value for name, value in dimensions.items()})
        .values(*(PREFIX + name for name in dimensions))
        .annotate(**{PREFIX + name: value for name, value in measures.items()})
        .order_by()
    )
    return grouped


def insert_select(model: type[models.Model], source: QuerySet[Any]) -> None:
    """``INSERT INTO model (…) SELECT … FROM (source)``: the grouping runs in the database."""
    columns = [name[len(PREFIX) :] for name in source.query.values_select] + [
        name[len(PREFIX) :] for name in source.query.annotation_select if name.startswith(PREFIX)
    ]
    columns = list(dict.fromkeys(columns))
    sql, params = source.query.sql_with_params()
    quote = connection.ops.quote_name
    # names quoted from the model and the query's aliases; every value stays a parameter
    target = f"{quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)})"
    picked = ", ".join(quote(PREFIX + c) for c in columns)
    statement = f"INSERT INTO {target} SELECT {picked} FROM ({sql}) source"  # nosec B608 # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def _case_dimensions() -> dict[str, Any]:
    return {
        "month": _month("registered_at"),
        **_case_place(),
        "setting": F("setting"),
        "relationship": F("perpetrator_relationship"),
    }


def _status(status: str) -> Count:
    return Count("pk", filter=Q(status=status))


def overdue_steps_source(now: dt.datetime) -> QuerySet[Any]:
    """Open steps past their deadline at ``now``, by region and organisation kind."""
    return _grouped(
        Step.objects.overdue(now),
        {"region": F("case__region__code"), "organisation_kind": F("organisation__kind")},
        {"steps": Count("pk")},
    )


def sources(now: dt.datetime) -> dict[str, list[QuerySet[Any] | DurationRows]]:
    """For each grain, the grouped queries whose rows are its rollup rows."""
    first_report = Subquery(
        Report.objects.filter(case=OuterRef("pk")).order_by("received_at").values("received_at")[:1]
    )
    closed = Case.objects.filter(status=Case.Status.CLOSED, closed_at__isnull=False)
    accepted = Referral.objects.filter(
        Exists(ReferralEvent.objects.filter(referral=OuterRef("pk"), kind="accepted")),
        responded_at__isnull=False,
    )
    return {
        "cases": [
            _grouped(
                Case.objects.all(),
                {**_case_dimensions(), "protocol": _latest_protocol("pk")},
                {
                    "cases": Count("pk"),
                    "registered": _status(Case.Status.REGISTERED),
                    "in_progress": _status(Case.Status.IN_PROGRESS),
                    "closed": _status(Case.Status.CLOSED),
                },
            )
        ],
        "case_forms": [
            _grouped(
                CaseViolenceForm.objects.all(),
                {
                    "month": _month("case__registered_at"),
                    **_case_place("case__"),
                    "form": F("code"),
                    "setting": F("case__setting"),
                    "relationship": F("case__perpetrator_relationship"),
                },
                {"cases": Count("pk")},
            )
        ],
        "closures": [
            _grouped(
                closed,
                {"month": _month("closed_at"), **_case_place(), "outcome": F("outcome")},
                {"closed": Count("pk")},
            )
        ],
        "steps": [
            _grouped(
                # a step carried into a new protocol by a reclassification was done before
                # its run began: counted once, where it was done
                Step.objects.filter(
                    status=Step.Status.DONE,
                    completed_at__isnull=False,
                    completed_at__gte=F("run__started_at"),
                ),
                {
                    "month": _month("completed_at"),
                    "region": F("case__region__code"),
                    "organisation_kind": F("organisation__kind"),
                    "timeliness": When_(
                        When(
                            due_at__isnull=False, completed_at__gt=F("due_at"), then=_text("late")
                        ),
                        default=_text("on_time"),
                        output_field=models.CharField(),
                    ),
                },
                {"steps": Count("pk")},
            )
        ],
        "overdue_steps": [overdue_steps_source(now)],
        "durations": [
            _durations(
                Case.objects.all(),
                {
                    "measure": _text("report_to_registration"),
                    "month": _month("registered_at"),
                    "region": F("region__code"),
                    "organisation_kind": F("received_by__kind"),
                    "seconds": EpochSeconds("registered_at") - EpochSeconds(first_report),
                },
            ),
            _durations(
                closed,
                {
                    "measure": _text("registration_to_closure"),
                    "month": _month("closed_at"),
                    "region": F("region__code"),
                    "organisation_kind": _text(""),
                    "seconds": EpochSeconds("closed_at") - EpochSeconds("registered_at"),
                },
            ),
            _durations(
                accepted,
                {
                    "measure": _text("referral_acceptance"),
                    "month": _month("responded_at"),
                    "region": Coalesce(
                        F("to_organisation__region__code"), F("child__region__code")
                    ),
                    "organisation_kind": F("to_organisation__kind"),
                    "seconds": EpochSeconds("responded_at") - EpochSeconds("sent_at"),
                },
            ),
        ],
        "activity": [
            _grouped(
                model.objects.all(),
                {
                    "activity": _text(activity),
                    "month": _month(moment),
                    "region": Coalesce(F("organisation__region__code"), _text("")),
                    "organisation_kind": F("organisation__kind"),
                    "organisation": F("organisation__code"),
                },
                {"events": Count("pk")},
            )
            for activity, model, moment in (
                ("consultation", Consultation, "held_at"),
                ("crisis_exception", CrisisBasis, "recorded_at"),
            )
        ],
        "screenings": [
            _grouped(
                Administration.objects.filter(
                    status=Administration.Status.COMPLETED, submitted_at__isnull=False
                ),
                {
                    "month": _month("submitted_at"),
                    "region": F("region__code"),
                    "district": Coalesce(F("district__code"), _text("")),
                    "ownership": _ownership("school"),
                    "instrument": F("instrument__code"),
                    "band": F("band"),
                },
                {"screenings": Count("pk")},
            )
        ],
    }


@entry_point_in_steps
def recount(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Rebuild every rollup from the domain tables; returns the rows per grain."""
    now = now or timezone.now()
    outermost = not connection.in_atomic_block  # inside a caller's transaction, its snapshot
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        state, _created = FoldState.objects.select_for_update().get_or_create(pk=1)
        Delta.objects.all().delete()  # every committed fact is in the tables read below
        for grain in GRAINS.values():
            grain.model._default_manager.all().delete()
        for code, queries in sources(now).items():
            for query in queries:
                if isinstance(query, DurationRows):
                    insert_durations(GRAINS[code].model, query)
                else:
                    insert_select(GRAINS[code].model, query)
        state.recounted_at = now
        state.folded_at = now
        state.save(update_fields=["recounted_at", "folded_at"])
    return {code: grain.model._default_manager.count() for code, grain in GRAINS.items()}
