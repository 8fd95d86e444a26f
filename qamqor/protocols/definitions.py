"""Protocol definitions: versioned data files, validated against a schema at start-up.

A definition says when it applies (conditions on the case's classification) and lists
its steps. Each step has exactly one accountable organisation role, a deadline (working
days or clock hours), the structured output that finishes it, the steps it waits for,
an optional condition, an optional qualification its completer must hold, and the
organisations or people it notifies when it opens (DESIGN §5.4, §5.5; brief 1.2.1, 2.2.3).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
#: The Kazakh and Russian of every English ``basis`` string of the definitions, kept
#: outside them: a published definition's file never changes (its checksum is stored).
BASES_PATH = Path(__file__).parent / "bases.json"

OrganisationRole = Literal[
    "school",
    "psc",
    "juvenile_police",
    "police_duty",
    "guardianship",
    "clinic",
    "education_department",
    "helpline",
]
NotifyTarget = OrganisationRole | Literal["legal_representatives", "regional_coordinator"]
Qualification = Literal["interview"]
FieldKind = Literal["text", "textarea", "choice", "boolean", "integer", "date", "members", "staff"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(Strict):
    kk: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)


class LocalText(NamedTuple):
    """A text in the reader's language and the language it is in (an element's ``lang``)."""

    language: str
    text: str


#: A legal basis: the first versions' English string, whose Kazakh and Russian are in
#: ``bases.json``, or the three languages written in the definition.
Basis = Annotated[str, Field(min_length=1)] | Texts


def basis_texts(basis: Basis) -> dict[str, str]:
    """The basis in kk, ru and en: written in the definition, or the English string with
    its catalogue entry."""
    if isinstance(basis, Texts):
        return basis.model_dump()
    return {**bases().get(basis, {}), "en": basis}


class HasBasis:
    """What a protocol and a step share: a legal basis shown in the reader's language."""

    basis: Basis

    def basis_in(self, language: str | None = None) -> LocalText:
        """The basis in ``language`` (default: the active one), with the language shown."""
        from qamqor.translation import pick_with_language  # needs Django; loading does not

        return LocalText(*pick_with_language(basis_texts(self.basis), language))


class Condition(Strict):
    """Every key given must hold; a list of conditions holds when any one does."""

    setting_in: list[str] | None = None
    forms_any: list[str] | None = None
    perpetrator_in: list[str] | None = None
    in_danger_now: bool | None = None
    self_harm_risk: bool | None = None
    risk_in: list[str] | None = None
    repeated: bool | None = None

    def holds(self, facts: dict[str, Any]) -> bool:
        checks = [
            self.setting_in is None or facts["setting"] in self.setting_in,
            self.forms_any is None or bool(set(self.forms_any) & set(facts["forms"])),
            self.perpetrator_in is None or facts["perpetrator"] in self.perpetrator_in,
            self.in_danger_now is None or facts["in_danger_now"] == self.in_danger_now,
            self.self_harm_risk is None or facts["self_harm_risk"] == self.self_harm_risk,
            self.risk_in is None or facts["risk_level"] in self.risk_in,
            self.repeated is None or facts["repeated"] is self.repeated,
        ]
        return all(checks)


def any_holds(conditions: list[Condition] | None, facts: dict[str, Any]) -> bool:
    return conditions is None or any(condition.holds(facts) for condition in conditions)


DeadlineAnchor = Literal["opened", "received", "registered"]


class Deadline(Strict):
    """How long a step has, and from when.

    ``from`` is the moment the time runs from: ``opened`` (the default) when the step
    opens, ``received`` when the information reached the organisation (the earliest
    report of the case, or its registration if it has none), ``registered`` when the case
    was registered and the bodies were told. Order No. 506 counts the school's
    conversation from receipt (p. 9), not from the step before it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    working_days: int | None = Field(default=None, ge=1, le=60)
    hours: int | None = Field(default=None, ge=1, le=24 * 60)
    months: int | None = Field(
        default=None, ge=1, le=24, description="calendar months: a follow-up review"
    )
    from_: DeadlineAnchor = Field(default="opened", alias="from")

    @model_validator(mode="after")
    def exactly_one(self) -> Deadline:
        given = [value for value in (self.working_days, self.hours, self.months) if value]
        if len(given) != 1:
            raise ValueError(
                "a deadline has either working_days or hours (or months, for a follow-up "
                "review): exactly one"
            )
        return self

    def starts_at(
        self, *, opened_at: datetime, received_at: datetime, registered_at: datetime
    ) -> datetime:
        """The moment the deadline is counted from."""
        if self.from_ == "received":
            return min(received_at, registered_at)
        if self.from_ == "registered":
            return registered_at
        return opened_at


class Choice(Strict):
    value: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    label: Texts


class OutputField(Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: FieldKind
    label: Texts
    required: bool = True
    choices: list[Choice] | None = None
    must_be_true: bool = Field(
        default=False,
        description="a yes/no that must be answered yes for the step to be done (e.g. 1.2.5)",
    )
    unmet: Texts | None = Field(
        default=None,
        description="what is missing when a must_be_true field is not yes, shown to the user",
    )
    holds: Qualification | None = Field(
        default=None,
        description="for a staff field: the qualification the named staff member must hold",
    )

    @model_validator(mode="after")
    def choices_only_for_choice(self) -> OutputField:
        if (self.kind == "choice") != bool(self.choices):
            raise ValueError("a choice field needs choices, and only a choice field has them")
        if self.must_be_true and self.kind != "boolean":
            raise ValueError("only a boolean field can be one that must be true")
        if self.unmet is not None and not self.must_be_true:
            raise ValueError("only a field that must be true has an unmet message")
        if self.holds is not None and self.kind != "staff":
            raise ValueError("only a staff field names a qualification to hold")
        return self


class Output(Strict):
    """What finishes the step. The first version's ``{"kind": "text", "label": …}`` is
    still read, as one required free-text field, so cases that started on it keep working."""

    fields: list[OutputField] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def legacy_text(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") == "text" and "fields" not in data:
            return {"fields": [{"key": "text", "kind": "textarea", "label": data["label"]}]}
        return data

    @model_validator(mode="after")
    def unique_keys(self) -> Output:
        keys = [field.key for field in self.fields]
        if len(keys) != len(set(keys)):
            raise ValueError("output field keys must be unique")
        return self


class Notification(Strict):
    """Who is told when the step opens, besides its accountable organisation."""

    to: NotifyTarget
    template: str = Field(default="step_notice", pattern=r"^[a-z_]+$")


NOTIFY_TEMPLATES_DIR = Path(__file__).parent.parent / "notify" / "templates" / "notify"


class RepresentativeNotice(Strict):
    """What a step tells the child's legal representatives, when, and whether staff review
    it first (brief 1.3.5). ``trigger``: when the step opens, or when it is completed (the
    text can then use the step's ``outputs``, e.g. the conversation's date and place of
    Order No. 506 p.9). ``review: true`` makes it a draft that staff read, may correct and
    confirm before it goes; ``false`` sends it at once. Never to an alleged perpetrator or
    to a representative marked "do not contact" in the case.
    """

    template: str = Field(pattern=r"^[a-z_]+$")
    trigger: Literal["step_opened", "step_completed"] = "step_completed"
    review: bool = False
    outputs: list[str] = []

    @model_validator(mode="after")
    def template_exists(self) -> RepresentativeNotice:
        for part in ("subject", "body", "sms"):
            if not (NOTIFY_TEMPLATES_DIR / f"{self.template}.{part}.txt").is_file():
                raise ValueError(f"notice template {self.template!r} has no {part} text")
        if self.outputs and self.trigger != "step_completed":
            raise ValueError("a notice that uses the step's outputs is sent on completion")
        return self


class StepSpec(HasBasis, Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: Texts
    accountable: OrganisationRole
    deadline: Deadline
    after: list[str] = []
    when: list[Condition] | None = None
    requires_qualification: Qualification | None = None
    notify: list[Notification] = []
    representative_notice: RepresentativeNotice | None = None
    reminder_hours_before: int | None = Field(default=None, ge=1, le=24 * 7)
    basis: Basis
    output: Output

    @model_validator(mode="after")
    def notice_outputs_exist(self) -> StepSpec:
        notice = self.representative_notice
        if notice is not None:
            unknown = set(notice.outputs) - {field.key for field in self.output.fields}
            if unknown:
                raise ValueError(
                    f"the representative notice uses unknown outputs {sorted(unknown)}"
                )
            if any(n.to == "legal_representatives" for n in self.notify):
                raise ValueError(
                    "a step tells the legal representatives either by notify or by "
                    "representative_notice, not both"
                )
        return self

    def representative_notices(self) -> list[RepresentativeNotice]:
        """Every notice of the step to legal representatives; the first versions'
        ``notify: [{"to": "legal_representatives"}]`` is one sent unreviewed on opening."""
        notices = [
            RepresentativeNotice(template=n.template, trigger="step_opened", review=False)
            for n in self.notify
            if n.to == "legal_representatives"
        ]
        if self.representative_notice is not None:
            notices.append(self.representative_notice)
        return notices

    @model_validator(mode="after")
    def qualification_has_a_holder(self) -> StepSpec:
        for field in self.output.fields:
            if field.holds is not None and field.holds != self.requires_qualification:
                raise ValueError(
                    f"output field {field.key!r} holds {field.holds!r}, which the step does "
                    "not require"
                )
        return self

    @property
    def qualified_field(self) -> OutputField | None:
        """The output field naming the staff member who must hold the step's qualification
        (brief 1.2.4). None in definitions written before such fields existed: there the
        person who records the step must hold it."""
        if self.requires_qualification is None:
            return None
        for field in self.output.fields:
            if field.kind == "staff" and field.holds == self.requires_qualification:
                return field
        return None


class Escalation(Strict):
    """Overdue: the regional coordinators at once, the national coordinator after this."""

    national_after_hours: int = Field(default=24, ge=1, le=24 * 30)


class AppliesTo(Strict):
    """The first version's form: a list of settings."""

    settings: list[str]


class ProtocolSpec(HasBasis, Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    title: Texts
    basis: Basis
    priority: int = 0
    applies_when: list[Condition] | None = None
    applies_to: AppliesTo | None = None
    never_notify: list[Literal["legal_representatives"]] = []
    escalation: Escalation = Escalation()
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
            forbidden = {n.to for n in step.notify} & set(self.never_notify)
            if step.representative_notice is not None and self.never_notify:
                forbidden.add("legal_representatives")
            if forbidden:
                raise ValueError(
                    f"step {step.key!r} notifies {sorted(forbidden)}, which this protocol "
                    "never notifies"
                )
        if (self.applies_when is None) == (self.applies_to is None):
            raise ValueError("a protocol has either applies_when or (version 1) applies_to")
        return self

    @property
    def conditions(self) -> list[Condition]:
        if self.applies_when is not None:
            return self.applies_when
        assert self.applies_to is not None  # noqa: S101  the validator guarantees one of the two
        return [Condition(setting_in=self.applies_to.settings)]

    def step(self, key: str) -> StepSpec:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(key)


class DefinitionError(ValueError):
    """A protocol file that does not validate: names the file, the step and the reason."""


class LoadedDefinition(BaseModel):
    spec: ProtocolSpec
    raw: dict[str, Any]
    checksum: str
    path: str


def _describe(error: ValidationError, raw: dict[str, Any]) -> str:
    reasons = []
    for problem in error.errors():
        location = list(problem["loc"])
        where = ".".join(str(part) for part in location)
        if len(location) >= 2 and location[0] == "steps" and isinstance(location[1], int):
            steps = raw.get("steps") or []
            if location[1] < len(steps) and isinstance(steps[location[1]], dict):
                where = f"step {steps[location[1]].get('key', location[1])!r}: {where}"
        reasons.append(f"{where}: {problem['msg']}")
    return "; ".join(reasons)


def parse(raw: dict[str, Any], *, name: str = "<definition>") -> ProtocolSpec:
    """Validate one definition; a failure names the file, the step and the reason."""
    try:
        return ProtocolSpec.model_validate(raw)
    except ValidationError as error:
        raise DefinitionError(f"{name}: {_describe(error, raw)}") from error


def checksum(raw: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()


@cache
def load_all() -> dict[tuple[str, int], LoadedDefinition]:
    """Every definition file, validated; raises DefinitionError on the first invalid one."""
    loaded: dict[tuple[str, int], LoadedDefinition] = {}
    for path in sorted(DEFINITIONS_DIR.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        spec = parse(raw, name=path.name)
        loaded[(spec.code, spec.version)] = LoadedDefinition(
            spec=spec, raw=raw, checksum=checksum(raw), path=path.name
        )
    return loaded


def latest(code: str) -> LoadedDefinition:
    """The newest version of the protocol ``code`` among the files."""
    versions = [item for (c, _), item in load_all().items() if c == code]
    if not versions:
        raise KeyError(code)
    return max(versions, key=lambda item: item.spec.version)


def codes() -> list[str]:
    return sorted({code for code, _version in load_all()})


def protocol_for(facts: dict[str, Any]) -> str:
    """The protocol a case with these facts runs (brief 1.4.2): of the newest versions whose
    conditions hold, the one with the highest priority. Raises LookupError if none."""
    candidates = [latest(code).spec for code in codes()]
    matching = [spec for spec in candidates if any_holds(spec.conditions, facts)]
    if not matching:
        raise LookupError(facts.get("setting"))
    return max(matching, key=lambda spec: (spec.priority, spec.code)).code


#: The classification field (on a case, and on the registration form) each condition key
#: reads. The triage page offers every field a shipped protocol's conditions read
#: (``fields_read``), so a new condition key must be named here (a test checks it).
CONDITION_READS: dict[str, str] = {
    "setting_in": "setting",
    "forms_any": "forms",
    "perpetrator_in": "perpetrator_relationship",
    "in_danger_now": "in_danger_now",
    "self_harm_risk": "self_harm_risk",
    "risk_in": "risk_level",
    "repeated": "repeated",
}


def _conditions_of(spec: ProtocolSpec) -> list[Condition]:
    found = list(spec.conditions)
    for step in spec.steps:
        found.extend(step.when or [])
    return found


def fields_read() -> list[str]:
    """The classification fields read by the conditions (when a protocol applies, and when
    its steps do) of the newest version of every shipped protocol, in a stable order."""
    keys: set[str] = set()
    for code in codes():
        for condition in _conditions_of(latest(code).spec):
            keys.update(condition.model_dump(exclude_none=True))
    return [field for key, field in CONDITION_READS.items() if key in keys]


def facts_of(case: Any, forms: list[str] | None = None) -> dict[str, Any]:
    """What conditions are evaluated against, from a case (or its registration form data)."""
    get = (
        case.get
        if isinstance(case, dict)
        else lambda key, default=None: getattr(case, key, default)
    )
    return {
        "setting": get("setting"),
        "forms": forms if forms is not None else list(get("forms", []) or []),
        "perpetrator": get("perpetrator_relationship") or "unknown",
        "in_danger_now": bool(get("in_danger_now")),
        "self_harm_risk": bool(get("self_harm_risk")),
        "risk_level": get("risk_level"),
        "repeated": get("repeated"),
    }


@cache
def bases() -> dict[str, dict[str, str]]:
    """``bases.json``: each English basis string → its ``{"kk", "ru"}``."""
    catalogue: dict[str, dict[str, str]] = json.loads(BASES_PATH.read_text(encoding="utf-8"))
    for english, texts in catalogue.items():
        if not isinstance(texts, dict) or set(texts) - {"kk", "ru"}:
            raise DefinitionError(
                f'{BASES_PATH.name}: {english!r}: an entry holds only "kk" and "ru" texts'
            )
    return catalogue


def check_bases(
    loaded: Iterable[LoadedDefinition], catalogue: Mapping[str, Mapping[str, str]]
) -> None:
    """Every English basis of every definition has its Kazakh and Russian in the
    catalogue, and the catalogue holds nothing no definition uses; else a DefinitionError
    naming the file, the step (or the protocol) and the missing language."""
    problems: list[str] = []
    used: set[str] = set()
    for item in loaded:
        spec = item.spec
        owners: list[tuple[str, HasBasis]] = [("protocol", spec)]
        owners += [(f"step {step.key!r}", step) for step in spec.steps]
        for where, owner in owners:
            if isinstance(owner.basis, Texts):
                continue
            used.add(owner.basis)
            entry = catalogue.get(owner.basis, {})
            for language in ("kk", "ru"):
                if not (entry.get(language) or "").strip():
                    problems.append(
                        f"{item.path}: {where}: basis has no {language} text in "
                        f"{BASES_PATH.name}: {owner.basis!r}"
                    )
    problems += [
        f"{BASES_PATH.name}: {english!r} is the basis of no definition"
        for english in sorted(set(catalogue) - used)
    ]
    if problems:
        raise DefinitionError("; ".join(problems))


def validate_all_at_startup() -> None:
    """Called from the app's ready(): a broken file, or a basis without its Kazakh or
    Russian, stops the process with its reason."""
    check_bases(load_all().values(), bases())
