"""Instrument definitions: versioned data files, validated against a schema at start-up.

Each file in ``definitions/`` is one version of one standardized instrument (DESIGN §8):
items and answer options in kk/ru/en with each translation's source and validation
status, the scoring rule (sums, reverse items, subscales, a multiplier such as WHO-5's
times 4), the published bands, the critical items that raise an alert, the age range, LOINC
codes and the licence. ``InstrumentsConfig.ready`` loads them all, so an invalid file
stops the application from starting instead of mis-scoring a child.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFINITIONS_DIR = Path(__file__).parent / "definitions"

CODE_PATTERN = r"^[a-z][a-z0-9_]*$"
LOINC_PATTERN = r"^\d{1,7}-\d$"
LOINC_ANSWER_PATTERN = r"^LA\d{1,7}-\d$"

Mode = Literal["interview", "self"]
Severity = Literal["critical", "safeguarding"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(Strict):
    kk: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def as_dict(self) -> dict[str, str]:
        return {"kk": self.kk, "ru": self.ru, "en": self.en}


class Translation(Strict):
    """Where one language's text comes from, and whether it is a validated version."""

    source: str = Field(min_length=1)
    validated: bool
    note: str = ""


class Translations(Strict):
    kk: Translation
    ru: Translation
    en: Translation

    def for_language(self, language: str) -> Translation:
        chosen: Translation = getattr(self, language if language in ("kk", "ru", "en") else "ru")
        return chosen


class Option(Strict):
    """One answer; ``value`` is what it scores (None: recorded but never scored, e.g. refused)."""

    code: str = Field(pattern=r"^[A-Za-z0-9_]+$", max_length=20)
    value: int | None
    label: Texts
    loinc: str | None = Field(default=None, pattern=LOINC_ANSWER_PATTERN)


class Condition(Strict):
    """One test on the answers: an item's answer among codes, or at least a value; or the band."""

    item: str | None = None
    in_: list[str] | None = Field(default=None, alias="in")
    min_value: int | None = None
    band: list[str] | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def item_key(self) -> str:
        """The item an item condition tests (the validator makes sure there is one)."""
        if self.item is None:
            raise ValueError("a band condition has no item")
        return self.item

    @model_validator(mode="after")
    def one_test(self) -> Condition:
        if self.band is not None:
            if self.item is not None or self.in_ is not None or self.min_value is not None:
                raise ValueError("a band condition tests the band only")
            return self
        if self.item is None:
            raise ValueError("a condition names an item or a band")
        if (self.in_ is None) == (self.min_value is None):
            raise ValueError(
                f"condition on {self.item!r} needs exactly one of 'in' and 'min_value'"
            )
        return self


class When(Strict):
    """Conditions combined by ``any`` (at least one holds) or ``all`` (every one holds)."""

    any: list[Condition] | None = None
    all: list[Condition] | None = None

    @model_validator(mode="after")
    def one_kind(self) -> When:
        if (self.any is None) == (self.all is None):
            raise ValueError("'when' has exactly one of 'any' and 'all'")
        if not (self.any or self.all):
            raise ValueError("'when' needs at least one condition")
        return self

    @property
    def conditions(self) -> list[Condition]:
        return list(self.any or self.all or [])


class Item(Strict):
    key: str = Field(pattern=CODE_PATTERN, max_length=30)
    text: Texts
    help: Texts | None = None
    options: str = Field(description="the name of an option set")
    loinc: str | None = Field(default=None, pattern=LOINC_PATTERN)
    section: str | None = None
    enable_when: When | None = None


class Section(Strict):
    key: str = Field(pattern=CODE_PATTERN)
    title: Texts


class Subscale(Strict):
    key: str = Field(pattern=CODE_PATTERN)
    label: Texts
    items: list[str] = Field(min_length=1)


class Scoring(Strict):
    """How answers become a score: sum of ``total_items`` (reversed where listed), times
    ``multiplier``; ``band_by`` says whether bands are score ranges or decision rules."""

    band_by: Literal["total", "rules"]
    total_items: list[str]
    reverse: list[str] = []
    multiplier: int = Field(default=1, ge=1, le=100)
    higher_is_worse: bool = True
    subscales: list[Subscale] = []


class Band(Strict):
    code: str = Field(pattern=CODE_PATTERN)
    label: Texts
    min: int | None = None
    max: int | None = None
    when: When | None = None
    otherwise: bool = False
    follow_up: bool = False


class AlertRule(Strict):
    """A critical answer pattern: raises an alert to the psychologist at submission."""

    code: str = Field(pattern=CODE_PATTERN)
    severity: Severity
    label: Texts
    when: When
    opens_protocol: str | None = Field(default=None, pattern=CODE_PATTERN)


class AgeRange(Strict):
    min: int = Field(ge=0, le=25)
    max: int | None = Field(default=None, ge=0, le=25)

    def contains(self, age: int) -> bool:
        return age >= self.min and (self.max is None or age <= self.max)

    def __str__(self) -> str:
        return f"{self.min}–{self.max}" if self.max is not None else f"{self.min}+"


class Loinc(Strict):
    panel: str | None = Field(default=None, pattern=LOINC_PATTERN)
    total: str | None = Field(default=None, pattern=LOINC_PATTERN)


class InstrumentSpec(Strict):
    code: str = Field(pattern=CODE_PATTERN, max_length=30)
    version: int = Field(ge=1)
    short_name: str = Field(min_length=1, max_length=40)
    name: Texts
    description: Texts
    instructions: Texts
    age_range: AgeRange
    modes: list[Mode] = Field(min_length=1)
    loinc: Loinc
    licence: str = Field(min_length=1)
    attribution: str = Field(min_length=1)
    citation: str = Field(min_length=1)
    translations: Translations
    sections: list[Section] = []
    option_sets: dict[str, list[Option]]
    items: list[Item] = Field(min_length=1)
    scoring: Scoring
    bands: list[Band] = Field(min_length=1)
    alerts: list[AlertRule] = []

    # --- validation of the parts against each other ------------------------------------

    @model_validator(mode="after")
    def parts_are_consistent(self) -> InstrumentSpec:
        self._check_options()
        keys = self._check_items()
        self._check_scoring(keys)
        self._check_bands(keys)
        self._check_alerts(keys)
        if self.age_range.max is not None and self.age_range.max < self.age_range.min:
            raise ValueError("age_range: max is below min")
        return self

    def _check_options(self) -> None:
        for name, options in self.option_sets.items():
            if not options:
                raise ValueError(f"option set {name!r} is empty")
            codes = [option.code for option in options]
            if len(codes) != len(set(codes)):
                raise ValueError(f"option set {name!r} repeats a code")

    def _check_condition(self, condition: Condition, earlier: dict[str, Item], where: str) -> None:
        if condition.band is not None:
            unknown = set(condition.band) - {band.code for band in self.bands}
            if unknown:
                raise ValueError(f"{where}: unknown band(s) {sorted(unknown)}")
            return
        target = earlier.get(condition.item_key)
        if target is None:
            raise ValueError(f"{where}: {condition.item!r} is not an earlier item")
        codes = {option.code for option in self.option_sets[target.options]}
        if condition.in_ is not None and not set(condition.in_) <= codes:
            raise ValueError(
                f"{where}: {condition.item!r} has no option {sorted(set(condition.in_) - codes)}"
            )

    def _check_items(self) -> dict[str, Item]:
        seen: dict[str, Item] = {}
        section_keys = {section.key for section in self.sections}
        for item in self.items:
            if item.key in seen:
                raise ValueError(f"item key {item.key!r} is repeated")
            if item.options not in self.option_sets:
                raise ValueError(f"item {item.key!r}: no option set {item.options!r}")
            if item.section is not None and item.section not in section_keys:
                raise ValueError(f"item {item.key!r}: no section {item.section!r}")
            if item.enable_when is not None:
                for condition in item.enable_when.conditions:
                    if condition.band is not None:
                        raise ValueError(f"item {item.key!r}: enable_when cannot test a band")
                    self._check_condition(condition, seen, f"item {item.key!r}")
            seen[item.key] = item
        return seen

    def _check_scoring(self, keys: dict[str, Item]) -> None:
        scoring = self.scoring
        named = [*scoring.total_items, *scoring.reverse]
        named += [key for subscale in scoring.subscales for key in subscale.items]
        unknown = sorted(set(named) - set(keys))
        if unknown:
            raise ValueError(f"scoring names unknown items {unknown}")
        if not set(scoring.reverse) <= set(scoring.total_items):
            raise ValueError("scoring: reverse items must be among total_items")
        for key in {*scoring.total_items, *(k for s in scoring.subscales for k in s.items)}:
            if any(option.value is None for option in self.options_of(keys[key])):
                raise ValueError(f"scored item {key!r} has an option without a value")
        if scoring.band_by == "total" and not scoring.total_items:
            raise ValueError("scoring by total needs total_items")

    def _check_bands(self, keys: dict[str, Item]) -> None:
        codes = [band.code for band in self.bands]
        if len(codes) != len(set(codes)):
            raise ValueError("band codes must be unique")
        if self.scoring.band_by == "rules":
            for band in self.bands[:-1]:
                if band.when is None or band.min is not None or band.max is not None:
                    raise ValueError(f"band {band.code!r}: rule bands have 'when' only")
                for condition in band.when.conditions:
                    if condition.band is not None:
                        raise ValueError(f"band {band.code!r} cannot test a band")
                    self._check_condition(condition, keys, f"band {band.code!r}")
            if not self.bands[-1].otherwise:
                raise ValueError("the last rule band must be 'otherwise'")
            return
        for band in self.bands:
            if band.min is None or band.max is None or band.when or band.otherwise:
                raise ValueError(f"band {band.code!r}: score bands have 'min' and 'max' only")
            if band.max < band.min:
                raise ValueError(f"band {band.code!r}: max is below min")
        # Every reachable score falls in exactly one band: published bands have no gaps.
        for score in self.reachable_scores():
            found = [band.code for band in self.bands if band.min <= score <= band.max]  # type: ignore[operator]
            if len(found) != 1:
                raise ValueError(
                    f"score {score} falls in {len(found)} bands {found}; needs exactly one"
                )

    def _check_alerts(self, keys: dict[str, Item]) -> None:
        codes = [rule.code for rule in self.alerts]
        if len(codes) != len(set(codes)):
            raise ValueError("alert codes must be unique")
        for rule in self.alerts:
            for condition in rule.when.conditions:
                self._check_condition(condition, keys, f"alert {rule.code!r}")

    # --- reading ------------------------------------------------------------------------

    def options_of(self, item: Item) -> list[Option]:
        return self.option_sets[item.options]

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def band(self, code: str) -> Band | None:
        return next((band for band in self.bands if band.code == code), None)

    def alert_rule(self, code: str) -> AlertRule | None:
        return next((rule for rule in self.alerts if rule.code == code), None)

    def raw_range(self) -> tuple[int, int]:
        """The lowest and highest raw total the answers can give."""
        low = high = 0
        for key in self.scoring.total_items:
            values = [o.value for o in self.options_of(self.item(key)) if o.value is not None]
            low += min(values)
            high += max(values)
        return low, high

    def reachable_scores(self) -> list[int]:
        """Every score (raw total times the multiplier) some set of answers gives.

        Disabled items count 0 but are not forced to 0, so every raw total between the
        lowest and highest is reachable when each scored option set spans consecutive
        values (true for every shipped instrument; a gap only makes this check stricter).
        """
        low, high = self.raw_range()
        return [raw * self.scoring.multiplier for raw in range(min(low, 0), high + 1)]

    @property
    def score_range(self) -> tuple[int, int] | None:
        if not self.scoring.total_items:
            return None
        low, high = self.raw_range()
        return min(low, 0) * self.scoring.multiplier, high * self.scoring.multiplier

    def allows(self, mode: str) -> bool:
        return mode in self.modes


class LoadedDefinition(BaseModel):
    spec: InstrumentSpec
    raw: dict[str, Any]
    checksum: str


def checksum_of(raw: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()


def parse_file(path: Path) -> LoadedDefinition:
    raw = json.loads(path.read_text(encoding="utf-8"))
    try:
        spec = InstrumentSpec.model_validate(raw)
    except ValueError as error:
        raise ValueError(f"{path.name}: {error}") from error
    expected = f"{spec.code}.v{spec.version}.json"
    if path.name != expected:
        raise ValueError(
            f"{path.name}: the file of {spec.code} v{spec.version} is named {expected}"
        )
    return LoadedDefinition(spec=spec, raw=raw, checksum=checksum_of(raw))


@cache
def load_all() -> dict[tuple[str, int], LoadedDefinition]:
    """Every definition file, validated; raises on the first invalid one."""
    loaded: dict[tuple[str, int], LoadedDefinition] = {}
    for path in sorted(DEFINITIONS_DIR.glob("*.json")):
        definition = parse_file(path)
        loaded[(definition.spec.code, definition.spec.version)] = definition
    return loaded


def latest(code: str) -> LoadedDefinition:
    """The newest version of instrument ``code``; KeyError if none is shipped."""
    versions = [item for (c, _v), item in load_all().items() if c == code]
    if not versions:
        raise KeyError(code)
    return max(versions, key=lambda item: item.spec.version)


def latest_all() -> list[LoadedDefinition]:
    """The newest version of every shipped instrument, in a stable order."""
    codes = sorted({code for code, _v in load_all()})
    return [latest(code) for code in codes]


_PARSED: dict[str, InstrumentSpec] = {}


def cached_spec(checksum: str) -> InstrumentSpec | None:
    """The parsed definition with this checksum, if this process has parsed it already."""
    return _PARSED.get(checksum)


def spec_for(checksum: str, raw: dict[str, Any]) -> InstrumentSpec:
    """Parse a stored definition once per process (keyed by its checksum)."""
    spec = _PARSED.get(checksum)
    if spec is None:
        spec = _PARSED[checksum] = InstrumentSpec.model_validate(raw)
    return spec
