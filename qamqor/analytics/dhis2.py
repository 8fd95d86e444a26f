"""Indicator values for a ministry that runs DHIS2: the ``dataValueSets`` JSON of the
DHIS2 Web API and the ADX XML message (IHE QRPH "Aggregate Data Exchange"), with a
mapping from Qamqor's codes to the receiving system's identifiers (brief 1.4.1, 3.1.1).

The mapping is data the receiving ministry writes once (``docs/analytics.md`` shows its
format): each indicator to a data element, each region or organisation to an
organisation unit, each disaggregation value to a category option combination (JSON) or
to an ADX category attribute. A value whose indicator or place is not mapped is left
out and counted, never sent under a guessed identifier.

Periods are Qamqor's ``Period`` (a month, a quarter or a year); DHIS2 writes them as
``202601``, ``2026Q1`` and ``2026``, ADX as ISO 8601 intervals (``2026-01-01/P1M``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

ADX_NAMESPACE = "urn:ihe:qrph:adx:2015"


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: ``kind`` is "month", "quarter" or "year"; ``index`` is the
    month (1-12) or the quarter (1-4), unused for a year."""

    year: int
    kind: str = "year"
    index: int = 1

    def __post_init__(self) -> None:
        limits = {"month": 12, "quarter": 4, "year": 1}
        if self.kind not in limits or not 1 <= self.index <= limits[self.kind]:
            raise ValueError(f"not a period: {self.kind} {self.index} of {self.year}")

    @property
    def start(self) -> dt.date:
        if self.kind == "month":
            return dt.date(self.year, self.index, 1)
        if self.kind == "quarter":
            return dt.date(self.year, 3 * self.index - 2, 1)
        return dt.date(self.year, 1, 1)

    @property
    def dhis2(self) -> str:
        if self.kind == "month":
            return f"{self.year}{self.index:02d}"
        if self.kind == "quarter":
            return f"{self.year}Q{self.index}"
        return str(self.year)

    @property
    def iso(self) -> str:
        duration = {"month": "P1M", "quarter": "P3M", "year": "P1Y"}[self.kind]
        return f"{self.start.isoformat()}/{duration}"


@dataclass(frozen=True)
class Value:
    """One figure: an indicator for a place and a period, optionally disaggregated
    (``breakdown``: disaggregation code to value code, e.g. {"form": "physical"})."""

    indicator: str
    place: str
    period: Period
    value: int | float
    breakdown: tuple[tuple[str, str], ...] = ()


@dataclass
class Dhis2Mapping:
    """Qamqor codes to the receiving system's identifiers (loaded by ``load_mapping``)."""

    data_set: str
    data_elements: dict[str, str]
    org_units: dict[str, str]
    category_option_combos: dict[str, str] = field(default_factory=dict)
    attribute_option_combo: str | None = None

    def combo(self, breakdown: tuple[tuple[str, str], ...]) -> str | None:
        """The category option combination of a breakdown, keyed in the mapping as
        ``"form=physical"`` (several joined by ``";"`` in code order); ``"default"`` for
        none. None when it is not mapped."""
        key = ";".join(f"{code}={value}" for code, value in sorted(breakdown)) or "default"
        return self.category_option_combos.get(key)


def load_mapping(data: Mapping[str, Any]) -> Dhis2Mapping:
    """The mapping from its JSON form, refusing a file that lacks a required part."""
    missing = [key for key in ("dataSet", "dataElements", "orgUnits") if key not in data]
    if missing:
        raise ValueError(f"the DHIS2 mapping lacks {', '.join(missing)}")
    return Dhis2Mapping(
        data_set=str(data["dataSet"]),
        data_elements={str(k): str(v) for k, v in data["dataElements"].items()},
        org_units={str(k): str(v) for k, v in data["orgUnits"].items()},
        category_option_combos={
            str(k): str(v) for k, v in data.get("categoryOptionCombos", {}).items()
        },
        attribute_option_combo=data.get("attributeOptionCombo"),
    )


@dataclass
class Export:
    """What was written and what was left out for want of a mapping."""

    body: str
    written: int = 0
    unmapped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.unmapped[reason] = self.unmapped.get(reason, 0) + 1


def _number(value: int | float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def data_value_set(values: Iterable[Value], mapping: Dhis2Mapping) -> Export:
    """The DHIS2 ``dataValueSets`` JSON document (POST /api/dataValueSets)."""
    export = Export(body="")
    rows = []
    for item in values:
        element = mapping.data_elements.get(item.indicator)
        unit = mapping.org_units.get(item.place)
        combo = mapping.combo(item.breakdown)
        if element is None:
            export.skip(f"indicator {item.indicator}")
            continue
        if unit is None:
            export.skip(f"place {item.place}")
            continue
        if combo is None and item.breakdown:
            export.skip("breakdown " + ";".join(f"{c}={v}" for c, v in item.breakdown))
            continue
        row = {
            "dataElement": element,
            "period": item.period.dhis2,
            "orgUnit": unit,
            "value": _number(item.value),
        }
        if combo is not None:
            row["categoryOptionCombo"] = combo
        if mapping.attribute_option_combo:
            row["attributeOptionCombo"] = mapping.attribute_option_combo
        rows.append(row)
    export.written = len(rows)
    document = {"dataSet": mapping.data_set, "dataValues": rows}
    export.body = json.dumps(document, ensure_ascii=False, indent=1)
    return export


def adx(values: Iterable[Value], mapping: Dhis2Mapping, *, exported: dt.datetime) -> Export:
    """The ADX message: one ``group`` per place and period, a ``dataValue`` per figure
    with its disaggregations as attributes named by the disaggregation code in upper case
    (ADX category attributes; the receiving system maps them with its ADX codes)."""
    export = Export(body="")
    groups: dict[tuple[str, Period], list[Value]] = {}
    for item in values:
        if item.indicator not in mapping.data_elements:
            export.skip(f"indicator {item.indicator}")
        elif item.place not in mapping.org_units:
            export.skip(f"place {item.place}")
        else:
            groups.setdefault((item.place, item.period), []).append(item)
    ET.register_namespace("", ADX_NAMESPACE)
    root = ET.Element(f"{{{ADX_NAMESPACE}}}adx", {"exported": exported.isoformat()})
    for (place, period), items in sorted(groups.items()):
        group = ET.SubElement(
            root,
            f"{{{ADX_NAMESPACE}}}group",
            {
                "orgUnit": mapping.org_units[place],
                "period": period.iso,
                "dataSet": mapping.data_set,
            },
        )
        for item in items:
            attributes = {
                "dataElement": mapping.data_elements[item.indicator],
                "value": _number(item.value),
            }
            attributes.update({code.upper(): value for code, value in item.breakdown})
            ET.SubElement(group, f"{{{ADX_NAMESPACE}}}dataValue", attributes)
            export.written += 1
    export.body = ET.tostring(root, encoding="unicode", xml_declaration=True)
    return export
