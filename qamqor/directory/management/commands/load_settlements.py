"""``manage.py load_settlements FILE [--vulnerability FILE]``: settlements from a
registry CSV and, optionally, their social-vulnerability index (docs/analytics.md)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qamqor.directory import registry


class Command(BaseCommand):
    help = (
        "Create or update settlements (KATO code, region, coordinates, children) from a "
        "CSV file, and set their social-vulnerability index from another; nothing is "
        "written unless every line is valid."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("settlements", nargs="?", type=Path, help="settlements CSV")
        parser.add_argument("--vulnerability", type=Path, help="vulnerability index CSV")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["settlements"] is None and options["vulnerability"] is None:
            raise CommandError("name a settlements file, a --vulnerability file, or both")
        try:
            if options["settlements"] is not None:
                with Path(options["settlements"]).open(encoding="utf-8-sig", newline="") as lines:
                    loaded = registry.load_settlements(lines)
                self.stdout.write(
                    f"settlements: {loaded.created} created, {loaded.updated} updated, "
                    f"{loaded.unchanged} unchanged"
                )
            if options["vulnerability"] is not None:
                with Path(options["vulnerability"]).open(encoding="utf-8-sig", newline="") as lines:
                    loaded = registry.load_vulnerability(lines)
                self.stdout.write(f"vulnerability index set for {loaded.updated} settlements")
        except registry.RegistryError as error:
            raise CommandError(
                f"the file was refused, nothing of it was written:\n{error}"
            ) from None
        except OSError as error:
            raise CommandError(str(error)) from error
