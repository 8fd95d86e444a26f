"""The one read API of the national statistics (decision 0014; brief 1.2.1, 1.4.1, 3.1.1,
2.3.9): the indicator catalogue and the values of an indicator.

Dashboards, the public report, the exports and the DHIS2 writer read figures only here::

    from qamqor.analytics import indicators
    for indicator in indicators.catalogue().values(): ...
    figures = indicators.values(
        "cases_by_form",
        periods=[Period(2026, "quarter", 1)],  # or kind="month", "quarter", "year", "all"
        area=indicators.Area("region", "KZ-75"),  # country, region, district, organisation
        breakdown="form",  # one of the indicator's disaggregations
        viewer=indicators.Viewer.of(request.user),  # scope and small-cell suppression
    )
    figures.as_of, [(r.period, r.area, r.category, r.value) for r in figures.rows]

The catalogue is data (``data/indicators.json``): each indicator is a numerator over a
denominator (times ``scale``), each a *source*: a rollup grain with its measures and a
filter, or a live figure from the directory (staff, pupils, children, the work log),
which are current state and small, so they are read as they are. Values are read from
the rollups with one grouped query per side: the cost does not grow with the history.

Small cells: for a viewer who must see suppressed figures (a monitor; everyone for the
screening indicators), the counted side of each period's row of categories goes through
``instruments.suppression.suppress`` (a cell of 1 to 4 is hidden, with its complements,
so that no hidden count can be worked out from the row and its total).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.utils import timezone

from qamqor.accounts import policy
from qamqor.analytics import dhis2
from qamqor.analytics.catalogue import (
    AREA_KINDS,
    COUNTRY_CODE,
    KINDS,
    CatalogueError,
    Indicator,
    Side,
    catalogue,
    load_catalogue,
    minimum_cell,
)
from qamqor.analytics.dhis2 import Period
from qamqor.analytics.fold import as_of
from qamqor.directory.models import Region
from qamqor.instruments.suppression import suppress

__all__ = [
    "COUNTRY",
    "NATIONAL",
    "PUBLIC",
    "Area",
    "CatalogueError",
    "Figures",
    "Indicator",
    "IndicatorValue",
    "Period",
    "Viewer",
    "catalogue",
    "dhis2_values",
    "load_catalogue",
    "minimum_cell",
    "period_code",
    "periods_between",
    "values",
]

# --- who reads, and where ---------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Whose figures: ``region_codes`` the regions they may see (None: the country) and
    whether small cells are hidden from them."""

    region_codes: frozenset[str] | None = None
    suppressed: bool = False

    @classmethod
    def of(cls, user: object) -> Viewer:
        """A coordinator sees their regions' figures whole; a monitor (who sees no case)
        the country's, with small cells suppressed."""
        scope = policy.scope_for(user)
        region_ids = policy.statistics_region_ids(user)
        codes = (
            None
            if region_ids is None
            else frozenset(Region.objects.filter(pk__in=region_ids).values_list("code", flat=True))
        )
        return cls(codes, suppressed=not (scope.national or scope.region_ids))


NATIONAL = Viewer()
PUBLIC = Viewer(suppressed=True)


@dataclass(frozen=True)
class Area:
    """The place figures are for: the country, or a region, district or organisation by
    its code."""

    kind: str = "country"
    code: str = COUNTRY_CODE


COUNTRY = Area()


@dataclass(frozen=True)
class IndicatorValue:
    """One figure: ``period`` (None for "now" or all time), ``area`` (the code asked for),
    ``category`` (the breakdown's code, "" without one), ``value`` = numerator /
    denominator times scale (the numerator alone for a count); None where suppressed."""

    period: Period | None
    area: str
    category: str
    value: float | int | None
    numerator: float | int | None
    denominator: float | int | None
    suppressed: bool = False


@dataclass
class Figures:
    """An indicator's values and when the rollups were last brought up to date."""

    indicator: Indicator
    as_of: dt.datetime | None
    rows: list[IndicatorValue]
    suppressed: bool = False
    breakdown: str | None = None


# --- reading ----------------------------------------------------------------------------------

Key = tuple[dt.date | None, str]


def _read(
    side: Side,
    *,
    area: Area,
    group: str | None,
    months: tuple[dt.date, dt.date] | None,
    regions: frozenset[str] | None,
    where: Mapping[str, str] | None = None,
) -> dict[Key, float]:
    """One grouped query: the side's sum per (month or None, category), of the rows of
    ``where``'s categories only."""
    source = side.source
    filters = {**side.filter, **(where or {})}
    names = set(filters) | ({group} if group else set())
    dimension = AREA_KINDS[area.kind]
    if dimension:
        names.add(dimension)
    if regions is not None:
        names.add("region")
    queryset = source.queryset().annotate(
        **{f"d_{name}": source.dimensions[name] for name in sorted(names)}
    )
    if source.month is not None:
        queryset = queryset.annotate(d_month=source.month)
        if months is not None:
            queryset = queryset.filter(d_month__gte=months[0], d_month__lte=months[1])
    for name, wanted in filters.items():
        lookup = f"d_{name}__in" if isinstance(wanted, tuple) else f"d_{name}"
        queryset = queryset.filter(
            **{lookup: list(wanted) if isinstance(wanted, tuple) else wanted}
        )
    if dimension:
        queryset = queryset.filter(**{f"d_{dimension}": area.code})
    if regions is not None:
        queryset = queryset.filter(d_region__in=sorted(regions))
    columns = (["d_month"] if source.month is not None else []) + ([f"d_{group}"] if group else [])
    rows = queryset.values(*columns).annotate(total=source.value(side.measures)).order_by()
    result: dict[Key, float] = {}
    for row in rows:
        key = (row.get("d_month"), str(row.get(f"d_{group}") or "") if group else "")
        result[key] = result.get(key, 0) + float(row["total"] or 0)
    return result


def _period_of(month: dt.date | None, kind: str) -> Period | None:
    if month is None or kind == "all":
        return None
    if kind == "month":
        return Period(month.year, "month", month.month)
    if kind == "quarter":
        return Period(month.year, "quarter", (month.month - 1) // 3 + 1)
    return Period(month.year, "year")


def _last_month(period: Period) -> dt.date:
    months = {"month": 0, "quarter": 2, "year": 11}[period.kind]
    start = period.start
    index = start.month - 1 + months
    return dt.date(start.year + index // 12, index % 12 + 1, 1)


def _periods_of(month: dt.date | None, periods: Sequence[Period] | None, kind: str) -> list[Any]:
    """The periods a month's figure counts in (None: the indicator has no months)."""
    if month is None:
        return [None] if periods is None else list(periods)
    if periods is None:
        return [_period_of(month, kind)]
    return [p for p in periods if p.start <= month <= _last_month(p)]


def _by_period(
    sums: Mapping[Key, float], periods: Sequence[Period] | None, kind: str
) -> dict[tuple[Any, str], float]:
    result: dict[tuple[Any, str], float] = {}
    for (month, category), total in sums.items():
        for period in _periods_of(month, periods, kind):
            result[(period, category)] = result.get((period, category), 0) + total
    return result


def periods_between(first: dt.date, last: dt.date, kind: str) -> list[Period]:
    """The periods of ``kind`` (month, quarter, year) from the one holding ``first`` to the
    one holding ``last``, in order."""
    result: list[Period] = []
    month = first.replace(day=1)
    while month <= last:
        period = _period_of(month, kind)
        if period is not None and (not result or result[-1] != period):
            result.append(period)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return result


def period_code(period: Period | None) -> str | None:
    """``2026-01``, ``2026-Q1``, ``2026``; None for "now" or all time."""
    if period is None:
        return None
    if period.kind == "month":
        return f"{period.year}-{period.index:02d}"
    if period.kind == "quarter":
        return f"{period.year}-Q{period.index}"
    return str(period.year)


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def values(
    code: str,
    *,
    periods: Sequence[Period] | None = None,
    kind: str = "year",
    area: Area = COUNTRY,
    breakdown: str | None = None,
    where: Mapping[str, str] | None = None,
    viewer: Viewer = NATIONAL,
) -> Figures:
    """The values of indicator ``code``.

    ``periods``: the months, quarters or years wanted (each row belongs to one); without
    them, every period with data, of ``kind`` (month, quarter, year, or "all" for one
    figure over the whole history). Indicators of the state "now" (overdue steps,
    staffing) have one period, None. ``area``: the country, or a region, district or
    organisation by code (``Indicator.areas`` lists those it supports). ``breakdown``: one
    of ``Indicator.disaggregations``. ``where``: only the rows of these categories (a
    disaggregation to one code, such as one questionnaire's screenings broken down by
    band); a side that adds up across a dimension is not limited by it. ``viewer``: limits
    the figures to its regions and suppresses small cells for those who must not see them.
    A ``LookupError`` for an unknown code; a ``ValueError`` for a breakdown, area, kind or
    limit the indicator lacks.
    """
    indicator = catalogue().get(code)
    if indicator is None:
        raise LookupError(code)
    if breakdown is not None and breakdown not in indicator.disaggregations:
        raise ValueError(f"{code} is not broken down by {breakdown}")
    where = dict(where or {})
    for name in where:
        if name not in indicator.disaggregations or name == breakdown:
            raise ValueError(f"{code} cannot be limited by {name}")
    if area.kind not in indicator.areas:
        raise ValueError(f"{code} has no figures by {area.kind}")
    if kind not in KINDS:
        raise ValueError(f"not a kind of period: {kind}")
    if indicator.period == "now":
        periods, kind = None, "all"
    months = (
        (min(p.start for p in periods), max(_last_month(p) for p in periods)) if periods else None
    )

    def read(side: Side, group: str | None) -> dict[Key, float]:
        limits = {k: v for k, v in where.items() if k in side.dimensions and k not in side.across}
        return _read(
            side,
            area=area,
            group=group,
            months=months,
            regions=viewer.region_codes,
            where=limits,
        )

    numerators = _by_period(read(indicator.numerator, breakdown), periods, kind)
    denominators: dict[tuple[Any, str], float] = {}
    split = False
    if indicator.denominator is not None:
        side = indicator.denominator
        split = bool(breakdown) and breakdown in side.dimensions and breakdown not in side.across
        denominators = _by_period(read(side, breakdown if split else None), periods, kind)
    place = area.code
    rows: list[IndicatorValue] = []
    keys = sorted(
        set(numerators) | ({k for k in denominators if split} if indicator.denominator else set()),
        key=lambda k: (k[0] or Period(1), k[1]),
    )
    hidden = _suppressed(indicator, viewer, keys, numerators, denominators, split)
    for period, category in keys:
        numerator = numerators.get((period, category), 0.0)
        denominator = (
            denominators.get((period, category if split else ""))
            if indicator.denominator is not None
            else None
        )
        if denominator is None and indicator.denominator is not None and period is not None:
            denominator = denominators.get((None, category if split else ""))  # a live figure
        value: float | int | None
        if indicator.denominator is None:
            value = _number(numerator)
        elif denominator:
            value = round(numerator / denominator * indicator.scale, 4)
        else:
            value = None
        secret = (period, category) in hidden
        rows.append(
            IndicatorValue(
                period=period,
                area=place,
                category=category,
                value=None if secret else value,
                numerator=None if secret else _number(numerator),
                denominator=(
                    None
                    if denominator is None or (secret and _denominator_hidden(indicator, split))
                    else _number(denominator)
                ),
                suppressed=secret,
            )
        )
    return Figures(
        indicator=indicator,
        as_of=as_of(),
        rows=rows,
        suppressed=viewer.suppressed or indicator.always_suppressed,
        breakdown=breakdown,
    )


def _denominator_hidden(indicator: Indicator, split: bool) -> bool:
    """Whether a suppressed cell's denominator goes with it: yes when it is the count
    suppressed or a count of the same cell; a row's whole stays (it is hidden by itself
    when small)."""
    return indicator.cells == "denominator" or split


def _suppressed(
    indicator: Indicator,
    viewer: Viewer,
    keys: Sequence[tuple[Any, str]],
    numerators: Mapping[tuple[Any, str], float],
    denominators: Mapping[tuple[Any, str], float],
    split: bool,
) -> set[tuple[Any, str]]:
    """The (period, category) cells hidden from this viewer: each period's categories are
    one row of counts for ``suppress`` (the row's total counts as published)."""
    if indicator.cells == "none" or not (viewer.suppressed or indicator.always_suppressed):
        return set()
    minimum = minimum_cell()
    counted = numerators if indicator.cells == "numerator" else denominators
    hidden: set[tuple[Any, str]] = set()
    by_period: dict[Any, list[str]] = {}
    for period, category in keys:
        by_period.setdefault(period, []).append(category)
    for period, categories in by_period.items():
        if indicator.cells == "denominator" and not split:
            whole = counted.get((period, ""), 0)
            if 0 < whole < minimum:
                hidden.update((period, c) for c in categories)
            continue
        counts = [int(counted.get((period, c), 0)) for c in categories]
        shown = suppress([counts], minimum)[0]
        hidden.update(
            (period, c) for c, cell in zip(categories, shown, strict=False) if cell is None
        )
        if indicator.denominator is not None and not split:
            whole = denominators.get((period, ""), 0)
            if 0 < whole < minimum:
                hidden.update((period, c) for c in categories)
    return hidden


def dhis2_values(figures: Figures) -> list[Any]:
    """The figures as the DHIS2 writer's ``Value`` rows (``dhis2.data_value_set``,
    ``dhis2.adx``): suppressed and period-less figures are left out; a breakdown by region,
    district or organisation becomes the place."""
    from qamqor.analytics.dhis2 import Value as Dhis2Value

    dimension = figures.breakdown or ""
    is_place = dimension in {"region", "district", "organisation"}
    result = []
    for row in figures.rows:
        if row.value is None or row.period is None:
            continue
        place, breakdown = row.area, cast(tuple[tuple[str, str], ...], ())
        if row.category and is_place:
            place = row.category
        elif row.category:
            breakdown = ((dimension, row.category),)
        result.append(Dhis2Value(figures.indicator.code, place, row.period, row.value, breakdown))
    return result


def dhis2_export(
    codes: Sequence[str],
    *,
    mapping: dhis2.Dhis2Mapping,
    periods: Sequence[Period],
    breakdown: str | None,
    viewer: Viewer,
    fmt: str,
) -> dhis2.Export:
    """The values of the indicators ``codes`` as a DHIS2 ``dataValueSets`` document
    (``fmt="json"``) or an ADX message (``"adx"``) under the ministry's ``mapping``
    (brief 1.4.1, 3.1.1): what ``manage.py export_dhis2`` and ``GET /api/v1/stats/dhis2``
    write. LookupError for an unknown indicator, ValueError for a breakdown it lacks."""
    rows: list[Any] = []
    for code in codes:
        figures = values(code, periods=periods, breakdown=breakdown, viewer=viewer)
        rows += dhis2_values(figures)
    if fmt == "adx":
        return dhis2.adx(rows, mapping, exported=timezone.now())
    return dhis2.data_value_set(rows, mapping)
