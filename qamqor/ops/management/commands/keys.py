"""``qamqor keys generate``, ``rotate-backup FILE…`` and ``rotate-fields`` (qamqor.ops.keys)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qamqor.ops.backup import BackupError, rotate_file
from qamqor.ops.fields import encrypted_fields, reencrypt
from qamqor.ops.keys import data_keys, generate_key


class Command(BaseCommand):
    help = "Data keys: generate a new one; re-encrypt backups with the first key."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("generate", help="print a new random key")
        rotate = actions.add_parser(
            "rotate-backup", help="re-encrypt backup files with the first configured key"
        )
        rotate.add_argument("files", nargs="+", type=Path)
        actions.add_parser(
            "rotate-fields",
            help="re-encrypt every encrypted field with the first key (and encrypt old plaintext)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "generate":
            self.stdout.write(generate_key())
            return
        if options["action"] == "rotate-fields":
            # every encrypted field of every installed model, read from the models
            for label, names in encrypted_fields(apps).items():
                count = reencrypt(apps.get_model(label), names)
                self.stdout.write(f"{label}: {count} rows re-encrypted ({', '.join(names)})")
            return
        try:
            data_keys()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        for path in options["files"]:
            try:
                count = rotate_file(path)
            except (BackupError, OSError) as error:
                raise CommandError(f"{path}: {error}") from None
            self.stdout.write(f"{path}: {count} records re-encrypted with the first key")
