"""The national dataset on PostgreSQL: seed, export, sweep and dashboard at scale (brief 3.1.1).

    bash scripts/pg-throwaway .venv/bin/python bench/national.py [--scale 1.0] [--years 5]

Seeds the synthetic national dataset (``qamqor seed --national``) unless it is there
already, then measures, each against a reference taken in the same run:

- the seed's time (target: under 10 minutes at scale 1);
- the CSV export of every case through the cases list's download (``qamqor.exports``),
  in a child process, with its rows per second and peak memory (targets: 50,000 rows/s,
  under 200 MB), against PostgreSQL's own ``COPY … TO STDOUT`` of the same columns;
- the overdue sweep (``protocols.sweeps``: escalation and reminders) over the whole
  history against the same sweep with 1 % of the closed steps, in rolled-back
  transactions (target: no growth with the closed history);
- the national dashboard and its indicator figures (cases by region and month, by form,
  overdue steps by organisation kind) through the rollups, p50 and p95, and the same
  figures computed live in PostgreSQL, against DuckDB computing them from scratch over
  the same rows dumped once to CSV (targets: p95 under 200 ms and at most 2x DuckDB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import ROOT, setup_django

TARGET_DASHBOARD_P95_MS = 200
TARGET_DUCKDB_RATIO = 2.0
TARGET_EXPORT_ROWS_PER_SECOND = 50_000
TARGET_EXPORT_RSS_MB = 200
TARGET_SEED_SECONDS = 600


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def sample(fn: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def national_user() -> Any:
    from qamqor.accounts.models import Role, User

    return User.objects.filter(
        memberships__role=Role.NATIONAL_COORDINATOR, username__startswith="nat-"
    ).first()


# --- seed ------------------------------------------------------------------------------


def seed(scale: float, years: int) -> float | None:
    from qamqor.demo.national import seed_national
    from qamqor.demo.national.directory import NATIONAL_CODE_PREFIX
    from qamqor.directory.models import Organisation

    if Organisation.objects.filter(code__startswith=NATIONAL_CODE_PREFIX).exists():
        print("national dataset already loaded: not seeded again")
        return None
    summary = seed_national(scale=scale, years=years)
    print(f"seed: {dict(summary.counts)}")
    parts = ", ".join(f"{k} {v:.1f} s" for k, v in summary.seconds.items())
    print(f"seed: {summary.total_seconds:.1f} s ({parts})")
    return summary.total_seconds


# --- CSV export ------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory: VmHWM (Linux), which starts afresh at exec,
    unlike getrusage's ru_maxrss, which a child inherits from the parent that forked it."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export_child() -> None:
    """In the child process: the cases download as the national coordinator, streamed
    through the response; prints rows, seconds and peak RSS as JSON."""
    from django.test import RequestFactory

    from qamqor import exports
    from qamqor.cases.views import CASES

    user = national_user()
    request = RequestFactory().get("/cases/?download=csv")
    request.user = user
    before = peak_rss_mb()
    started = time.perf_counter()
    response = exports.table_response(request, CASES, "csv")
    lines = 0
    size = 0
    for chunk in response.streaming_content:  # type: ignore[attr-defined]
        lines += chunk.count(b"\n")
        size += len(chunk)
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    print(
        json.dumps(
            {
                "rows": lines - 1,
                "seconds": seconds,
                "bytes": size,
                "rss_before_mb": before,
                "rss_peak_mb": peak,
            }
        )
    )


def export_reference() -> tuple[int, float]:
    """PostgreSQL writing the same columns as CSV (COPY TO STDOUT), read by this process."""
    from django.db import connection

    query = """
        COPY (
            SELECT c.number, r.name_ru, s.name_ru,
                   (SELECT string_agg(f.code, ', ') FROM cases_caseviolenceform f
                     WHERE f.case_id = c.id),
                   c.setting, c.risk_level, c.in_danger_now, c.status,
                   c.registered_at AT TIME ZONE 'Asia/Almaty',
                   c.closed_at AT TIME ZONE 'Asia/Almaty'
            FROM cases_case c
            JOIN directory_region r ON r.id = c.region_id
            LEFT JOIN directory_organisation s ON s.id = c.school_id
            ORDER BY c.registered_at DESC, c.id DESC
        ) TO STDOUT WITH (FORMAT csv)
    """
    started = time.perf_counter()
    lines = 0
    with connection.cursor() as cursor, cursor.cursor.copy(query) as copy:
        for block in copy:
            lines += bytes(block).count(b"\n")
    return lines, time.perf_counter() - started


def measure_export() -> dict[str, Any]:
    child = subprocess.run(  # noqa: S603  this script, fixed arguments
        [sys.executable, str(Path(__file__).resolve()), "--export-child"],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    rows, seconds = export_reference()
    result["reference_rows"] = rows
    result["reference_seconds"] = seconds
    return result


# --- overdue sweep ---------------------------------------------------------------------


SMALL_HISTORY = """
    ALTER TABLE protocols_step RENAME TO protocols_step_history;
    CREATE TABLE protocols_step (LIKE protocols_step_history INCLUDING ALL);
    INSERT INTO protocols_step SELECT * FROM protocols_step_history
        WHERE status IN ('open', 'waiting') OR id % 100 = 0;
    ANALYZE protocols_step;
"""


def sweep_once(now: Any) -> tuple[float, int, int]:
    from qamqor.protocols import sweeps

    started = time.perf_counter()
    escalated = sweeps.escalate_overdue(now)
    reminded = sweeps.send_reminders(now)
    return time.perf_counter() - started, escalated, reminded


def measure_sweep(repeat: int) -> dict[str, Any]:
    """The sweep over the whole history and over 1 % of its closed steps, alternately,
    each in a transaction that is rolled back, so every run finds the same work."""
    from django.db import connection, transaction
    from django.utils import timezone

    from qamqor.protocols import sweeps
    from qamqor.protocols.models import Step

    now = timezone.now()
    plan = (
        Step.objects.filter(status=Step.Status.OPEN)
        .filter(sweeps._escalation_due(now))
        .order_by("due_at", "pk")[: sweeps.BATCH]
        .explain()
    )
    counts = {
        "steps": Step.objects.count(),
        "open": Step.objects.open().count(),
        "overdue": Step.objects.overdue(now).count(),
    }
    full: list[float] = []
    small: list[float] = []
    work: dict[str, tuple[int, int]] = {}
    small_steps = 0
    for _ in range(repeat):
        with transaction.atomic():
            seconds, escalated, reminded = sweep_once(now)
            full.append(seconds)
            work["full"] = (escalated, reminded)
            transaction.set_rollback(True)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(SMALL_HISTORY)
                cursor.execute("SELECT count(*) FROM protocols_step")
                small_steps = cursor.fetchone()[0]
            seconds, escalated, reminded = sweep_once(now)
            small.append(seconds)
            work["small"] = (escalated, reminded)
            transaction.set_rollback(True)
    return {
        **counts,
        "small_steps": small_steps,
        "full_ms": statistics.median(full) * 1000,
        "small_ms": statistics.median(small) * 1000,
        "work": work,
        "uses_open_index": "step_open_due_idx" in plan,
        "plan": plan,
    }


# --- dashboard and indicators vs DuckDB ------------------------------------------------


LIVE = {
    "cases by region and month": """
        SELECT r.code, date_trunc('month', c.registered_at AT TIME ZONE 'Asia/Almaty'),
               count(*)
        FROM cases_case c JOIN directory_region r ON r.id = c.region_id GROUP BY 1, 2
    """,
    "cases by form": "SELECT code, count(*) FROM cases_caseviolenceform GROUP BY 1",
    "overdue steps by organisation kind": """
        SELECT o.kind, count(*) FROM protocols_step s
        JOIN directory_organisation o ON o.id = s.organisation_id
        WHERE s.status = 'open' AND s.due_at < %(now)s GROUP BY 1
    """,
}
DUCKDB = {
    "cases by region and month": """
        SELECT r.code, date_trunc('month', c.registered_local), count(*)
        FROM cases c JOIN regions r ON r.id = c.region_id GROUP BY 1, 2
    """,
    "cases by form": "SELECT code, count(*) FROM forms GROUP BY 1",
    "overdue steps by organisation kind": """
        SELECT o.kind, count(*) FROM steps s JOIN organisations o ON o.id = s.organisation_id
        WHERE s.status = 'open' AND s.due_utc < $now GROUP BY 1
    """,
}
DUMPS = {
    "regions": "SELECT id, code FROM directory_region",
    "organisations": "SELECT id, kind FROM directory_organisation",
    "cases": "SELECT id, region_id, registered_at AT TIME ZONE 'Asia/Almaty' AS registered_local,"
    " status FROM cases_case",
    "forms": "SELECT case_id, code FROM cases_caseviolenceform",
    "steps": "SELECT organisation_id, status, due_at AT TIME ZONE 'UTC' AS due_utc"
    " FROM protocols_step",
}


def rollup_figures() -> dict[str, Callable[[], object]]:
    from qamqor.analytics import indicators, selectors

    user = national_user()
    return {
        "national dashboard page's figures": lambda: selectors.dashboard(user),
        "cases by region and month": lambda: indicators.values(
            "cases_registered", kind="month", breakdown="region"
        ),
        "cases by form": lambda: indicators.values("cases_by_form", kind="all", breakdown="form"),
        "overdue steps by organisation kind": lambda: indicators.values(
            "overdue_steps", breakdown="organisation_kind"
        ),
    }


def live_figures(now: Any) -> dict[str, Callable[[], object]]:
    from django.db import connection

    def run(sql: str) -> Callable[[], object]:
        def query() -> object:
            with connection.cursor() as cursor:
                cursor.execute(sql, {"now": now})
                return cursor.fetchall()

        return query

    return {name: run(sql) for name, sql in LIVE.items()}


def duckdb_figures(folder: Path, now: Any) -> tuple[dict[str, Callable[[], object]], float]:
    """The rows dumped once by COPY TO CSV and loaded into an in-memory DuckDB (not
    timed as part of the queries); the figures as DuckDB queries over them."""
    import duckdb
    from django.db import connection

    started = time.perf_counter()
    database = duckdb.connect()
    for name, query in DUMPS.items():
        path = folder / f"{name}.csv"
        dump = f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)"
        with (
            path.open("wb") as out,
            connection.cursor() as cursor,
            cursor.cursor.copy(dump) as copy,
        ):
            for block in copy:
                out.write(bytes(block))
        load = f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header=true)"  # noqa: S608  fixed names
        database.execute(load)
    loaded = time.perf_counter() - started
    naive_now = now.replace(tzinfo=None)  # steps' deadlines were dumped as UTC

    def run(sql: str) -> Callable[[], object]:
        parameters = {"now": naive_now} if "$now" in sql else {}
        return lambda: database.execute(sql, parameters).fetchall()

    return {name: run(sql) for name, sql in DUCKDB.items()}, loaded


def measure_figures(repeat: int) -> dict[str, Any]:
    from django.utils import timezone

    now = timezone.now()
    results: dict[str, Any] = {"rollups": {}, "live": {}, "duckdb": {}}
    for name, fn in rollup_figures().items():
        fn()  # warm: the catalogue and the first query plan
        results["rollups"][name] = percentiles(sample(fn, repeat))
    for name, fn in live_figures(now).items():
        fn()
        results["live"][name] = percentiles(sample(fn, max(3, repeat // 5)))
    with tempfile.TemporaryDirectory(prefix="qamqor-bench-duckdb-") as folder:
        figures, loaded = duckdb_figures(Path(folder), now)
        results["duckdb_load_seconds"] = loaded
        for name, fn in figures.items():
            fn()
            results["duckdb"][name] = percentiles(sample(fn, max(5, repeat // 2)))
    return results


# --- report ----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=30, help="runs per figure (30)")
    parser.add_argument("--sweeps", type=int, default=3, help="sweep runs per history (3)")
    parser.add_argument(
        "--only", choices=["export", "sweep", "figures"], help="one measurement, seeded data"
    )
    parser.add_argument("--export-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:  # Django alone, no migrations loaded: the export's own memory
        os.environ["DJANGO_SETTINGS_MODULE"] = "qamqor.settings"
        os.environ["QAMQOR_LOG_LEVEL"] = "WARNING"
        import django

        django.setup()
        export_child()
        return
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("This benchmark measures PostgreSQL: run it under scripts/pg-throwaway.")
        sys.exit(2)
    print(f"PostgreSQL {connection.pg_version}, {os.cpu_count()} cores, scale {args.scale:g}")
    seeded = seed(args.scale, args.years)
    if args.only in (None, "export"):
        report_export()
    if args.only in (None, "sweep"):
        report_sweep(args.sweeps)
    if args.only in (None, "figures"):
        report_figures(args.repeat)
    if seeded is not None:
        print(f"\nseed {seeded:.0f} s (target {TARGET_SEED_SECONDS} s at scale 1)")


def report_export() -> None:
    export = measure_export()
    rate = export["rows"] / export["seconds"]
    reference_rate = export["reference_rows"] / export["reference_seconds"]
    print(
        f"\nCSV export of all cases: {export['rows']:,} rows in {export['seconds']:.1f} s = "
        f"{rate:,.0f} rows/s (target {TARGET_EXPORT_ROWS_PER_SECOND:,}); "
        f"{export['bytes'] / 1e6:.0f} MB; peak RSS {export['rss_peak_mb']:.0f} MB "
        f"(process before the export {export['rss_before_mb']:.0f} MB; "
        f"target {TARGET_EXPORT_RSS_MB})"
    )
    print(
        f"  reference COPY TO STDOUT of the same columns: {export['reference_rows']:,} rows in "
        f"{export['reference_seconds']:.1f} s = {reference_rate:,.0f} rows/s; "
        f"the export takes {export['seconds'] / export['reference_seconds']:.1f}x its time"
    )


def report_sweep(repeat: int) -> None:
    sweep = measure_sweep(repeat)
    print(
        f"\nOverdue sweep (escalation + reminders): {sweep['steps']:,} steps, "
        f"{sweep['open']:,} open, {sweep['overdue']:,} overdue; work done {sweep['work']}"
    )
    print(
        f"  whole history {sweep['full_ms']:.0f} ms; with {sweep['small_steps']:,} steps "
        f"(1 % of the closed) {sweep['small_ms']:.0f} ms; ratio "
        f"{sweep['full_ms'] / sweep['small_ms']:.2f}x; candidates through the partial index "
        f"on open steps: {sweep['uses_open_index']}"
    )
    print("  " + sweep["plan"].replace("\n", "\n  "))


def report_figures(repeat: int) -> None:
    figures = measure_figures(repeat)
    print(
        f"\nDashboard figures, p50 / p95 ms ({repeat} runs; DuckDB loaded the dump in "
        f"{figures['duckdb_load_seconds']:.1f} s, not counted)"
    )
    print(
        f"  {'figure':<36} {'rollups':>15} {'live PostgreSQL':>17} {'DuckDB':>15} "
        f"{'rollups/DuckDB':>15} {'live/DuckDB':>12}"
    )
    for name, (p50, p95) in figures["rollups"].items():
        live = figures["live"].get(name)
        duck = figures["duckdb"].get(name)
        line = f"  {name:<36} {p50:>6.1f} / {p95:>6.1f}"
        if live and duck:
            line += (
                f" {live[0]:>7.0f} / {live[1]:>7.0f} {duck[0]:>6.1f} / {duck[1]:>6.1f}"
                f" {p95 / duck[0]:>14.2f}x {live[1] / duck[0]:>11.1f}x"
            )
        print(line)
    duck_total = sum(p50 for p50, _ in figures["duckdb"].values())
    dashboard_p95 = figures["rollups"]["national dashboard page's figures"][1]
    print(
        f"  national dashboard p95 {dashboard_p95:.1f} ms (target {TARGET_DASHBOARD_P95_MS}); "
        f"DuckDB computes its three figures from scratch in {duck_total:.1f} ms: "
        f"{dashboard_p95 / duck_total:.2f}x (target at most {TARGET_DUCKDB_RATIO:g}x)"
    )


if __name__ == "__main__":
    main()
