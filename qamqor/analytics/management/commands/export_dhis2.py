"""``manage.py export_dhis2``: indicator values from the catalogue for a ministry's DHIS2,
as ``dataValueSets`` JSON or an ADX message (brief 1.4.1, 3.1.1; docs/analytics.md,
"DHIS2"). The figures are read through ``analytics.indicators`` like every other reader,
small cells suppressed unless ``--unsuppressed`` is given; values without a mapping are
left out and counted on standard error."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qamqor.analytics import dhis2, indicators


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()  # noqa: DTZ007 -- a month, no time
    except ValueError:
        raise CommandError(f"not a month (YYYY-MM): {text}") from None


class Command(BaseCommand):
    help = "Write indicator values as DHIS2 dataValueSets JSON or an ADX message."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mapping", required=True, help="the ministry's mapping (JSON)")
        parser.add_argument(
            "--indicator", action="append", required=True, help="an indicator code (repeat)"
        )
        parser.add_argument("--period", choices=["month", "quarter", "year"], default="month")
        parser.add_argument("--start", required=True, help="first month, YYYY-MM")
        parser.add_argument("--end", required=True, help="last month, YYYY-MM")
        parser.add_argument("--breakdown", help="a disaggregation, e.g. region or form")
        parser.add_argument("--format", choices=["json", "adx"], default="json")
        parser.add_argument("--output", help="write here instead of standard output")
        parser.add_argument(
            "--unsuppressed", action="store_true", help="send small cells as they are"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            mapping = dhis2.load_mapping(
                json.loads(Path(options["mapping"]).read_text(encoding="utf-8"))
            )
        except (OSError, ValueError) as error:
            raise CommandError(f"the mapping cannot be read: {error}") from None
        periods = indicators.periods_between(
            _month(options["start"]), _month(options["end"]), options["period"]
        )
        viewer = indicators.NATIONAL if options["unsuppressed"] else indicators.PUBLIC
        try:
            export = indicators.dhis2_export(
                options["indicator"],
                mapping=mapping,
                periods=periods,
                breakdown=options["breakdown"],
                viewer=viewer,
                fmt=options["format"],
            )
        except LookupError as error:
            raise CommandError(f"no indicator {error}") from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["output"]:
            Path(options["output"]).write_text(export.body, encoding="utf-8")
        else:
            self.stdout.write(export.body)
        self.stderr.write(
            f"{export.written} values written"
            + "".join(f"; left out, {reason}: {n}" for reason, n in sorted(export.unmapped.items()))
        )
