"""Deltas and rollups: the national statistics (decision 0014, brief 1.2.1, 1.4.1, 3.1.1).

A domain change writes small ``Delta`` rows in its own transaction (``analytics.deltas``);
the worker's fold (``analytics.fold``) adds them into the rollup tables, one table per
grain. Every dimension is a code (a region's ISO code, a district's code, a form of
violence), never a name, a case number or a person. A month is its first day, in
Kazakhstan's time (``settings.TIME_ZONE``).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Delta(models.Model):
    """One fact to be counted: ``kind`` names the rollup grain it goes into, ``dimensions``
    its codes, ``measures`` the numbers to add (negative to take back, as a
    reclassification does). Written inside the domain transaction, deleted by the fold."""

    kind = models.CharField(max_length=24)
    dimensions = models.JSONField()
    measures = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "analytics_delta"

    def __str__(self) -> str:
        return f"{self.kind} {self.dimensions} {self.measures}"


class FoldState(models.Model):
    """The one row that says when the rollups were last brought up to date; folds and
    recounts lock it, so one runs at a time."""

    folded_at = models.DateTimeField(null=True, blank=True)
    recounted_at = models.DateTimeField(null=True, blank=True)
    deltas_folded = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"folded at {self.folded_at}"


def _code(max_length: int = 40) -> models.CharField[str, str]:
    return models.CharField(max_length=max_length, default="", blank=True)


class CaseRollup(models.Model):
    """Cases by the month they were registered by region by district by school ownership by
    setting by perpetrator relationship by protocol; ``registered``, ``in_progress`` and
    ``closed`` count the same cases by their status now (moved by status transitions)."""

    month = models.DateField()
    region = _code(8)
    district = _code()
    ownership = _code(8)
    setting = _code(20)
    relationship = _code(32)
    protocol = _code(60)
    cases = models.BigIntegerField(default=0)
    registered = models.BigIntegerField(default=0)
    in_progress = models.BigIntegerField(default=0)
    closed = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month",
                    "region",
                    "district",
                    "ownership",
                    "setting",
                    "relationship",
                    "protocol",
                ],
                name="case_rollup_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.region} {self.cases}"


class CaseFormRollup(models.Model):
    """Cases by month registered by region by district by ownership by form of violence by
    setting by relationship; a case with two forms counts once under each."""

    month = models.DateField()
    region = _code(8)
    district = _code()
    ownership = _code(8)
    form = _code(32)
    setting = _code(20)
    relationship = _code(32)
    cases = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month",
                    "region",
                    "district",
                    "ownership",
                    "form",
                    "setting",
                    "relationship",
                ],
                name="case_form_rollup_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.region} {self.form} {self.cases}"


class ClosureRollup(models.Model):
    """Cases closed by the month of closure by region by district by ownership by outcome."""

    month = models.DateField()
    region = _code(8)
    district = _code()
    ownership = _code(8)
    outcome = _code(20)
    closed = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region", "district", "ownership", "outcome"],
                name="closure_rollup_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.region} {self.outcome} {self.closed}"


class StepRollup(models.Model):
    """Protocol steps done, by the month done by region by kind of the responsible
    organisation by on time or late (done after its deadline)."""

    month = models.DateField()
    region = _code(8)
    organisation_kind = _code(24)
    timeliness = _code(8)
    steps = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region", "organisation_kind", "timeliness"],
                name="step_rollup_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.region} {self.timeliness} {self.steps}"


class OverdueStepSnapshot(models.Model):
    """Open steps past their deadline now, by region by kind of organisation: a state, not
    a flow, recomputed from the open steps at every fold (they are few beside history)."""

    region = _code(8)
    organisation_kind = _code(24)
    steps = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region", "organisation_kind"], name="overdue_step_snapshot_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.organisation_kind} {self.steps}"


#: Upper edges (in seconds, exclusive) of the duration histogram's buckets b0…b6; b7 is
#: everything from 30 days on. Fixed, so buckets add up across months and regions.
BUCKET_EDGES = (3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400)
BUCKETS = tuple(f"b{i}" for i in range(len(BUCKET_EDGES) + 1))


class DurationRollup(models.Model):
    """Durations (``measure``: report_to_registration, registration_to_closure,
    referral_acceptance) by the month they ended by region by organisation kind: their
    number, their sum in whole seconds (the mean) and a fixed histogram (the median and
    percentiles, to a bucket, without raw rows)."""

    measure = _code(32)
    month = models.DateField()
    region = _code(8)
    organisation_kind = _code(24)
    count = models.BigIntegerField(default=0)
    total_seconds = models.BigIntegerField(default=0)
    b0 = models.BigIntegerField(default=0, help_text="under 1 hour")
    b1 = models.BigIntegerField(default=0, help_text="1 to 4 hours")
    b2 = models.BigIntegerField(default=0, help_text="4 to 24 hours")
    b3 = models.BigIntegerField(default=0, help_text="1 to 3 days")
    b4 = models.BigIntegerField(default=0, help_text="3 to 7 days")
    b5 = models.BigIntegerField(default=0, help_text="7 to 14 days")
    b6 = models.BigIntegerField(default=0, help_text="14 to 30 days")
    b7 = models.BigIntegerField(default=0, help_text="30 days or more")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "month", "region", "organisation_kind"],
                name="duration_rollup_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.month} {self.region} {self.count}"


class ActivityRollup(models.Model):
    """Psychological support given, by ``activity`` (consultation, crisis_exception) by
    month by region by organisation kind by organisation (its code: an institution, not a
    person)."""

    activity = _code(20)
    month = models.DateField()
    region = _code(8)
    organisation_kind = _code(24)
    organisation = _code()
    events = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "month", "region", "organisation_kind", "organisation"],
                name="activity_rollup_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity} {self.month} {self.organisation} {self.events}"


class ScreeningRollup(models.Model):
    """Screenings completed by month by region by district by ownership by instrument by
    band."""

    month = models.DateField()
    region = _code(8)
    district = _code()
    ownership = _code(8)
    instrument = _code(30)
    band = _code(30)
    screenings = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region", "district", "ownership", "instrument", "band"],
                name="screening_rollup_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.instrument} {self.band} {self.screenings}"
