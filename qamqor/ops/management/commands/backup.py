"""``qamqor backup FILE``: the whole database, encrypted with the data keys (docs/deploy.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qamqor.audit.services import record
from qamqor.ops.backup import BackupError, backup
from qamqor.ops.keys import data_keys


class Command(BaseCommand):
    help = "Write an encrypted backup of the database (pg_dump custom format, or SQLite copy)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="where to write the backup")
        parser.add_argument(
            "--database-url", help="back up this database instead of the configured one"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data_keys()  # fail before dumping anything when no key is configured
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        if options["database_url"] is None:
            # the backup records itself in the audit log it contains
            record(
                actor=None,
                action="backup",
                object_type="database",
                object_id="default",
                changes={"file": Path(options["file"]).name},
            )
        try:
            summary = backup(options["file"], database_url=options["database_url"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"backup written: {summary.path} ({summary.vendor}, {summary.dump_bytes} bytes "
            f"in {summary.chunks} chunks, sha256 {summary.sha256[:16]}…)"
        )
