"""``manage.py resend_notifications``: queue undelivered notifications again.

Failed notifications (retried until ``OUTBOX_RETRY_DAYS`` ran out) and unconfirmed ones
(handed over without a confirmation) are sent again with the Message-ID they always had
and a fresh retry period. Choose them by id, case number, status or age; ``--dry-run``
lists what would go. Written to the audit log.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from qamqor.notify import services
from qamqor.notify.models import Notification


class Command(BaseCommand):
    help = "Send failed or unconfirmed notifications again (the same Message-ID)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--id", type=int, action="append", dest="ids", help="a notification")
        parser.add_argument("--case", help="every undelivered notification of this case number")
        parser.add_argument(
            "--status",
            choices=["failed", "unconfirmed"],
            help="only failed or only unconfirmed ones (default: both)",
        )
        parser.add_argument("--since-days", type=int, help="only those queued in the last N days")
        parser.add_argument("--all", action="store_true", help="every undelivered notification")
        parser.add_argument("--dry-run", action="store_true", help="list them, send nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (options["ids"] or options["case"] or options["status"] or options["all"]):
            raise CommandError("choose notifications with --id, --case, --status or --all")
        rows = services.undelivered()
        if options["ids"]:
            rows = rows.filter(pk__in=options["ids"])
        if options["case"]:
            rows = rows.filter(case__number=options["case"])
        if options["status"]:
            rows = rows.filter(status=options["status"])
        if options["since_days"] is not None:
            rows = rows.filter(
                created_at__gte=timezone.now() - timedelta(days=options["since_days"])
            )
        chosen: list[Notification] = list(rows.order_by("pk"))
        for notification in chosen:
            self.stdout.write(
                f"{notification.pk}\t{notification.status}\t{notification.channel}\t"
                f"{notification.message_id}\t{notification.recipient_address}"
            )
        if options["dry_run"]:
            self.stdout.write(f"{len(chosen)} would be sent again (dry run)")
            return
        resent = services.resend(rows)
        self.stdout.write(self.style.SUCCESS(f"{len(resent)} queued to be sent again"))
