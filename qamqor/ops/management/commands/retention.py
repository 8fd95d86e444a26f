"""``qamqor retention run [--dry-run]``: apply the retention periods (qamqor.ops.retention)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qamqor.ops.retention import run


class Command(BaseCommand):
    help = "Pseudonymise and delete what is past its retention period (--dry-run: only list)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        go = actions.add_parser("run", help="apply the retention rules")
        go.add_argument("--dry-run", action="store_true", help="list what would go; change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        result = run(dry_run=options["dry_run"])
        if result.dry_run:
            self.stdout.write("DRY RUN: nothing was changed")
        for line in result.lines():
            self.stdout.write(line)
