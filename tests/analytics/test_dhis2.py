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


# --- GET /api/v1/stats/dhis2: the same document through the API ---------------------------

API_MAPPING = {
    "dataSet": "QmqCases001",
    "dataElements": {"cases_by_form": "DeForms0001"},
    "orgUnits": {"KZ": "OuKazakhst1"},
    "categoryOptionCombos": {"form=physical": "CocPhysical", "form=psychological": "CocPsychol1"},
}
API_QUERY = "indicator=cases_by_form&period=quarter&start=2026-01&end=2026-03&breakdown=form"


@pytest.fixture
def february(db: None) -> None:
    from qamqor.analytics.models import CaseFormRollup

    # neglect's 2 is a small cell; sexual's 6, the next smallest, hides it from the total
    cells = (("physical", 7), ("psychological", 8), ("sexual", 6), ("neglect", 2), ("bullying", 9))
    for form, cases in cells:
        CaseFormRollup.objects.create(
            month=dt.date(2026, 2, 1), region="KZ-75", district="D", ownership="public",
            form=form, setting="school", relationship="schoolmate", cases=cases,
        )  # fmt: skip


@pytest.fixture
def mapped(tmp_path: Any, settings: Any) -> None:
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(API_MAPPING))
    settings.QAMQOR_DHIS2_MAPPING = str(path)


def _token_client(user: Any) -> Any:
    from django.test import Client

    from qamqor.accounts.models import ApiToken

    _token, raw = ApiToken.issue(user, "the ministry's DHIS2 import")
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})


def test_the_api_writes_the_commands_document(
    world: Any, february: None, mapped: None, tmp_path: Any
) -> None:
    """With a token, as the ministry's import script would call it: the same values as
    ``manage.py export_dhis2`` with the same arguments, suppressed small cells left out."""
    from io import StringIO

    from django.core.management import call_command

    answer = _token_client(world.national).get(f"/api/v1/stats/dhis2?{API_QUERY}")
    assert answer.status_code == 200, answer.content
    assert answer["Content-Type"] == "application/json"
    assert answer["X-Qamqor-Written"] == "2" and answer["X-Qamqor-Unmapped"] == "1"
    out = StringIO()
    call_command(
        "export_dhis2", "--mapping", str(tmp_path / "mapping.json"), "--indicator",
        "cases_by_form", "--period", "quarter", "--start", "2026-01", "--end", "2026-03",
        "--breakdown", "form", stdout=out, stderr=StringIO(),
    )  # fmt: skip
    assert json.loads(answer.content) == json.loads(out.getvalue())
    sent = json.loads(answer.content)["dataValues"]
    # bullying has no mapping (the one left out); neglect and sexual are suppressed
    assert {v["categoryOptionCombo"]: v["value"] for v in sent} == {
        "CocPhysical": "7",
        "CocPsychol1": "8",
    }


def test_adx_and_small_cells_for_the_national_coordinator_only(
    world: Any, february: None, mapped: None
) -> None:
    national = _token_client(world.national)
    adx = national.get(f"/api/v1/stats/dhis2?{API_QUERY}&format=adx&unsuppressed=true")
    assert adx.status_code == 200 and adx["Content-Type"].startswith("application/adx+xml")
    root = ET.fromstring(adx.content)  # noqa: S314 - our own output
    assert root.tag == "{urn:ihe:qrph:adx:2015}adx"
    monitor = _token_client(world.monitor)
    assert monitor.get(f"/api/v1/stats/dhis2?{API_QUERY}").status_code == 200
    refused = monitor.get(f"/api/v1/stats/dhis2?{API_QUERY}&unsuppressed=true")
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["unsuppressed"]


def test_no_mapping_is_a_404_saying_so(world: Any, february: None, settings: Any) -> None:
    settings.QAMQOR_DHIS2_MAPPING = ""
    answer = _token_client(world.national).get(f"/api/v1/stats/dhis2?{API_QUERY}")
    assert answer.status_code == 404
    assert "No DHIS2 mapping" in answer.json()["detail"]


def test_no_one_but_the_national_bodies(world: Any, february: None, mapped: None) -> None:
    for persona in (world.regional_a, world.coordinator_a, world.psc_a):
        answer = _token_client(persona).get(f"/api/v1/stats/dhis2?{API_QUERY}")
        assert answer.status_code == 404
        assert "No DHIS2 mapping" not in answer.json()["detail"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("indicator=no_such&start=2026-01&end=2026-03", "indicator"),
        ("indicator=cases_by_form&start=2026-13&end=2026-03", "start"),
        ("indicator=cases_by_form&start=2026-04&end=2026-03", "end"),
        ("indicator=cases_by_form&start=2026-01&end=2026-03&breakdown=shoe_size", "breakdown"),
        ("indicator=cases_by_form&start=2026-01&end=2026-03&format=pdf", "format"),
    ],
)
def test_bad_queries_name_their_field(world: Any, mapped: None, query: str, field: str) -> None:
    answer = _token_client(world.national).get(f"/api/v1/stats/dhis2?{query}")
    assert answer.status_code == 422, answer.content
    assert field in [e["field"] for e in answer.json()["errors"]]
