"""Indicator values as DHIS2 dataValueSets JSON and ADX XML (qamqor/analytics/dhis2.py,
docs/analytics.md "DHIS2"): the documented structure, period formats, and values without
a mapping left out and counted instead of sent under a guessed identifier."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from qamqor.analytics import dhis2
from qamqor.analytics.dhis2 import Period, Value

MAPPING = dhis2.load_mapping(
    {
        "dataSet": "QmqCases001",
        "dataElements": {"cases_registered": "DeCases0001", "overdue_steps": "DeOverdue01"},
        "orgUnits": {"KZ-75": "OuAlmaty001", "KZ-11": "OuAqmola001"},
        "categoryOptionCombos": {
            "default": "CocDefault1",
            "form=physical": "CocPhysical",
            "form=psychological": "CocPsychol1",
        },
    }
)
JANUARY = Period(2026, "month", 1)
Q1 = Period(2026, "quarter", 1)
A = "{urn:ihe:qrph:adx:2015}"


def test_periods_are_written_as_dhis2_and_iso_8601_write_them() -> None:
    assert (JANUARY.dhis2, JANUARY.iso) == ("202601", "2026-01-01/P1M")
    assert (Q1.dhis2, Q1.iso) == ("2026Q1", "2026-01-01/P3M")
    assert (Period(2026, "quarter", 4).iso) == "2026-10-01/P3M"
    assert (Period(2025).dhis2, Period(2025).iso) == ("2025", "2025-01-01/P1Y")
    with pytest.raises(ValueError):
        Period(2026, "month", 13)


def values() -> list[Value]:
    return [
        Value("cases_registered", "KZ-75", JANUARY, 12),
        Value("cases_registered", "KZ-75", JANUARY, 7, (("form", "physical"),)),
        Value("cases_registered", "KZ-11", Q1, 3.5),
        Value("overdue_steps", "KZ-11", Q1, 0),
        Value("unknown_indicator", "KZ-75", JANUARY, 1),
        Value("cases_registered", "KZ-99", JANUARY, 1),
        Value("cases_registered", "KZ-75", JANUARY, 1, (("form", "sexual"),)),
    ]


def test_the_data_value_set_has_the_web_api_shape() -> None:
    export = dhis2.data_value_set(values(), MAPPING)
    document = json.loads(export.body)
    assert document["dataSet"] == "QmqCases001"
    assert document["dataValues"] == [
        {
            "dataElement": "DeCases0001",
            "period": "202601",
            "orgUnit": "OuAlmaty001",
            "value": "12",
            "categoryOptionCombo": "CocDefault1",
        },
        {
            "dataElement": "DeCases0001",
            "period": "202601",
            "orgUnit": "OuAlmaty001",
            "value": "7",
            "categoryOptionCombo": "CocPhysical",
        },
        {
            "dataElement": "DeCases0001",
            "period": "2026Q1",
            "orgUnit": "OuAqmola001",
            "value": "3.5",
            "categoryOptionCombo": "CocDefault1",
        },
        {
            "dataElement": "DeOverdue01",
            "period": "2026Q1",
            "orgUnit": "OuAqmola001",
            "value": "0",
            "categoryOptionCombo": "CocDefault1",
        },
    ]
    assert export.written == 4
    assert export.unmapped == {
        "indicator unknown_indicator": 1,
        "place KZ-99": 1,
        "breakdown form=sexual": 1,
    }


def test_the_adx_message_groups_by_place_and_period() -> None:
    exported = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)
    export = dhis2.adx(values(), MAPPING, exported=exported)
    assert export.body.startswith("<?xml")
    root = ET.fromstring(export.body)  # noqa: S314 - our own output
    assert root.tag == f"{A}adx"
    assert root.get("exported") == "2026-12-05T09:00:00+00:00"
    groups = root.findall(f"{A}group")
    assert [(g.get("orgUnit"), g.get("period"), g.get("dataSet")) for g in groups] == [
        ("OuAqmola001", "2026-01-01/P3M", "QmqCases001"),
        ("OuAlmaty001", "2026-01-01/P1M", "QmqCases001"),
    ]
    almaty = [dict(v.attrib) for v in groups[1].findall(f"{A}dataValue")]
    assert almaty == [
        {"dataElement": "DeCases0001", "value": "12"},
        {"dataElement": "DeCases0001", "value": "7", "FORM": "physical"},
        {"dataElement": "DeCases0001", "value": "1", "FORM": "sexual"},
    ]
    assert export.written == 5
    assert export.unmapped == {"indicator unknown_indicator": 1, "place KZ-99": 1}


def test_a_mapping_without_its_data_set_is_refused() -> None:
    with pytest.raises(ValueError, match="dataSet"):
        dhis2.load_mapping({"dataElements": {}, "orgUnits": {}})


@pytest.mark.django_db
def test_the_export_command_reads_the_catalogue(tmp_path: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    from qamqor.analytics.models import CaseFormRollup

    for form, cases in (("physical", 7), ("psychological", 6), ("sexual", 9)):
        CaseFormRollup.objects.create(
            month=dt.date(2026, 2, 1), region="KZ-75", district="D", ownership="public",
            form=form, setting="school", relationship="schoolmate", cases=cases,
        )  # fmt: skip
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "dataSet": "QmqCases001",
                "dataElements": {"cases_by_form": "DeForms0001"},
                "orgUnits": {"KZ": "OuKazakhst1"},
                "categoryOptionCombos": {
                    "form=physical": "CocPhysical",
                    "form=psychological": "CocPsychol1",
                },
            }
        )
    )
    out, err = StringIO(), StringIO()
    call_command(
        "export_dhis2",
        "--mapping", str(mapping), "--indicator", "cases_by_form", "--period", "quarter",
        "--start", "2026-01", "--end", "2026-03", "--breakdown", "form",
        stdout=out, stderr=err,
    )  # fmt: skip
    document = json.loads(out.getvalue())
    assert sorted(
        (v["dataElement"], v["period"], v["orgUnit"], v["categoryOptionCombo"], v["value"])
        for v in document["dataValues"]
    ) == [
        ("DeForms0001", "2026Q1", "OuKazakhst1", "CocPhysical", "7"),
        ("DeForms0001", "2026Q1", "OuKazakhst1", "CocPsychol1", "6"),
    ]
    assert "left out, breakdown form=sexual: 1" in err.getvalue()
