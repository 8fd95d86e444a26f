"""One seeding run: the checks, one transaction, and every part of the demo in its order.

The order is part of the demo's determinism: all parts draw from one seeded random source,
so moving a part, or a draw inside one, changes what a given seed produces.
"""

from __future__ import annotations

import random
import time

from django.db import transaction

from qamqor.accounts.models import User
from qamqor.analytics.recount import recount
from qamqor.demo import (
    care,
    channels,
    directory,
    instruments,
    library,
    oversight,
    people,
    prevention,
    referrals,
    reports,
    surveys,
    training,
)
from qamqor.demo import cases as demo_cases
from qamqor.demo.world import DEMO_CODE_PREFIX, DemoRegion, DemoWorld, SeedSummary
from qamqor.directory.models import Organisation
from qamqor.intake.models import Report


class SeedRefused(RuntimeError):
    """The database already holds data, and the caller did not allow seeding on top of it."""


def is_empty() -> bool:
    """True when no organisation, user or report exists yet (real regions and cities may)."""
    return not (Organisation.objects.exists() or User.objects.exists() or Report.objects.exists())


def seed_demo(
    *,
    schools: int = 200,
    cases: int = 300,
    progress: bool = True,
    rng_seed: int = 2026,
    allow_existing: bool = False,
) -> SeedSummary:
    """Fill the database with a synthetic demo: directory, people, reports and cases.

    ``cases`` registered cases are created (registered, in progress and closed), plus about
    an eighth as many reports left awaiting triage and a twelfth dismissed. Refuses if the
    database holds data (see ``is_empty``), unless ``allow_existing``; refuses always if
    demo data is already there. All or nothing: one transaction.
    """
    if schools < 1 or cases < 0:
        raise ValueError("schools must be at least 1 and cases at least 0")
    if Organisation.objects.filter(code__startswith=DEMO_CODE_PREFIX).exists():
        raise SeedRefused("The demo data is already loaded.")
    if not allow_existing and not is_empty():
        raise SeedRefused(
            "The database already holds organisations, users or reports; "
            "seed an empty database, or allow seeding on top of existing data."
        )
    started = time.monotonic()
    world = DemoWorld(random.Random(rng_seed), progress=progress)
    with transaction.atomic():
        _build(world, schools=schools, cases=cases)
    world.summary.seconds = time.monotonic() - started
    return world.summary


def _build(world: DemoWorld, *, schools: int, cases: int) -> None:
    """The directory and people, every planned report in time order, the escalations the
    worker would have made, then the support services' demo in the demo region."""
    with world.progress_bar(4, "demo directory", "part") as bar:
        directory.load_reference_data(world)
        bar.update()
        directory.build_districts_and_villages(world)
        bar.update()
        directory.build_organisations(world, schools)
        bar.update()
        people.build_people(world)
        bar.update()
    plans = reports.plan(world, cases)
    with world.progress_bar(len(plans), "demo reports", "report") as bar:
        for planned in plans:
            reports.play(world, planned)
            bar.update()
    demo_cases.escalate_overdue(world)
    reports.acknowledge_past_alerts(world)
    site = DemoRegion.of(world)
    parts = (
        referrals.referrals,
        care.crisis_support,
        care.school_support,
        care.supervision_and_work_log,
        instruments.campaign,
        instruments.interviews,
        channels.reporter_messages,
        channels.call_cards,
        oversight.tracker,
        prevention.plans_and_policies,
        surveys.campaigns,
        library.library,
        training.catalogue,
    )
    with world.progress_bar(len(parts), "demo services", "part") as bar:
        for part in parts:
            part(site)
            bar.update()
    people.read_older_notifications(world)
    people.fill_in_email_addresses(world)
    directory.estimate_children(world)
    recount.within()  # the dashboard's figures come from the rollups (decision 0014)
