"""``manage.py verify_audit``: recompute the audit log's hash chain and check it against its
anchors; exit 1 if an event was changed or removed, the newest ones included."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qamqor.audit.services import anchors, verify_anchors, verify_chain


class Command(BaseCommand):
    help = "Verify that no audit event was changed or removed (hash chain and anchors)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if not result.intact:
            raise CommandError(
                f"audit chain broken at event {result.first_broken_id} "
                f"after {result.checked} intact events"
            )
        problems = verify_anchors()
        if problems:
            raise CommandError("audit log does not match its anchors: " + "; ".join(problems))
        self.stdout.write(
            f"audit chain intact: {result.checked} events, {len(anchors())} anchors match"
        )
