"""Protocol definitions: versioned data files, validated against a schema at start-up.

A definition names its steps; each step has exactly one accountable organisation role,
a deadline (working days or clock hours), the output that finishes it, and optionally
the steps it waits for (DESIGN §5.4, §5.5).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFINITIONS_DIR = Path(__file__).parent / "definitions"

AccountableRole = Literal[
    "school", "psc", "juvenile_police", "guardianship", "education_department"
]


class Texts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kk: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Deadline(BaseModel):
    model_config = ConfigDict(extra="forbid")
    working_days: int | None = Field(default=None, ge=1, le=60)
    hours: int | None = Field(default=None, ge=1, le=24 * 30)

    @model_validator(mode="after")
    def exactly_one(self) -> Deadline:
        if (self.working_days is None) == (self.hours is None):
            raise ValueError("a deadline has either working_days or hours")
        return self


class Output(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["text"]
    label: Texts


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: Texts
    accountable: AccountableRole
    deadline: Deadline
    after: list[str] = []
    basis: str = Field(min_length=1)
    output: Output


class AppliesTo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    settings: list[str]


class ProtocolSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    title: Texts
    applies_to: AppliesTo
    basis: str
    steps: list[StepSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def steps_are_consistent(self) -> ProtocolSpec:
        keys = [step.key for step in self.steps]
        if len(keys) != len(set(keys)):
            raise ValueError("step keys must be unique")
        seen: set[str] = set()
        for step in self.steps:
            unknown = set(step.after) - seen
            if unknown:
                raise ValueError(
                    f"step {step.key!r} waits for {sorted(unknown)}, which are not earlier steps"
                )
            seen.add(step.key)
        return self


class LoadedDefinition(BaseModel):
    spec: ProtocolSpec
    raw: dict
    checksum: str


@cache
def load_all() -> dict[tuple[str, int], LoadedDefinition]:
    """Every definition file, validated; raises on the first invalid one."""
    loaded: dict[tuple[str, int], LoadedDefinition] = {}
    for path in sorted(DEFINITIONS_DIR.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
        try:
            spec = ProtocolSpec.model_validate(raw)
        except ValueError as error:
            raise ValueError(f"{path.name}: {error}") from error
        loaded[(spec.code, spec.version)] = LoadedDefinition(
            spec=spec,
            raw=raw,
            checksum=hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest(),
        )
    return loaded


def latest(code: str) -> LoadedDefinition:
    """The newest version of the protocol ``code``."""
    versions = [item for (c, _), item in load_all().items() if c == code]
    if not versions:
        raise KeyError(code)
    return max(versions, key=lambda item: item.spec.version)


def protocol_for_setting(setting: str) -> str:
    """The protocol a case of this setting runs (brief 1.4.2).

    Only the protocol for bullying and violence outside the family exists yet; a family
    setting has no protocol until the domestic-violence protocol ships, and registration
    then says so instead of starting the wrong one.
    """
    for (code, _version), item in sorted(load_all().items()):
        if setting in item.spec.applies_to.settings:
            return code
    raise LookupError(setting)
