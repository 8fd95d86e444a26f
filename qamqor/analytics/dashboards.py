"""The statistics dashboards, country → region → district → organisation (brief 1.2.1,
1.4.1, 3.1.1, 2.3.9): what each page shows, assembled from ``indicators.values`` only.

Every figure comes from the one read API with the viewer's scope and small-cell
suppression; every table of sub-areas is one ``values`` call broken down by the level
below, so a page takes the same number of queries whatever the number of regions,
districts, organisations or months of history (tested at two data sizes).

The map of the regions is a schematic tile map: one equal square per region placed
roughly where it lies (``REGION_TILES``). No boundary data is used or shipped, so no
licence question arises and a small region (a city) is as visible as a large one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext, gettext_lazy

from qamqor.analytics import indicators
from qamqor.analytics.fold import as_of as last_fold
from qamqor.analytics.indicators import Area, Figures, Period, Viewer
from qamqor.directory.models import District, Organisation, Region

#: Level of each page and the level ranked below it.
CHILD = {"country": "region", "region": "district", "district": "organisation"}

#: Headline tiles, in order; a page shows those its level supports.
HEADLINES = (
    "cases_registered",
    "cases_closed",
    "overdue_steps",
    "steps_on_time_share",
    "consultations",
    "crisis_exceptions",
    "psc_staff_per_10000_children",
    "non_specialist_time_share",
)

#: The indicator a page opens with, by level.
DEFAULT_INDICATOR = {
    "country": "cases_registered",
    "region": "cases_registered",
    "district": "cases_registered",
    "organisation": "consultations",
}

#: When the chosen indicator has no figures by organisation, a district ranks its
#: organisations by this one.
ORGANISATION_FALLBACK = "consultations"

PERIOD_KINDS = ("month", "quarter", "year")
TREND_MONTHS = 12

#: ISO 3166-2:KZ code → (column, row) of the schematic tile map: west to east, north to
#: south, roughly where each region lies. Not a map projection: every tile is equal.
REGION_TILES: dict[str, tuple[int, int]] = {
    "KZ-39": (2, 0),  # Kostanay
    "KZ-59": (3, 0),  # North Kazakhstan
    "KZ-55": (5, 0),  # Pavlodar
    "KZ-27": (0, 1),  # West Kazakhstan
    "KZ-15": (1, 1),  # Aktobe
    "KZ-11": (3, 1),  # Akmola
    "KZ-71": (4, 1),  # Astana
    "KZ-63": (6, 1),  # East Kazakhstan
    "KZ-23": (0, 2),  # Atyrau
    "KZ-62": (2, 2),  # Ulytau
    "KZ-35": (3, 2),  # Karaganda
    "KZ-10": (5, 2),  # Abai
    "KZ-47": (0, 3),  # Mangystau
    "KZ-43": (1, 3),  # Kyzylorda
    "KZ-61": (2, 3),  # Turkistan
    "KZ-31": (3, 3),  # Jambyl
    "KZ-33": (5, 3),  # Jetisu
    "KZ-79": (2, 4),  # Shymkent
    "KZ-19": (4, 4),  # Almaty region
    "KZ-75": (5, 4),  # Almaty (city)
}
TILE = 86  # pixels per tile side in the SVG, gap included
SHADES = ("#e0f2f1", "#99f6e4", "#2dd4bf", "#0d9488", "#115e59")
NO_DATA = "#e5e7eb"

LEVEL_NAMES = {
    "country": gettext_lazy("Country"),
    "region": gettext_lazy("Region"),
    "district": gettext_lazy("District"),
    "organisation": gettext_lazy("Organisation"),
}


def psc_staff_threshold() -> float:
    """PSC staff per 10,000 children below which a region is listed as short of staff."""
    return float(getattr(settings, "STATISTICS_PSC_STAFF_THRESHOLD", 1.0))


# --- periods ----------------------------------------------------------------------------------


def period_of(day: dt.date, kind: str) -> Period:
    if kind == "month":
        return Period(day.year, "month", day.month)
    if kind == "quarter":
        return Period(day.year, "quarter", (day.month - 1) // 3 + 1)
    return Period(day.year, "year")


def previous(period: Period) -> Period:
    """The period of the same kind just before ``period``."""
    if period.kind == "year":
        return Period(period.year - 1)
    last = 12 if period.kind == "month" else 4
    if period.index == 1:
        return Period(period.year - 1, period.kind, last)
    return Period(period.year, period.kind, period.index - 1)


def parse_period(code: str, kind: str) -> Period | None:
    """``2026-03`` (month), ``2026-Q1`` (quarter), ``2026`` (year); None if unreadable."""
    try:
        if kind == "month":
            year, month = code.split("-")
            return Period(int(year), "month", int(month))
        if kind == "quarter":
            year, quarter = code.split("-Q")
            return Period(int(year), "quarter", int(quarter))
        return Period(int(code))
    except ValueError:
        return None


def months_to(period: Period, count: int = TREND_MONTHS) -> list[Period]:
    """The ``count`` months up to the last month of ``period``."""
    length = {"month": 1, "quarter": 3, "year": 12}[period.kind]
    start = period.start
    last = start.year * 12 + start.month - 1 + length - 1
    return [Period(m // 12, "month", m % 12 + 1) for m in range(last - count + 1, last + 1)]


def period_label(period: Period | None) -> str:
    return indicators.period_code(period) or gettext("now")


# --- what a page shows ------------------------------------------------------------------------


@dataclass
class Place:
    """The area a page is about, with its breadcrumb trail of (label, URL)."""

    level: str
    code: str
    name: str
    region_code: str | None = None
    trail: list[tuple[str, str]] = field(default_factory=list)

    @property
    def area(self) -> Area:
        return Area(self.level, self.code)


@dataclass
class Table:
    """A downloadable table: ``rows`` of cells; ``links`` the URL of each row (or "")."""

    key: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    links: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def lines(self) -> list[tuple[str, list[Any]]]:
        """Each row with its link ("" for none), as the page lists them."""
        links = self.links or [""] * len(self.rows)
        return list(zip(links, self.rows, strict=True))


@dataclass
class Tile:
    """A headline figure with the previous period and the change."""

    code: str
    name: str
    unit: str
    value: Any
    before: Any
    change: float | None
    suppressed: bool = False


@dataclass
class MapTile:
    code: str
    name: str
    x: int
    y: int
    value: Any
    fill: str
    url: str
    label_y: int = 0
    value_y: int = 0


@dataclass
class Dashboard:
    place: Place
    indicator: indicators.Indicator
    choices: list[tuple[str, str]]
    kind: str
    period: Period
    before: Period
    as_of: dt.datetime | None
    tiles: list[Tile]
    trend: dict[str, Any]
    tables: list[Table]
    tiles_map: list[MapTile]
    map_size: tuple[int, int]
    suppressed: bool

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


def _name(indicator: indicators.Indicator) -> str:
    return indicator.name_in((get_language() or "en")[:2])


def _by_category(figures: Figures, period: Period | None) -> dict[str, Any]:
    return {r.category: r.value for r in figures.rows if r.period == period or r.period is None}


def _nothing(figures: Figures) -> Any:
    """The figure where no row came back: nothing was counted (0), but a share or a mean
    of nothing has no value."""
    return 0 if figures.indicator.unit == "count" else None


def _total(figures: Figures, period: Period | None) -> tuple[Any, bool]:
    for row in figures.rows:
        if row.category == "" and (row.period == period or row.period is None):
            return row.value, row.suppressed
    return _nothing(figures), False


def _change(value: Any, before: Any) -> float | None:
    if value is None or before is None:
        return None
    return round(float(value) - float(before), 4)


def indicators_for(level: str) -> list[indicators.Indicator]:
    return [i for i in indicators.catalogue().values() if level in i.areas]


def _headlines(place: Place, period: Period, before: Period, viewer: Viewer) -> list[Tile]:
    tiles = []
    for code in HEADLINES:
        indicator = indicators.catalogue()[code]
        if place.level not in indicator.areas:
            continue
        figures = indicators.values(code, periods=[before, period], area=place.area, viewer=viewer)
        value, hidden = _total(figures, period)
        earlier, _ = _total(figures, before) if indicator.period != "now" else (None, False)
        tiles.append(
            Tile(
                code,
                _name(indicator),
                indicator.unit,
                value,
                earlier,
                _change(value, earlier),
                hidden,
            )
        )
    return tiles


def _trend(
    indicator: indicators.Indicator, place: Place, period: Period, viewer: Viewer
) -> tuple[dict[str, Any], Table]:
    """The twelve months up to the period and the same months a year earlier (one read of
    24 months): the trend and what it is compared with."""
    header = [gettext("Month"), _name(indicator), gettext("A year earlier")]
    if indicator.period == "now":
        return {"labels": [], "values": [], "earlier": [], "name": _name(indicator)}, Table(
            "trend", gettext("Trend by month"), header, [],
            note=gettext("A figure of the present: it has no history by month."),
        )  # fmt: skip
    both = months_to(period, 2 * TREND_MONTHS)
    earlier_months, months = both[:TREND_MONTHS], both[TREND_MONTHS:]
    figures = indicators.values(indicator.code, periods=both, area=place.area, viewer=viewer)
    totals = {r.period: r.value for r in figures.rows if r.category == ""}
    labels = [period_label(m) for m in months]
    points = [totals.get(m, _nothing(figures)) for m in months]
    earlier = [totals.get(m, _nothing(figures)) for m in earlier_months]
    rows = [list(row) for row in zip(labels, points, earlier, strict=True)]
    chart = {
        "labels": labels,
        "values": points,
        "earlier": earlier,
        "name": _name(indicator),
        "earlier_name": gettext("A year earlier"),
    }
    return chart, Table("trend", gettext("Trend by month"), header, rows)


def _children(place: Place, viewer: Viewer) -> dict[str, tuple[str, str]]:
    """The areas one level down: code → (name, URL); one query."""
    child = CHILD.get(place.level)
    if child == "region":
        regions = Region.objects.order_by("code")
        if viewer.region_codes is not None:
            regions = regions.filter(code__in=sorted(viewer.region_codes))
        return {r.code: (r.name, reverse("statistics-region", args=[r.code])) for r in regions}
    if child == "district":
        districts = District.objects.filter(region__code=place.code).order_by("code")
        return {d.code: (d.name, reverse("statistics-district", args=[d.pk])) for d in districts}
    if child == "organisation":
        organisations = Organisation.objects.filter(district__code=place.code).order_by("code")
        return {
            o.code: (o.name, reverse("statistics-organisation", args=[o.pk])) for o in organisations
        }
    return {}


def _ranked(
    indicator: indicators.Indicator,
    place: Place,
    period: Period,
    before: Period,
    viewer: Viewer,
    children: dict[str, tuple[str, str]],
) -> Table | None:
    child = CHILD.get(place.level)
    if child is None:
        return None
    note = ""
    if child not in indicator.disaggregations:
        fallback = indicators.catalogue()[ORGANISATION_FALLBACK]
        if child != "organisation" or indicator.code == fallback.code:
            return None
        note = gettext("This indicator has no figures by organisation; ranked by: %(name)s") % {
            "name": _name(fallback)
        }
        indicator = fallback
    area = place.area
    if place.level not in indicator.areas and place.region_code:
        # kept by region and organisation only: the region's organisations, of which the
        # district's are listed (still one query)
        area = Area("region", place.region_code)
    figures = indicators.values(
        indicator.code, periods=[before, period], area=area, breakdown=child, viewer=viewer
    )
    now = _by_category(figures, period)
    earlier = _by_category(figures, before) if indicator.period != "now" else {}
    nothing = _nothing(figures)
    entries = []
    for code, (name, url) in children.items():
        value = now.get(code, nothing)
        earlier_value = earlier.get(code, nothing) if indicator.period != "now" else None
        entries.append((code, name, url, value, earlier_value))
    entries.sort(key=lambda e: (e[3] is None, -(float(e[3]) if e[3] is not None else 0), e[1]))
    title = {
        "region": gettext("Regions ranked"),
        "district": gettext("Districts ranked"),
        "organisation": gettext("Organisations ranked"),
    }[child]
    header = [
        gettext("Rank"),
        str(LEVEL_NAMES[child]),
        gettext("Code"),
        f"{_name(indicator)} · {period_label(period)}",
        gettext("Previous period"),
        gettext("Difference"),
    ]
    rows = [
        [rank, name, code, value, before_value, _change(value, before_value)]
        for rank, (code, name, _url, value, before_value) in enumerate(entries, start=1)
    ]
    return Table("ranked", title, header, rows, [e[2] for e in entries], note)


def _staff_gap(place: Place, viewer: Viewer, names: dict[str, str]) -> Table | None:
    """Regions with PSC staff per 10,000 children below the threshold (brief 1.2.1). Only
    on the country's page: a PSC serves its whole region, so its staff belong to no
    district and a district's figure would read as none."""
    if place.level != "country":
        return None
    breakdown = "region"
    figures = indicators.values(
        "psc_staff_per_10000_children", area=place.area, breakdown=breakdown, viewer=viewer
    )
    threshold = psc_staff_threshold()
    short = sorted(
        (r for r in figures.rows if r.category and r.value is not None and r.value < threshold),
        key=lambda r: (float(r.value or 0), r.category),
    )
    header = [
        str(LEVEL_NAMES[breakdown]),
        gettext("Code"),
        gettext("PSC staff"),
        gettext("Children"),
        gettext("PSC staff per 10,000 children"),
    ]
    rows = [
        [names.get(r.category, r.category), r.category, r.numerator, r.denominator, r.value]
        for r in short
    ]
    return Table(
        "staff",
        gettext("Short of PSC staff"),
        header,
        rows,
        note=gettext("Below %(threshold)s PSC staff per 10,000 children.")
        % {"threshold": formats.number_format(threshold, use_l10n=True)},
    )


def _overdue(place: Place, viewer: Viewer, names: dict[str, str]) -> Table | None:
    """Where steps are overdue now: by kind of organisation and by region (brief 1.3.3)."""
    indicator = indicators.catalogue()["overdue_steps"]
    if place.level not in indicator.areas:
        return None
    rows: list[list[Any]] = []
    kinds = dict(_organisation_kinds())
    for breakdown in (
        ("organisation_kind", "region") if place.level == "country" else ("organisation_kind",)
    ):
        figures = indicators.values(
            "overdue_steps", area=place.area, breakdown=breakdown, viewer=viewer
        )
        spots = sorted(
            (r for r in figures.rows if r.category and r.value),
            key=lambda r: (-float(r.value or 0), r.category),
        )[:5]
        label = (
            gettext("Kind of organisation")
            if breakdown == "organisation_kind"
            else gettext("Region")
        )
        for r in spots:
            where = (
                kinds.get(r.category, r.category)
                if breakdown == "organisation_kind"
                else (names.get(r.category, r.category))
            )
            rows.append([label, where, r.value])
    return Table(
        "overdue",
        gettext("Overdue hot spots"),
        [gettext("By"), gettext("Where"), gettext("Steps overdue now")],
        rows,
    )


def _organisation_kinds() -> list[tuple[str, str]]:
    from qamqor.directory.models import OrganisationKind

    return [(str(value), str(label)) for value, label in OrganisationKind.choices]


def _ownership(place: Place, period: Period, viewer: Viewer) -> Table | None:
    """Public and private schools side by side (brief 2.3.9)."""
    codes = [
        c
        for c in ("cases_registered", "cases_per_1000_pupils", "screenings")
        if place.level in indicators.catalogue()[c].areas
        and "ownership" in indicators.catalogue()[c].disaggregations
    ]
    if not codes:
        return None
    rows = []
    for code in codes:
        figures = indicators.values(
            code, periods=[period], area=place.area, breakdown="ownership", viewer=viewer
        )
        by = _by_category(figures, period)
        nothing = _nothing(figures)
        rows.append(
            [_name(figures.indicator), by.get("public", nothing), by.get("private", nothing)]
        )
    return Table(
        "ownership",
        gettext("Public and private schools"),
        [gettext("Indicator"), gettext("Public schools"), gettext("Private schools")],
        rows,
    )


def _shade(value: Any, top: float) -> str:
    if value is None or top <= 0:
        return NO_DATA
    step = min(len(SHADES) - 1, int(float(value) / top * (len(SHADES) - 1) + 0.5))
    return SHADES[step]


def _tile_map(ranked: Table | None, viewer: Viewer) -> tuple[list[MapTile], tuple[int, int]]:
    """The 20 regions as equal tiles coloured by the chosen indicator (country page)."""
    if ranked is None:
        return [], (0, 0)
    values = {row[2]: row[3] for row in ranked.rows}
    links = {row[2]: link for row, link in zip(ranked.rows, ranked.links, strict=True)}
    names = {row[2]: row[1] for row in ranked.rows}
    top = max((float(v) for v in values.values() if v is not None), default=0.0)
    regions = (
        {r.code: r.name for r in Region.objects.all()} if len(names) < len(REGION_TILES) else names
    )
    tiles = []
    for code, (column, row) in REGION_TILES.items():
        x, y = column * TILE, row * TILE
        tiles.append(
            MapTile(
                code,
                names.get(code) or regions.get(code, code),
                x,
                y,
                values.get(code),
                _shade(values.get(code), top) if code in values else NO_DATA,
                links.get(code, ""),
                label_y=y + 30,
                value_y=y + 56,
            )
        )
    columns = 1 + max(c for c, _ in REGION_TILES.values())
    rows_ = 1 + max(r for _, r in REGION_TILES.values())
    return tiles, (columns * TILE, rows_ * TILE)


def build(
    place: Place, viewer: Viewer, *, code: str | None, kind: str, period: Period | None
) -> Dashboard:
    """Everything one dashboard page shows, for ``place`` as ``viewer`` sees it."""
    choices_ = indicators_for(place.level)
    allowed = {i.code: i for i in choices_}
    indicator = allowed.get(code or "") or allowed[DEFAULT_INDICATOR[place.level]]
    if kind not in PERIOD_KINDS:
        kind = "month"
    chosen = period or period_of(timezone.localdate(), kind)
    before = previous(chosen)
    tiles = _headlines(place, chosen, before, viewer)
    chart, trend_table = _trend(indicator, place, chosen, viewer)
    children = _children(place, viewer)
    ranked = _ranked(indicator, place, chosen, before, viewer, children)
    names = {code_: name for code_, (name, _url) in children.items()}
    tables = [t for t in (ranked, trend_table) if t is not None]
    for extra in (
        _staff_gap(place, viewer, names),
        _overdue(place, viewer, names),
        _ownership(place, chosen, viewer),
    ):
        if extra is not None:
            tables.append(extra)
    tiles_map, size = _tile_map(ranked, viewer) if place.level == "country" else ([], (0, 0))
    return Dashboard(
        place=place,
        indicator=indicator,
        choices=[(i.code, _name(i)) for i in choices_],
        kind=kind,
        period=chosen,
        before=before,
        as_of=last_fold(),
        tiles=tiles,
        trend=chart,
        tables=tables,
        tiles_map=tiles_map,
        map_size=size,
        suppressed=viewer.suppressed,
    )


def period_choices(kind: str, today: dt.date | None = None, count: int = 24) -> list[str]:
    """The last ``count`` periods of ``kind`` up to today, newest first, as codes."""
    current = period_of(today or timezone.localdate(), kind)
    result: list[str] = []
    for _ in range(count if kind != "year" else 6):
        result.append(indicators.period_code(current) or "")
        current = previous(current)
    return result


def rows_for_download(table: Table) -> tuple[list[str], Sequence[Sequence[Any]]]:
    return table.header, table.rows
