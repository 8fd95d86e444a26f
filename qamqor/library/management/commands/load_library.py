"""``manage.py load_library``: load the real documents of the regulation library (their
numbers, dates, registrations and summaries; never the texts) from the data file.
Idempotent: run it on every deploy; versions already there are updated, none removed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qamqor.library import services


class Command(BaseCommand):
    help = "Load the regulation library's documents from qamqor/library/data/documents.json."

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.load_documents()
        self.stdout.write(
            f"{result.documents} documents; versions created {result.versions_created}, "
            f"updated {result.versions_updated}"
        )
