"""``manage.py verify_audit``: recompute the audit log's hash chain; exit 1 if it is broken."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qamqor.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify that no audit event was changed or removed (hash chain)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if not result.intact:
            raise CommandError(
                f"audit chain broken at event {result.first_broken_id} "
                f"after {result.checked} intact events"
            )
        self.stdout.write(f"audit chain intact: {result.checked} events")
