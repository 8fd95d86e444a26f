"""What the parents' pages say, as data with its sources (brief 2.1.1, 2.3.8).

Two files beside this module, each validated by a schema when it is loaded (the app's
``ready()`` loads both, so a bad entry stops the start with its name and the reason):

- ``data/legal_tracks.json``: the legal track by the offender's age and whether there was
  physical violence or threats (Administrative Code Art. 127-2, Order No. 506, the Criminal
  Code), every rule with its sources;
- ``data/school_duties.json``: what Order No. 506 obliges the school and the education
  authority to do, how to keep evidence of cyberbullying, and the fixed wording of the
  parent's application.

A duty names the bullying protocol's step whose deadline it shows; the number of hours or
working days is read from the protocol definition, never written twice, and counted with
the project's working-day calendar (``protocols.workdays``). Lawyers correct the texts
and sources in the files without code (docs/parents.md).
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from qamqor.protocols import definitions
from qamqor.protocols.definitions import ProtocolSpec, StepSpec
from qamqor.protocols.models import ProtocolVersion
from qamqor.protocols.workdays import ALMATY, add_working_days, deadline
from qamqor.translation import active_language

DATA_DIR = Path(__file__).resolve().parent / "data"
LEGAL_TRACKS_FILE = DATA_DIR / "legal_tracks.json"
SCHOOL_DUTIES_FILE = DATA_DIR / "school_duties.json"
OLDEST = 120  # the ages a rule set must cover: 0 to this
ADILET = "https://adilet.zan.kz/{section}/docs/{code}"
# English translations on Adilet exist for few texts: English pages link to the Russian
ADILET_LANGUAGES = {"kk": "kaz", "ru": "rus", "en": "rus"}


class GuidanceError(ValueError):
    """A data file does not validate: names the file, the entry and the reason."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(Strict):
    """One statement in the three languages; none may be empty."""

    kk: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def pick(self, language: str | None = None) -> str:
        language = language or active_language()
        return str(getattr(self, language if language in {"kk", "ru", "en"} else "en"))

    def placeholders(self) -> set[str]:
        return {
            name
            for text in (self.kk, self.ru, self.en)
            for _literal, name, _spec, _conv in string.Formatter().parse(text)
            if name is not None
        }


class Source(Strict):
    """Where a statement comes from, and when its text was last checked.

    ``confidence`` carries the marks of docs/domain-kz.md: ``text`` read in the official
    text, ``secondary`` from law-firm, news or NGO summaries, ``unconfirmed`` not yet
    checked by a lawyer, ``project`` a practice of this service rather than a legal rule.
    """

    law: Texts
    article: Texts
    adilet: str = Field(default="", pattern=r"^([A-Z][0-9]{9,10})?$")
    checked_on: date
    confidence: Literal["text", "secondary", "unconfirmed", "project"]

    @model_validator(mode="after")
    def official_text(self) -> Source:
        if self.confidence != "project" and not self.adilet:
            raise ValueError("a legal source needs the code of its official text on Adilet")
        return self

    def link(self, language: str | None = None) -> str:
        """The official text on Adilet, the legal information system, in the page's
        language (Kazakh; Russian otherwise)."""
        if not self.adilet:
            return ""
        section = ADILET_LANGUAGES.get(language or active_language(), "rus")
        return ADILET.format(section=section, code=self.adilet)


class TrackRule(Strict):
    """One statement of the legal track: it holds for offenders aged ``min_age`` to
    ``max_age`` (inclusive; None: no upper limit), with violence or threats (``yes``),
    without (``no``) or either (``any``)."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    min_age: int = Field(ge=0, le=OLDEST)
    max_age: int | None = Field(default=None, ge=0, le=OLDEST)
    violence: Literal["yes", "no", "any"]
    title: Texts
    text: Texts
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def ages_in_order(self) -> TrackRule:
        if self.max_age is not None and self.max_age < self.min_age:
            raise ValueError(f"max_age {self.max_age} is below min_age {self.min_age}")
        return self

    def holds(self, age: int, violence: bool) -> bool:
        if age < self.min_age or (self.max_age is not None and age > self.max_age):
            return False
        return self.violence == "any" or (self.violence == "yes") == violence


class Boundaries(Texts):
    source: Source


class LegalTracks(Strict):
    about: str = ""
    boundaries: Boundaries
    rules: list[TrackRule] = Field(min_length=1)

    @model_validator(mode="after")
    def every_case_has_a_track(self) -> LegalTracks:
        ids = [rule.id for rule in self.rules]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"rule ids used twice: {', '.join(repeated)}")
        # Every age and both answers get at least one rule besides one that holds for all.
        for violence in (False, True):
            for age in range(OLDEST + 1):
                specific = [
                    r
                    for r in self.rules
                    if r.holds(age, violence) and not (r.min_age == 0 and r.max_age is None)
                ]
                if not specific:
                    raise ValueError(
                        f"no rule for an offender aged {age} "
                        f"{'with' if violence else 'without'} violence or threats"
                    )
        return self


class Duty(Strict):
    """What the school or the education authority must do; ``step`` is the bullying
    protocol's step whose deadline it shows (None: no deadline counted in days)."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    step: str | None
    title: Texts
    text: Texts
    source: Source


class Advice(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: Texts
    text: Texts
    source: Source


class Order(Strict):
    title: Texts
    short: Texts
    source: Source


PHRASE_PLACEHOLDERS = {
    "hours_from_received": {"n"},
    "working_days_from_received": {"n"},
    "working_days_after": {"n", "after"},
    "working_days_from_registered": {"n"},
    "by": {"date"},
}

APPLICATION_PLACEHOLDERS = {
    "heading": set(),
    "to_director": {"school"},
    "from_parent": {"parent", "child", "class"},
    "contact": {"contact"},
    "subject": set(),
    "intro": {"child", "class"},
    "what_happened": set(),
    "when": set(),
    "repeated": set(),
    "done_so_far": set(),
    "request": {"order"},
    "deadlines_heading": {"date"},
    "date_line": {"date"},
    "signature": set(),
    "received_line": set(),
    "footer": set(),
}


class SchoolDuties(Strict):
    about: str = ""
    protocol: str
    order: Order
    deadline_phrases: dict[str, Texts]
    duties: list[Duty] = Field(min_length=1)
    evidence: list[Advice] = Field(min_length=1)
    school_is_the_problem: list[Advice] = Field(min_length=1)
    application: dict[str, Texts]

    @model_validator(mode="after")
    def texts_are_complete(self) -> SchoolDuties:
        for group, expected in (
            ("deadline_phrases", PHRASE_PLACEHOLDERS),
            ("application", APPLICATION_PLACEHOLDERS),
        ):
            texts: dict[str, Texts] = getattr(self, group)
            if set(texts) != set(expected):
                missing = sorted(set(expected) - set(texts))
                extra = sorted(set(texts) - set(expected))
                raise ValueError(f"{group}: missing {missing}, unknown {extra}")
            for key, text in texts.items():
                if text.placeholders() - expected[key]:
                    unknown = sorted(text.placeholders() - expected[key])
                    raise ValueError(f"{group}.{key}: unknown placeholders {unknown}")
        ids = [duty.id for duty in self.duties]
        if len(set(ids)) != len(ids):
            raise ValueError("duty ids used twice")
        return self


def _load(path: Path, model: type[Strict]) -> Any:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise GuidanceError(f"{path.name}: not valid JSON: {error}") from error
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        reasons = "; ".join(
            f"{_entry_name(raw, problem['loc'])}: {problem['msg']}" for problem in error.errors()
        )
        raise GuidanceError(f"{path.name}: {reasons}") from error


def _entry_name(raw: Any, location: tuple[Any, ...]) -> str:
    """The path of a problem, with the entry's id where the entry has one
    (``rules[art_127_2_parents].min_age`` rather than ``rules.2.min_age``)."""
    parts: list[str] = []
    node = raw
    for part in location:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
            name = node.get("id") if isinstance(node, dict) else None
            parts[-1 if parts else 0 :] = [f"{parts[-1] if parts else ''}[{name or part}]"]
            continue
        parts.append(str(part))
        node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts) or "(file)"


def load_legal_tracks(path: Path | None = None) -> LegalTracks:
    """The legal-track rules, validated; GuidanceError names a bad entry."""
    tracks: LegalTracks = _load(path or LEGAL_TRACKS_FILE, LegalTracks)
    return tracks


def load_school_duties(path: Path | None = None) -> SchoolDuties:
    """The school's duties, validated against the bullying protocol's steps too."""
    duties: SchoolDuties = _load(path or SCHOOL_DUTIES_FILE, SchoolDuties)
    spec = definitions.latest(duties.protocol).spec
    for duty in duties.duties:
        if duty.step is not None and duty.step not in {step.key for step in spec.steps}:
            raise GuidanceError(
                f"{(path or SCHOOL_DUTIES_FILE).name}: duties[{duty.id}].step: "
                f"{duty.step!r} is not a step of {duties.protocol}"
            )
    return duties


@cache
def legal_tracks() -> LegalTracks:
    return load_legal_tracks()


@cache
def school_duties() -> SchoolDuties:
    return load_school_duties()


def clear_cache() -> None:
    """Forget the loaded files (tests that swap them)."""
    legal_tracks.cache_clear()
    school_duties.cache_clear()


# --- the legal track ---------------------------------------------------------------------


def track_for(age: int, *, physical_violence: bool, threats: bool) -> list[TrackRule]:
    """The rules that hold for an offender of ``age`` (whole years at the time of the acts),
    in the file's order. Violence or threats add the criminal check (brief 2.1.1)."""
    violence = physical_violence or threats
    return [rule for rule in legal_tracks().rules if rule.holds(age, violence)]


# --- the school's deadlines --------------------------------------------------------------


def bullying_protocol() -> ProtocolSpec:
    """The version of the bullying protocol new cases start on: the newest published one,
    or the newest file before anything is published (read only: nothing is published
    from a public page)."""
    code = school_duties().protocol
    published = (
        ProtocolVersion.objects.filter(code=code, published_at__isnull=False)
        .order_by("-version")
        .first()
    )
    return published.spec if published is not None else definitions.latest(code).spec


@dataclass(frozen=True)
class TimelineEntry:
    """One duty with the rule of its deadline and the latest day it allows."""

    duty: Duty
    rule: str  # "within 1 working day of receiving the information"
    due: date | None  # None: no deadline counted in days (monitoring over 6 months)

    def due_text(self, language: str) -> str:
        if self.due is None:
            return ""
        return (
            school_duties().deadline_phrases["by"].pick(language).format(date=format_day(self.due))
        )


def format_day(day: date) -> str:
    """Dates on the pages and in the application: 26.03.2026, as official letters in
    Kazakhstan write them, the same in every language."""
    return day.strftime("%d.%m.%Y")


def _rule_text(spec: StepSpec, steps: dict[str, StepSpec], language: str) -> str:
    phrases = school_duties().deadline_phrases
    if spec.deadline.hours is not None:
        return phrases["hours_from_received"].pick(language).format(n=spec.deadline.hours)
    n = spec.deadline.working_days
    if spec.deadline.from_ == "received":
        return phrases["working_days_from_received"].pick(language).format(n=n)
    if spec.deadline.from_ == "registered":
        return phrases["working_days_from_registered"].pick(language).format(n=n)
    previous = spec.after[-1] if spec.after else ""
    duty = next((d for d in school_duties().duties if d.step == previous), None)
    if duty is not None:
        title = duty.title.pick(language)
    else:
        title = str(getattr(steps[previous].title, language, "")) if previous else ""
    return phrases["working_days_after"].pick(language).format(n=n, after=title)


def school_timeline(received_on: date, language: str | None = None) -> list[TimelineEntry]:
    """The duties with the latest day each allows, when the school received the parent's
    information on ``received_on``.

    Deadlines come from the bullying protocol's steps and are counted as the protocol
    engine counts them (``protocols.workdays.deadline``). The information is taken to have
    arrived at the end of that day, so an hour-based deadline shows the latest day it can
    fall on; a step that follows another counts from the other's latest day; a step counted
    from registration with the education authority counts as if it were registered on the
    day the school received it (the duty's text says so).
    """
    language = language or active_language()
    spec = bullying_protocol()
    steps = {step.key: step for step in spec.steps}
    received = datetime.combine(received_on, time(23, 59, 59), tzinfo=ALMATY)
    due_at: dict[str, datetime] = {}

    def due(key: str) -> datetime:
        if key not in due_at:
            step = steps[key]
            if step.deadline.from_ in {"received", "registered"} or not step.after:
                start = received
            else:
                start = max(due(previous) for previous in step.after)
            due_at[key] = deadline(
                start, working_days=step.deadline.working_days, hours=step.deadline.hours
            )
        return due_at[key]

    entries = []
    for duty in school_duties().duties:
        if duty.step is None:
            entries.append(TimelineEntry(duty=duty, rule="", due=None))
            continue
        step = steps.get(duty.step)
        if step is None:  # the published version has no such step
            continue
        entries.append(
            TimelineEntry(
                duty=duty,
                rule=_rule_text(step, steps, language),
                due=due(duty.step).astimezone(ALMATY).date(),
            )
        )
    return entries


def working_days_after(day: date, days: int) -> date:
    """The ``days``-th working day after ``day`` (the calendar's, holidays skipped)."""
    start = datetime.combine(day, time(12), tzinfo=ALMATY)
    return add_working_days(start, days).date()
