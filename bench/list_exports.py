"""A list's download (brief 1.4.1) at two sizes: time, queries and peak memory of the case
list as CSV and XLSX, against the list's page of 50 rows in the same run. Both sizes are
above one chunk of rows (``qamqor.exports.EXPORT_CHUNK_ROWS``), so the peak should not
grow between them."""

from __future__ import annotations

import argparse
import tracemalloc
from typing import Any

from harness import setup_django, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1500)
    parser.add_argument("--first", type=int, default=600)
    args = parser.parse_args()

    setup_django()
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from qamqor.cases.services import register_case
    from qamqor.intake.services import submit_report
    from tests.factories import CLASSIFICATION, REPORT_DATA, build_world
    from tests.support import verify_second_factor

    world = build_world()
    client = Client()
    client.force_login(world.regional_a)
    verify_second_factor(client, world.regional_a)

    def add_cases(count: int) -> None:
        for _ in range(count):
            report = submit_report(school=world.a.school, data=REPORT_DATA).report
            register_case(report=report, actor=world.coordinator_a, classification=CLASSIFICATION)

    def export(fmt: str) -> int:
        response: Any = client.post(f"/cases/?download={fmt}", {"purpose": "statistics"})
        if response.status_code != 200:
            raise SystemExit(f"the {fmt} download answered {response.status_code}")
        return sum(len(chunk) for chunk in response.streaming_content)

    def measure(fmt: str) -> tuple[float, int, int, int]:
        seconds = timed(lambda: export(fmt), 3)
        contexts = [CaptureQueriesContext(connections[alias]) for alias in connections]
        for context in contexts:
            context.__enter__()
        size = export(fmt)
        for context in contexts:
            context.__exit__(None, None, None)
        queries = sum(len(context) for context in contexts)
        tracemalloc.start()
        export(fmt)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return seconds, queries, peak, size

    print(f"database: {connection.vendor}")
    small = args.first
    add_cases(small)
    page_s = timed(lambda: client.get("/cases/"), 10)
    print(f"reference GET /cases/ (50 rows, {small} cases): {page_s * 1000:.1f} ms")
    results = {}
    for fmt in ("csv", "xlsx"):
        results[(fmt, small)] = measure(fmt)
    add_cases(args.cases - small)
    for fmt in ("csv", "xlsx"):
        results[(fmt, args.cases)] = measure(fmt)
    for (fmt, rows), (seconds, queries, peak, size) in sorted(results.items()):
        print(
            f"{fmt:4s} {rows:6d} rows  {seconds * 1000:8.1f} ms ({seconds / page_s:5.1f}x the page)"
            f"  {queries:3d} queries  peak {peak / 1024:8.0f} KiB  file {size / 1024:7.0f} KiB"
        )


if __name__ == "__main__":
    main()
