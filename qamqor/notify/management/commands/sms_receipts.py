"""Stay bound to the SMS gateway and store delivery receipts (qamqor.notify.sms)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qamqor.notify import sms


class Command(BaseCommand):
    help = "Keep an SMPP session open and record SMS delivery receipts as they arrive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seconds", type=float, default=None, help="stop after this long (default: never)"
        )

    def handle(self, *args: Any, seconds: float | None = None, **options: Any) -> None:
        sms.listen_for_receipts(seconds=seconds)
