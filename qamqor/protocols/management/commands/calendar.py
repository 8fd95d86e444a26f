"""``qamqor manage calendar --year 2026``: the working-day calendar deadlines are counted on.

Lists the public holidays (with their observed and substituted days off) from the
``holidays`` package, the days off and working Saturdays or Sundays moved by decree, and
the transfers file's example entries that do not count until confirmed. Exits 1 if the
transfers file does not validate.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from qamqor.protocols import workdays


def _line(day: date, text: str) -> str:
    return f"  {day.isoformat()} {day.strftime('%a')}  {text}"


class Command(BaseCommand):
    help = "List Kazakhstan's holidays, transferred days off and working weekend days for a year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year", type=int, default=None, help="calendar year (default: this year)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or timezone.now().astimezone(workdays.ALMATY).year
        if not 2000 <= year <= 2100:
            raise CommandError("--year: give a year between 2000 and 2100")
        try:
            workdays.clear_cache()
            listing = workdays.year_calendar(year)
        except workdays.CalendarError as error:
            raise CommandError(str(error)) from error
        write = self.stdout.write
        write(f"Working-day calendar for {year} (Kazakhstan, Asia/Almaty)")
        write(f"Public holidays and their days off ({workdays.PACKAGE_SOURCE}):")
        for day, name in listing["holidays"]:
            write(_line(day, name))
        write("Days off by decree (transfers file):")
        for day, source in listing["days_off_by_decree"] or []:
            write(_line(day, source))
        if not listing["days_off_by_decree"]:
            write("  none")
        write("Working Saturdays and Sundays:")
        for day, source in listing["working_weekend_days"]:
            write(_line(day, source))
        if not listing["working_weekend_days"]:
            write("  none")
        if listing["unconfirmed"]:
            write("Not counted until confirmed against the decree (transfers file):")
            for day, source in listing["unconfirmed"]:
                write(_line(day, source))
        working = sum(
            workdays.is_working_day(day)
            for day in (date.fromordinal(n) for n in range(*_ordinals(year)))
        )
        write(f"Working days in {year}: {working}")


def _ordinals(year: int) -> tuple[int, int]:
    return date(year, 1, 1).toordinal(), date(year + 1, 1, 1).toordinal()
