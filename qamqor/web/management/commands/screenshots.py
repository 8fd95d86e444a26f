"""``qamqor manage screenshots``: the demo's pages per role, in Kazakh and Russian (public
pages in English too), saved as PNGs for docs/screenshots/ (qamqor/demo/screenshots.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from qamqor.demo import is_empty, screenshots, seed_demo


class Command(BaseCommand):
    help = (
        "Sign in to the demo as each role and save screenshots of its main pages "
        "(kk, ru; public pages also en) with Debian's Chromium."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default="docs/screenshots", help="folder (docs/screenshots)")
        parser.add_argument("--port", type=int, default=0, help="the demo's port (a free one)")
        parser.add_argument(
            "--chromium",
            default=os.environ.get("QAMQOR_CHROMIUM", screenshots.CHROMIUM),
            help="Chromium's executable (Debian's package; never downloaded)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if is_empty():
            self.stdout.write("Loading synthetic demo data…")
            seed_demo(progress=False)
        connections.close_all()  # the demo writes to the same database meanwhile
        out = Path(options["out"])
        try:
            saved = screenshots.take(
                out,
                port=options["port"] or None,
                chromium=options["chromium"],
                say=self.stdout.write,
            )
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        size = sum(path.stat().st_size for path in saved)
        self.stdout.write(f"{len(saved)} screenshots, {size / 1_000_000:.1f} MB, in {out}/")
