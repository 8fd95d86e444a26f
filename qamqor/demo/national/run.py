"""One national seeding run: the checks, the directory, the cases, the screenings, then the
statistics recount if the installation has it."""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.core.management import call_command, get_commands
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from qamqor.care.models import CareClient, ChildShare, ConsentRecord, Consultation
from qamqor.cases.models import Case, CaseEvent, CaseViolenceForm, Child
from qamqor.demo.national import cases as national_cases
from qamqor.demo.national import directory, rows, screenings
from qamqor.directory.models import Organisation
from qamqor.instruments.models import Administration, Campaign
from qamqor.protocols.models import ProtocolRun, Step
from qamqor.referrals.models import Referral

RECOUNT_COMMAND = "recount_statistics"
BULK_MODELS = (
    Child, Case, CaseViolenceForm, CaseEvent, ProtocolRun, Step, ConsentRecord, CareClient,
    ChildShare, Referral, Consultation, Campaign, Administration,
)  # fmt: skip


class NationalSeedRefused(RuntimeError):
    """The national dataset is loaded already, or the database holds cases."""


@dataclass
class NationalSummary:
    """What the run created and how long each part took."""

    scale: float
    years: int
    counts: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    recounted: bool = False

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def seed_national(
    *, scale: float = 1.0, years: int = 5, rng_seed: int = 2026, progress: bool = True
) -> NationalSummary:
    """Fill an empty database with the synthetic national dataset (``scale`` times the
    national figures, ``years`` of history). A seed gives the same rows, placed
    relative to the moment it runs."""
    if scale <= 0 or years < 1:
        raise ValueError("scale must be above 0 and years at least 1")
    if Organisation.objects.filter(code__startswith=directory.NATIONAL_CODE_PREFIX).exists():
        raise NationalSeedRefused("The national dataset is already loaded.")
    if Case.objects.exists():
        raise NationalSeedRefused("The database already holds cases; seed an empty database.")
    summary = NationalSummary(scale=scale, years=years)
    world = directory.NationalWorld(rng=random.Random(rng_seed), scale=scale)
    now = timezone.now()
    started = time.monotonic()
    with transaction.atomic():
        directory.build(world)
    summary.counts.update(world.counts)
    summary.seconds["directory"] = time.monotonic() - started
    with rows.indexes_deferred(BULK_MODELS):
        started = time.monotonic()
        total = directory.scaled(national_cases.CASES_PER_YEAR * years, scale)
        with tqdm(total=total, desc="national cases", unit="case", disable=not progress) as bar:
            history = national_cases.history(world, years=years, now=now, progress=bar)
        summary.counts.update(history.counts)
        summary.seconds["cases"] = time.monotonic() - started
        started = time.monotonic()
        total = directory.scaled(screenings.SCREENINGS_PER_YEAR * years, scale)
        with tqdm(total=total, desc="screenings", unit="row", disable=not progress) as bar:
            summary.counts["screenings"] = screenings.screenings(
                world, history, years=years, now=now, progress=bar
            )
        summary.seconds["screenings"] = time.monotonic() - started
        started = time.monotonic()
    summary.seconds["indexes"] = time.monotonic() - started
    started = time.monotonic()
    with connection.cursor() as cursor:
        for model in BULK_MODELS:
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    summary.seconds["analyze"] = time.monotonic() - started
    if RECOUNT_COMMAND in get_commands():
        started = time.monotonic()
        call_command(RECOUNT_COMMAND)
        summary.recounted = True
        summary.seconds["recount"] = time.monotonic() - started
    return summary
