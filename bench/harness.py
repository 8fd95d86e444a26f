"""What every benchmark shares: a throwaway database, timing, and the reference operation.

Each benchmark prints its operations as ratios to a bare reference measured in the same
run (bench/README.md), so results compare across machines.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(**environment: str) -> None:
    """Django on a migrated throwaway SQLite file, unless DATABASE_URL names another
    (an empty PostgreSQL database); fast password hashing, quiet logs."""
    tmp = tempfile.mkdtemp(prefix="qamqor-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "qamqor.settings"
    os.environ["QAMQOR_LOG_LEVEL"] = "WARNING"
    os.environ.update(environment)
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds per call over ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def reference_insert(region: Any) -> Callable[[], None]:
    """The reference: one bare row written through the ORM in its own transaction."""
    from django.db import transaction

    from qamqor.directory.models import Settlement

    counter = iter(range(10**9))

    def insert() -> None:
        n = next(counter)
        with transaction.atomic():
            Settlement.objects.create(
                region=region,
                kind="village",
                name_kk=f"b{n}",
                name_ru=f"b{n}",
                name_en=f"b{n}",
                synthetic=True,
            )

    return insert
