"""The indicator catalogue (``data/indicators.json``) and the sources its figures come
from (decision 0014; docs/analytics.md, "Indicator catalogue").

An indicator is a numerator over a denominator (times ``scale``); each side is a source:
a rollup grain (``analytics.grains``) with the measures it adds up and a filter, or a
live figure read from the directory tables (staff, pupils, children, the work log),
which are current state and small beside the history. The file is checked whole when it
is loaded: a bad entry is an error naming it (tested).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case as When_
from django.db.models import Count, F, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth

from qamqor.accounts import policy
from qamqor.accounts.models import Membership, Role
from qamqor.analytics.grains import GRAINS
from qamqor.care.models import NON_SPECIALIST, SchoolEnrolment, WorkEntry
from qamqor.directory.models import Settlement

CATALOGUE_FILE = Path(__file__).parent / "data" / "indicators.json"
UNITS = {"count", "share", "ratio", "days", "hours", "per_1000", "per_10000"}
PERIODS = {"month", "now"}
KINDS = {"month", "quarter", "year", "all"}
AREA_KINDS = {"country": None, "region": "region", "district": "district"}
AREA_KINDS["organisation"] = "organisation"
COUNTRY_CODE = "KZ"


def minimum_cell() -> int:
    """Counts below this are suppressed for those who see suppressed figures."""
    return int(getattr(settings, "STATISTICS_SMALL_CELL_MIN", 5))


# --- sources --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where one side of an indicator comes from: rows of ``queryset`` with their
    dimension expressions, an optional month, and the aggregate that adds them up."""

    code: str
    queryset: Callable[[], QuerySet[Any]]
    dimensions: Mapping[str, Any]
    value: Callable[[Sequence[str]], Any]
    month: Any = None
    live: bool = False


def _text(value: str) -> Value:
    return Value(value, output_field=models.CharField())


def _ownership(organisation: str) -> When_:
    return When_(
        When(
            **{f"{organisation}__kind": "school", f"{organisation}__is_private": True},
            then=_text("private"),
        ),
        When(**{f"{organisation}__kind": "school"}, then=_text("public")),
        default=_text("none"),
        output_field=models.CharField(),
    )


def _organisation_dimensions(path: str) -> dict[str, Any]:
    return {
        "region": F(f"{path}__region__code"),
        "district": F(f"{path}__district__code"),
        "organisation": F(f"{path}__code"),
        "organisation_kind": F(f"{path}__kind"),
        "ownership": _ownership(path),
    }


def _staff(*, roles: Iterable[str] | None = None, kinds: Iterable[str] | None = None) -> Any:
    def queryset() -> QuerySet[Any]:
        members = Membership.objects.filter(active=True)
        if roles is not None:
            members = members.filter(role__in=list(roles))
        if kinds is not None:
            members = members.filter(organisation__kind__in=list(kinds))
        return members

    return queryset


def _distinct_users(_measures: Sequence[str]) -> Any:
    return Count("user", distinct=True)


def _hours(queryset: Callable[[], QuerySet[Any]], code: str) -> Source:
    return Source(
        code,
        queryset,
        _organisation_dimensions("week__organisation"),
        lambda _m: Sum("hours"),
        month=TruncMonth("week__week_start", output_field=models.DateField()),
        live=True,
    )


LIVE: dict[str, Source] = {
    source.code: source
    for source in (
        Source(
            "pupils",
            SchoolEnrolment.objects.all,
            _organisation_dimensions("school"),
            lambda _m: Sum("pupils"),
            live=True,
        ),
        Source(
            "school_psychologists",
            _staff(roles=[Role.SCHOOL_PSYCHOLOGIST], kinds=["school"]),
            _organisation_dimensions("organisation"),
            _distinct_users,
            live=True,
        ),
        Source(
            "psychologists",
            _staff(roles=sorted(policy.PSYCHOLOGIST_ROLES)),
            _organisation_dimensions("organisation"),
            _distinct_users,
            live=True,
        ),
        Source(
            "psc_staff",
            _staff(kinds=["psc", "psc_branch"]),
            _organisation_dimensions("organisation"),
            _distinct_users,
            live=True,
        ),
        Source(
            "children",
            Settlement.objects.all,
            {"region": F("region__code"), "district": F("district__code")},
            lambda _m: Sum("children"),
            live=True,
        ),
        _hours(WorkEntry.objects.all, "work_hours"),
        _hours(
            lambda: WorkEntry.objects.filter(category__in=sorted(NON_SPECIALIST)),
            "non_specialist_hours",
        ),
    )
}


def _rollup_source(grain_code: str) -> Source:
    grain = GRAINS[grain_code]

    def value(measures: Sequence[str]) -> Any:
        total: Any = F(measures[0])
        for name in measures[1:]:
            total = total + F(name)
        return Sum(total)

    return Source(
        grain_code,
        grain.model._default_manager.all,
        {name: F(name) for name in grain.dimensions if name != "month"},
        value,
        month=F("month") if grain.monthly else None,
    )


# --- the catalogue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """A numerator or a denominator: a source, the measures added up and a filter
    (dimension to a code or a list of codes); ``across`` names dimensions the side is not
    broken down by (a share's denominator is the whole of its row)."""

    source: Source
    measures: tuple[str, ...] = ()
    filter: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    across: tuple[str, ...] = ()

    @property
    def dimensions(self) -> set[str]:
        return set(self.source.dimensions)


@dataclass(frozen=True)
class Indicator:
    """One entry of the catalogue (``data/indicators.json``; docs/analytics.md)."""

    code: str
    name: Mapping[str, str]
    unit: str
    period: str
    numerator: Side
    denominator: Side | None
    disaggregations: tuple[str, ...]
    scale: float = 1.0
    cells: str = "numerator"
    always_suppressed: bool = False
    brief: str = ""

    def name_in(self, language: str) -> str:
        return self.name.get(language) or self.name["en"]

    @property
    def areas(self) -> tuple[str, ...]:
        """The kinds of area the indicator can be read for."""
        sides = [self.numerator] + ([self.denominator] if self.denominator else [])
        return tuple(
            kind
            for kind, dimension in AREA_KINDS.items()
            if dimension is None or all(dimension in side.dimensions for side in sides)
        )


class CatalogueError(ValueError):
    """The catalogue has entries that cannot be read; the message lists them all."""


def _side(code: str, raw: Any, problems: list[str], what: str) -> Side | None:
    if not isinstance(raw, dict):
        problems.append(f"{code}: {what} must be an object")
        return None
    if "live" in raw:
        source = LIVE.get(str(raw["live"]))
        if source is None:
            problems.append(f"{code}: {what} names an unknown live figure {raw['live']!r}")
            return None
        return Side(source)
    grain = GRAINS.get(str(raw.get("grain")))
    if grain is None:
        problems.append(f"{code}: {what} names an unknown grain {raw.get('grain')!r}")
        return None
    measures = tuple(raw.get("measures") or ())
    unknown = [m for m in measures if m not in grain.measures]
    if not measures or unknown:
        problems.append(f"{code}: {what} needs measures of {grain.code}, not {unknown or '[]'}")
    filters: dict[str, str | tuple[str, ...]] = {}
    for name, wanted in (raw.get("filter") or {}).items():
        if name not in grain.dimensions or name == "month":
            problems.append(f"{code}: {what} filters on {name!r}, not a dimension of {grain.code}")
        filters[name] = tuple(wanted) if isinstance(wanted, list) else str(wanted)
    across = tuple(raw.get("across") or ())
    if any(name not in grain.dimensions for name in across):
        problems.append(f"{code}: {what} is across an unknown dimension")
    return Side(_rollup_source(grain.code), measures, filters, across)


def load_catalogue(data: Mapping[str, Any]) -> dict[str, Indicator]:
    """The catalogue from its JSON form; a ``CatalogueError`` naming every bad entry."""
    problems: list[str] = []
    result: dict[str, Indicator] = {}
    for raw in data.get("indicators") or []:
        code = str(raw.get("code") or "")
        if not code or code in result:
            problems.append(f"{code or '(no code)'}: missing or repeated code")
            continue
        name = raw.get("name") or {}
        if not all(isinstance(name.get(lang), str) and name[lang] for lang in ("kk", "ru", "en")):
            problems.append(f"{code}: needs a name in kk, ru and en")
        unit, period = raw.get("unit"), raw.get("period")
        if unit not in UNITS:
            problems.append(f"{code}: unit {unit!r} is not one of {sorted(UNITS)}")
        if period not in PERIODS:
            problems.append(f"{code}: period {period!r} is not one of {sorted(PERIODS)}")
        numerator = _side(code, raw.get("numerator"), problems, "numerator")
        denominator = (
            _side(code, raw["denominator"], problems, "denominator")
            if raw.get("denominator") is not None
            else None
        )
        if unit != "count" and raw.get("denominator") is None:
            problems.append(f"{code}: a {unit} needs a denominator")
        cells = raw.get("cells", "numerator")
        if cells not in {"numerator", "denominator", "none"} or (
            cells == "denominator" and raw.get("denominator") is None
        ):
            problems.append(f"{code}: cells {cells!r} cannot be suppressed")
        disaggregations = tuple(raw.get("disaggregations") or ())
        if numerator is None or (raw.get("denominator") is not None and denominator is None):
            continue
        missing = [d for d in disaggregations if d not in numerator.dimensions]
        if missing:
            problems.append(f"{code}: cannot be broken down by {missing}")
        result[code] = Indicator(
            code=code,
            name=dict(name),
            unit=str(unit),
            period=str(period),
            numerator=numerator,
            denominator=denominator,
            disaggregations=disaggregations,
            scale=float(raw.get("scale", 1.0)),
            cells=str(cells),
            always_suppressed=bool(raw.get("always_suppressed", False)),
            brief=str(raw.get("brief", "")),
        )
    if problems:
        raise CatalogueError("; ".join(problems))
    return result


@cache
def catalogue() -> dict[str, Indicator]:
    """Every indicator by its code, in the catalogue's order (read once per process)."""
    return load_catalogue(json.loads(CATALOGUE_FILE.read_text(encoding="utf-8")))
