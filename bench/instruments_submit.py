"""Throughput of screening submissions at national scale, against references in the same run.

A national campaign (every pupil once a year, in a few weeks) is millions of one-time-code
submissions; this measures that path and the work around it, each as a ratio to a bare
reference on the same machine.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from harness import reference_insert, setup_django, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, default=600, help="pupils in the campaign (600)")
    args = parser.parse_args()

    setup_django(QAMQOR_TASK_BACKEND="django_tasks.backends.dummy.DummyBackend")
    from django.test import Client

    from qamqor.cases.models import Child
    from qamqor.cases.services import new_child_code
    from qamqor.instruments import definitions, scoring, services
    from qamqor.instruments.models import Administration
    from tests.factories import build_world

    world = build_world()
    n = args.pupils
    today = services.today()
    birth = today.replace(year=today.year - 13) - timedelta(days=40)
    Child.objects.bulk_create(
        Child(
            code=new_child_code(),
            region=world.a.region,
            school=world.a.school,
            birth_date=birth,
            sex="girl" if i % 2 else "boy",
            class_label=f"7{'ABCD'[i % 4]}",
            synthetic=True,
        )
        for i in range(2 * n + 10)
    )
    campaign = services.create_campaign(
        actor=world.regional_a,
        title="Bench",
        instrument_code="phq_a",
        area=services.CampaignArea(level="region", region=world.a.region),
        opens_on=today,
        closes_on=today + timedelta(days=30),
        consent_required=False,
    )
    start = time.perf_counter()
    issued = services.enrol_area(campaign.pk)
    enrol_s = (time.perf_counter() - start) / issued
    codes = iter(
        [
            services.access_code_for(a)
            for a in Administration.objects.filter(campaign=campaign).order_by("pk")
        ]
    )

    calm = {f"q{i}": "1" for i in range(1, 10)} | {"q9": "0", "difficulty": "1"}
    calm |= {"past_year": "no", "past_month_thoughts": "no", "lifetime_attempt": "no"}
    critical = {**calm, "q9": "2"}
    spec = definitions.latest("phq_a").spec
    reference = reference_insert(world.a.region)

    def submit() -> None:
        services.submit_by_code(code=next(codes), answers=calm)

    def submit_critical() -> None:
        services.submit_by_code(code=next(codes), answers=critical)

    client = Client()

    def submit_http() -> None:
        response = client.post(
            f"/api/v1/screenings/self/{next(codes)}",
            {"answers": calm},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content

    quarter = max(n // 4, 10)
    insert_s = timed(reference, quarter)
    score_s = timed(lambda: scoring.score_answers(spec, calm), quarter)
    submit_s = timed(submit, quarter)
    critical_s = timed(submit_critical, quarter)
    health_s = timed(lambda: client.get("/healthz"), quarter)
    http_s = timed(submit_http, quarter)

    monitor = Client()
    monitor.force_login(world.monitor)
    aggregates_s = timed(
        lambda: monitor.get("/api/v1/screenings/aggregates?instrument=phq_a&group_by=sex"), 30
    )

    from django.db import connection

    vendor = connection.vendor
    done = Administration.objects.filter(status="completed").count()
    print(f"database: {vendor}; {issued} codes issued, {done} submissions measured")
    rows = [
        ("reference INSERT", insert_s, insert_s),
        ("scoring only (PHQ-A)", score_s, insert_s),
        ("submit_by_code", submit_s, insert_s),
        ("submit_by_code + alert", critical_s, insert_s),
        ("enrolment per pupil", enrol_s, insert_s),
        ("reference GET /healthz", health_s, health_s),
        ("POST /screenings/self", http_s, health_s),
        ("GET aggregates", aggregates_s, health_s),
    ]
    for name, seconds, reference in rows:
        print(
            f"{name:26s} {seconds * 1000:8.2f} ms  {seconds / reference:6.1f}x reference"
            f"  ({1 / seconds:8.0f}/s)"
        )
    per_hour = 3600 / submit_s
    hours = 4e6 / per_hour
    print(f"one process: about {per_hour:,.0f} submissions an hour (4 million: {hours:.0f} h)")


if __name__ == "__main__":
    main()
