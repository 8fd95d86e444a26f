"""Throughput of intake, registration and the case list, against references in the same run."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds per call over ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="qamqor-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "qamqor.settings"
    os.environ["QAMQOR_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)

    from django.db import transaction

    from qamqor.cases.services import register_case
    from qamqor.directory.models import Settlement
    from qamqor.intake.services import submit_report
    from tests.factories import CLASSIFICATION, REPORT_DATA, build_world

    world = build_world()
    counter = iter(range(10**9))

    def reference_insert() -> None:
        n = next(counter)
        with transaction.atomic():
            Settlement.objects.create(
                region=world.a.region,
                kind="village",
                name_kk=f"b{n}",
                name_ru=f"b{n}",
                name_en=f"b{n}",
                synthetic=True,
            )

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
    insert_s = timed(reference_insert, n)
    submit_s = timed(submit, n)
    register_s = timed(register, n)

    client = Client()
    client.force_login(world.regional_a)
    health_s = timed(lambda: client.get("/healthz"), 50)
    list_s = timed(lambda: client.get("/api/v1/cases?limit=50"), 50)

    vendor = django.db.connection.vendor
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
