"""Throughput of intake, registration and the case list, against references in the same run."""

from __future__ import annotations

import argparse

from harness import reference_insert, setup_django, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args()

    setup_django()
    from django.test import Client

    from qamqor.cases.services import register_case
    from qamqor.intake.services import submit_report
    from tests.factories import CLASSIFICATION, REPORT_DATA, build_world
    from tests.support import verify_second_factor

    world = build_world()
    reference = reference_insert(world.a.region)

    def submit() -> None:
        submit_report(school=world.a.school, data=REPORT_DATA)

    reports = []

    def submit_and_keep() -> None:
        reports.append(submit_report(school=world.a.school, data=REPORT_DATA).report)

    for _ in range(args.cases):
        submit_and_keep()
    queue = iter(reports)

    def register() -> None:
        register_case(report=next(queue), actor=world.coordinator_a, classification=CLASSIFICATION)

    n = args.cases
    insert_s = timed(reference, n)
    submit_s = timed(submit, n)
    register_s = timed(register, n)

    client = Client()
    client.force_login(world.regional_a)
    verify_second_factor(client, world.regional_a)  # staff sessions pass the second factor
    answer = client.get("/api/v1/cases?limit=50")
    if answer.status_code != 200:
        raise SystemExit(f"GET /api/v1/cases answered {answer.status_code}, not 200")
    health_s = timed(lambda: client.get("/healthz"), 50)
    list_s = timed(lambda: client.get("/api/v1/cases?limit=50"), 50)

    from django.db import connection

    vendor = connection.vendor
    print(f"database: {vendor}; {n} reports and registrations")
    rows = [
        ("reference INSERT", insert_s, insert_s),
        ("submit_report", submit_s, insert_s),
        ("register_case", register_s, insert_s),
        ("reference GET /healthz", health_s, health_s),
        ("GET /api/v1/cases (50)", list_s, health_s),
    ]
    for name, seconds, reference in rows:
        print(
            f"{name:26s} {seconds * 1000:8.2f} ms  {seconds / reference:6.1f}x reference"
            f"  ({1 / seconds:8.0f}/s)"
        )


if __name__ == "__main__":
    main()
