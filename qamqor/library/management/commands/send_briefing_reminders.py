"""``manage.py send_briefing_reminders``: remind everyone who has not acknowledged a
briefing (at most once a day each). The worker's sweep runs the same function every few
minutes; this is for running it by hand or from cron without the worker."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qamqor.library import services


class Command(BaseCommand):
    help = "Remind staff who have not yet acknowledged a published regulation (once a day)."

    def handle(self, *args: Any, **options: Any) -> None:
        reminded = services.send_briefing_reminders()
        self.stdout.write(f"reminded {reminded}")
