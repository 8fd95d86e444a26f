"""``manage.py load_recommendations``: the brief's recommendations into the tracker;
idempotent (brief 3.2.2)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qamqor.oversight import services


class Command(BaseCommand):
    help = (
        "Load the policy brief's numbered recommendations (number, addressee, summaries in "
        "kk/ru/en) into the recommendations tracker; statuses, evidence and history are kept."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = services.load_recommendations()
        except services.RecommendationDataError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"recommendations: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged"
            )
        )
        if result.missing_from_file:
            self.stdout.write(
                self.style.WARNING(
                    "in the tracker but no longer in the data file (kept): "
                    + ", ".join(result.missing_from_file)
                )
            )
