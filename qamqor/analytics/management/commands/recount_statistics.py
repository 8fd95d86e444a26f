"""``manage.py recount_statistics``: rebuild the statistics' rollups from the domain tables
(decision 0014). Set-based (INSERT … SELECT … GROUP BY per grain); run after a bulk load
(the national seed, the demo) or to check the incremental figures."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from qamqor.analytics.recount import recount


class Command(BaseCommand):
    help = "Rebuild the statistics rollups from the domain tables."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        rows = recount()
        if options["verbosity"]:
            counts = ", ".join(f"{code} {n}" for code, n in rows.items())
            self.stdout.write(f"rollups rebuilt in {time.monotonic() - started:.1f} s: {counts}")
