"""``qamqor restore FILE``: put an encrypted backup back (docs/deploy.md).

The whole file is decrypted and checked before anything changes; the target must be
empty unless ``--clean`` is given. Run ``qamqor manage verify_audit`` afterwards.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qamqor.ops.backup import BackupError, restore, verify_file


class Command(BaseCommand):
    help = "Restore an encrypted backup into an empty database (or --clean to replace)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the backup file")
        parser.add_argument(
            "--database-url", help="restore into this database instead of the configured one"
        )
        parser.add_argument(
            "--clean", action="store_true", help="drop what the target holds before restoring"
        )
        parser.add_argument(
            "--check-only", action="store_true", help="decrypt and check the file, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["check_only"]:
                header = verify_file(options["file"])
                self.stdout.write(f"backup intact: {header['vendor']}, made {header['created']}")
                return
            header = restore(
                options["file"], database_url=options["database_url"], clean=options["clean"]
            )
        except (BackupError, ImproperlyConfigured) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"restored the {header['vendor']} backup made {header['created']}; "
            "now run `qamqor manage verify_audit`"
        )
