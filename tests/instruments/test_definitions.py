"""The instrument library: every definition file is valid and complete, and a broken one
stops the application from starting."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from pydantic import ValidationError

from qamqor.instruments import definitions
from qamqor.instruments.definitions import InstrumentSpec

SHIPPED = {"phq9", "phq_a", "gad7", "asq", "cssrs_screener", "who5", "cats"}


def raw(code: str) -> dict[str, Any]:
    return copy.deepcopy(definitions.latest(code).raw)


def test_the_seven_instruments_of_design_8_ship() -> None:
    assert {loaded.spec.code for loaded in definitions.latest_all()} == SHIPPED


@pytest.mark.parametrize(
    ("code", "panel", "total"),
    [
        ("phq9", "44249-1", "44261-6"),
        ("phq_a", "89206-7", None),
        ("gad7", "69737-5", "70274-6"),
        ("cssrs_screener", "93373-9", None),
    ],
)
def test_loinc_codes_of_design_8(code: str, panel: str, total: str | None) -> None:
    spec = definitions.latest(code).spec
    assert spec.loinc.panel == panel
    assert spec.loinc.total == total


def test_phq9_item_9_carries_its_loinc_code() -> None:
    assert definitions.latest("phq9").spec.item("q9").loinc == "44260-8"


@pytest.mark.parametrize("code", sorted(SHIPPED))
def test_every_text_is_in_three_languages_with_its_source(code: str) -> None:
    spec = definitions.latest(code).spec
    for item in spec.items:
        assert all(item.text.as_dict().values())
        for option in spec.options_of(item):
            assert all(option.label.as_dict().values())
    assert spec.translations.en.validated
    for language in ("kk", "ru"):
        translation = spec.translations.for_language(language)
        assert translation.source
        # We cannot vouch that these are the validated versions' exact words.
        assert not translation.validated
        assert translation.source == "Qamqor working translation"
    assert spec.licence and spec.attribution and spec.citation
    assert spec.age_range.min >= 7


def test_definitions_are_checked_when_the_application_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = raw("gad7")
    broken["bands"][1]["min"] = 6  # a gap: a score of 5 has no band
    (tmp_path / "gad7.v1.json").write_text(json.dumps(broken), encoding="utf-8")
    monkeypatch.setattr(definitions, "DEFINITIONS_DIR", tmp_path)
    definitions.load_all.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="score 5 falls in 0 bands"):
            apps.get_app_config("instruments").ready()
    finally:
        definitions.load_all.cache_clear()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["bands"][0].update(max=5), "falls in 2 bands"),
        (lambda d: d["items"][7].update(enable_when={"any": [{"item": "q9", "in": ["1"]}]}),
         "not an earlier item"),
        (lambda d: d["items"][7].update(enable_when={"any": [{"item": "q1", "in": ["7"]}]}),
         "has no option"),
        (lambda d: d["scoring"].update(total_items=["q1", "q77"]), "unknown items"),
        (lambda d: d["items"][0].update(options="nope"), "no option set"),
        (lambda d: d["items"][1].update(key="q1"), "repeated"),
        (lambda d: d["translations"]["kk"].pop("validated"), "validated"),
        (lambda d: d["items"][0]["text"].pop("kk"), "kk"),
        (lambda d: d["age_range"].update(min=15, max=12), "below min"),
        (lambda d: d["loinc"].update(panel="nonsense"), "pattern"),
    ],
)  # fmt: skip
def test_schema_refuses_inconsistent_definitions(change: Any, message: str) -> None:
    broken = raw("gad7")
    change(broken)
    with pytest.raises(ValidationError, match=message):
        InstrumentSpec.model_validate(broken)


def test_rule_bands_need_a_final_otherwise() -> None:
    broken = raw("asq")
    broken["bands"][-1]["otherwise"] = False
    with pytest.raises(ValidationError, match="otherwise"):
        InstrumentSpec.model_validate(broken)


def test_a_file_must_be_named_after_its_code_and_version(tmp_path: Path) -> None:
    path = tmp_path / "gad7.v2.json"
    path.write_text(json.dumps(raw("gad7")), encoding="utf-8")
    with pytest.raises(ValueError, match=r"is named gad7\.v1\.json"):
        definitions.parse_file(path)
