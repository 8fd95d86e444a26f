"""Settlements and their social-vulnerability index from a ministry's registry, as CSV
(brief 1.8.2, 3.1.2; formats in docs/analytics.md, "Settlement registry").

Both loaders read the whole file first and write nothing unless every line is valid:
the errors name the line, the column and the reason, so the file can be corrected and
loaded again. Settlements are matched by their KATO code (the administrative-territorial
classifier), so loading the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from qamqor.directory.models import District, Region, Settlement
from qamqor.units import entry_point

SETTLEMENT_COLUMNS = (
    "kato",
    "region",
    "district",
    "kind",
    "name_kk",
    "name_ru",
    "name_en",
    "latitude",
    "longitude",
    "population",
    "children",
)
VULNERABILITY_COLUMNS = ("kato", "vulnerability")
# Kazakhstan lies between about 40.5 and 55.5 degrees north and 46.5 and 87.4 east.
LATITUDES = (40.0, 56.0)
LONGITUDES = (46.0, 88.0)
MAX_ERRORS = 20
# The numeric columns of settlements.csv: the least and greatest value, whole or not.
NUMBERS: dict[str, tuple[float, float, bool]] = {
    "latitude": (*LATITUDES, False),
    "longitude": (*LONGITUDES, False),
    "population": (0, 10**8, True),
    "children": (0, 10**8, True),
}


class RegistryError(ValueError):
    """The file was refused; ``errors`` says where and why (nothing was written)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Loaded:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)


class _Lines:
    """Rows of a CSV file with their line numbers, and the errors found in them."""

    def __init__(self, lines: Iterable[str], columns: tuple[str, ...], required: set[str]):
        self.reader = csv.DictReader(lines)
        self.errors: list[str] = []
        header = [name.strip() for name in self.reader.fieldnames or []]
        self.reader.fieldnames = header
        missing = [name for name in columns if name in required and name not in header]
        unknown = [name for name in header if name not in columns]
        if missing:
            self.errors.append(_("Line 1: missing columns: %s.") % ", ".join(missing))
        if unknown:
            self.errors.append(_("Line 1: unknown columns: %s.") % ", ".join(unknown))

    def rows(self) -> Iterable[tuple[int, dict[str, str]]]:
        if self.errors:
            return
        for row in self.reader:
            yield self.reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}

    def error(self, line: int, column: str, reason: str) -> None:
        self.errors.append(
            _("Line %(line)d, column %(column)s: %(reason)s")
            % {"line": line, "column": column, "reason": reason}
        )

    def check(self) -> None:
        if self.errors:
            shown = self.errors[:MAX_ERRORS]
            if len(self.errors) > MAX_ERRORS:
                shown.append(_("… and %d more.") % (len(self.errors) - MAX_ERRORS))
            raise RegistryError(shown)


def _number(
    lines: _Lines, line: int, column: str, text: str, *, low: float, high: float, whole: bool
) -> Any:
    """The number in ``text`` between ``low`` and ``high`` (a whole one if ``whole``), None
    for an empty cell; an error is recorded for anything else."""
    if not text:
        return None
    try:
        value = int(text) if whole else float(text.replace(",", "."))
    except ValueError:
        lines.error(line, column, _("not a number"))
        return None
    if not math.isfinite(value) or not low <= value <= high:
        lines.error(
            line, column, _("must be between %(low)s and %(high)s") % {"low": low, "high": high}
        )
        return None
    return value


@entry_point
def load_settlements(lines: Iterable[str]) -> Loaded:
    """Create or update settlements from the registry file (matched by KATO code)."""
    required = {"kato", "region", "kind", "name_kk", "name_ru", "latitude", "longitude"}
    reader = _Lines(lines, SETTLEMENT_COLUMNS, required)
    regions = {region.code: region for region in Region.objects.all()}
    districts = {district.code: district for district in District.objects.all()}
    kinds = set(Settlement.Kind.values)
    parsed: dict[str, dict[str, Any]] = {}
    for line, row in reader.rows():
        kato = row.get("kato", "")
        if not kato.isdigit() or not 6 <= len(kato) <= 12:
            reader.error(line, "kato", _("a KATO code is 6 to 12 digits"))
        elif kato in parsed:
            reader.error(line, "kato", _("this code is on an earlier line too"))
        region = regions.get(row.get("region", ""))
        if region is None:
            reader.error(line, "region", _("not an ISO 3166-2:KZ region code"))
        district = None
        if row.get("district"):
            district = districts.get(row["district"])
            if district is None:
                reader.error(line, "district", _("no district has this code"))
            elif region is not None and district.region_id != region.pk:
                reader.error(line, "district", _("the district is in another region"))
        if row.get("kind") not in kinds:
            reader.error(line, "kind", _("must be one of: %s") % ", ".join(sorted(kinds)))
        for column in ("name_kk", "name_ru"):
            if not row.get(column):
                reader.error(line, column, _("a name is required"))
        values = {
            column: _number(
                reader, line, column, row.get(column, ""), low=low, high=high, whole=whole
            )
            for column, (low, high, whole) in NUMBERS.items()
        }
        for column in ("latitude", "longitude"):
            if not row.get(column):
                reader.error(line, column, _("coordinates are required"))
        if (
            values["children"] is not None
            and values["population"] is not None
            and values["children"] > values["population"]
        ):
            reader.error(line, "children", _("more children than people"))
        parsed[kato] = {
            "region": region,
            "district": district,
            "kind": row.get("kind"),
            "name_kk": row.get("name_kk", ""),
            "name_ru": row.get("name_ru", ""),
            "name_en": row.get("name_en") or row.get("name_ru", ""),
            **values,
        }
    reader.check()
    return _write_settlements(parsed)


@transaction.atomic
def _write_settlements(parsed: dict[str, dict[str, Any]]) -> Loaded:
    loaded = Loaded()
    existing = {s.kato: s for s in Settlement.objects.filter(kato__in=list(parsed))}
    new = []
    changed = []
    for kato, values in parsed.items():
        settlement = existing.get(kato)
        if settlement is None:
            new.append(Settlement(kato=kato, **values))
            continue
        if all(getattr(settlement, name) == value for name, value in values.items()):
            loaded.unchanged += 1
            continue
        for name, value in values.items():
            setattr(settlement, name, value)
        changed.append(settlement)
    Settlement.objects.bulk_create(new, batch_size=1000)
    if changed:
        fields = list(next(iter(parsed.values())))
        Settlement.objects.bulk_update(changed, fields, batch_size=1000)
    loaded.created, loaded.updated = len(new), len(changed)
    return loaded


@entry_point
def load_vulnerability(lines: Iterable[str]) -> Loaded:
    """Set the social-vulnerability index of the settlements the file names by KATO code;
    a settlement the file does not name keeps its index."""
    reader = _Lines(lines, VULNERABILITY_COLUMNS, set(VULNERABILITY_COLUMNS))
    known = dict(Settlement.objects.exclude(kato=None).values_list("kato", "pk"))
    values: dict[int, float] = {}
    for line, row in reader.rows():
        pk = known.get(row.get("kato", ""))
        if pk is None:
            reader.error(line, "kato", _("no settlement has this code"))
            continue
        if pk in values:
            reader.error(line, "kato", _("this code is on an earlier line too"))
            continue
        index = _number(
            reader,
            line,
            "vulnerability",
            row.get("vulnerability", ""),
            low=0,
            high=100,
            whole=False,
        )
        if index is None and not row.get("vulnerability"):
            reader.error(line, "vulnerability", _("a value is required"))
        if index is not None:
            values[pk] = index
    reader.check()
    with transaction.atomic():
        settlements = list(Settlement.objects.filter(pk__in=list(values)))
        for settlement in settlements:
            settlement.vulnerability = values[settlement.pk]
        Settlement.objects.bulk_update(settlements, ["vulnerability"], 1000)
    return Loaded(updated=len(settlements))
