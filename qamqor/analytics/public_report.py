"""The public report: a quarter's or a year's figures for monitors and the public, with no
personal data and no small number that can be read or worked out (brief 1.4.1, 3.1.2).

Every table is read through the one read API (``analytics.indicators``) whole, then
suppressed as one table with its row and column totals (``protect``, in
``instruments.suppression`` beside ``suppress`` so that other apps' published tables use
the same code): a count from 1 to
``QAMQOR_PUBLIC_REPORT_MIN_CELL - 1`` (default 5) is shown as "<5", and complementary
cells are hidden ("x") so that no hidden count follows from the totals. On top of the
exact small-cell suppression of ``instruments.suppression.suppress``, each small count
keeps a *protection interval* that reaches the threshold: from the published numbers
alone (totals included) it could be as large as the threshold, so the totals never tell
a reader that a cell is small or how small. The page, the PDF and the API read the same
``Report`` (docs/analytics.md, "Public report").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from qamqor.analytics import indicators
from qamqor.analytics.dhis2 import Period
from qamqor.analytics.fold import as_of
from qamqor.classification import PerpetratorRelationship, Setting, ViolenceForm
from qamqor.directory.models import Region
from qamqor.instruments.definitions import InstrumentSpec, latest_all
from qamqor.instruments.suppression import Grid, protect, withheld
from qamqor.translation import pick

#: The first year the report can be asked for.
FIRST_YEAR = 2020
CACHE_SECONDS = 600


def minimum_cell() -> int:
    """Counts below this are shown as "<N" in the public report."""
    return int(getattr(settings, "QAMQOR_PUBLIC_REPORT_MIN_CELL", 5))


# --- the report -------------------------------------------------------------------------------


@dataclass
class Table:
    """One published table: ``rows`` by ``columns`` of counts with their totals (the last
    row and column of ``cells``; None is hidden, ``small`` says which hidden ones are shown
    as "<N"). ``single`` tables have one row and are shown as a list of their columns.
    ``extra`` adds derived figures (a mean, a share) per row and the totals row, None
    where the count they rest on is hidden."""

    code: str
    title: str
    heading: str
    columns: list[tuple[str, str]]
    rows: list[tuple[str, str]]
    cells: Grid
    small: list[list[bool]]
    note: str = ""
    extra: list[tuple[str, list[str | None]]] = field(default_factory=list)
    unit: str = ""  # what is counted, "Cases" unless said

    @property
    def single(self) -> bool:
        return len(self.rows) == 1

    @property
    def one_column(self) -> bool:
        return len(self.columns) == 1


@dataclass
class Report:
    """The report for one quarter or year."""

    year: int
    quarter: int | None
    minimum: int
    as_of: dt.datetime | None
    tables: list[Table]
    definitions: list[tuple[str, str]]

    @property
    def period(self) -> Period:
        return period_of(self.year, self.quarter)

    @property
    def total(self) -> int | None:
        """Cases registered in the period (the settings table's total)."""
        return self.tables[0].cells[-1][-1]


def period_of(year: int, quarter: int | None) -> Period:
    return Period(year, "quarter", quarter) if quarter else Period(year, "year")


def last_complete_quarter(today: dt.date | None = None) -> tuple[int, int]:
    """The quarter before the one ``today`` (Kazakhstan's date) falls in."""
    today = today or timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    return (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)


def cell_text(table: Table, r: int, c: int, minimum: int) -> str:
    """A cell as published: the count, "<N" for a small one, "x" for a complement."""
    value = table.cells[r][c]
    if value is not None:
        return str(value)
    return f"<{minimum}" if table.small[r][c] else "x"


def _counts(
    code: str, period: Period, breakdown: str | None, area: indicators.Area = indicators.COUNTRY
) -> tuple[dict[str, int], dict[str, float], indicators.Figures]:
    """Numerators and denominators of ``code`` by category, whole (suppressed here)."""
    figures = indicators.values(code, periods=[period], area=area, breakdown=breakdown)
    if any(row.suppressed for row in figures.rows):  # never read a hidden count as zero
        raise ValueError(f"{code} is suppressed at the source: read it with _presuppressed")
    numerators = {row.category: int(row.numerator or 0) for row in figures.rows}
    denominators = {row.category: float(row.denominator or 0) for row in figures.rows}
    return numerators, denominators, figures


def _labels(choices: Sequence[tuple[str, object]]) -> list[tuple[str, str]]:
    return [(str(code), capfirst(str(label))) for code, label in choices]


def _one_row(
    code: str,
    title: str,
    heading: str,
    columns: list[tuple[str, str]],
    counts: dict[str, int],
    minimum: int,
    note: str = "",
) -> Table:
    known = {c for c, _label in columns}
    columns = columns + [(c, c) for c in sorted(counts) if c not in known and counts[c]]
    cells, small = protect([[counts.get(c, 0) for c, _label in columns]], minimum)
    note = _withheld_note(cells, small, note)
    return Table(code, title, heading, columns, [("all", _("All"))], cells, small, note)


def _withheld_note(cells: Grid, small: list[list[bool]], note: str) -> str:
    """``note``, and when every count is hidden unlabelled (``withheld``) why."""
    if not withheld(cells, small):
        return note
    why = _(
        'Every count of this table is small or would give a small one away: here "x" may '
        "also stand for a small count."
    )
    return f"{note} {why}" if note else str(why)


def _format(value: float | None, digits: int = 1) -> str | None:
    return None if value is None else f"{value:.{digits}f}"


def _share(part: int | None, whole: int | None) -> str | None:
    if part is None or whole is None or not whole:
        return None
    return _format(100 * part / whole)


def _regions() -> list[tuple[str, str]]:
    return [(region.code, region.name) for region in Region.objects.order_by("code")]


def _region_table(
    code: str,
    title: str,
    columns: list[tuple[str, str]],
    by_column: dict[str, dict[str, int]],
    minimum: int,
    note: str = "",
) -> Table:
    """Regions by ``columns`` (each a region → count map), suppressed as one table."""
    regions = _regions()
    counts = [[by_column[c].get(r, 0) for c, _label in columns] for r, _name in regions]
    if not counts:
        counts = [[0] * len(columns)]
        regions = [("", "—")]
    cells, small = protect(counts, minimum)
    note = _withheld_note(cells, small, note)
    return Table(code, title, _("Region"), columns, regions, cells, small, note)


def cached(year: int, quarter: int | None) -> Report:
    """``build``, kept for ten minutes per period, language, threshold and the time the
    rollups were last brought up to date (a fold or recount starts afresh): the page is
    public, and a sparse table costs its linear programmes a second or two."""
    moment = as_of()
    key = ":".join(
        (
            "public-report",
            str(year),
            str(quarter or 0),
            _language(),
            str(minimum_cell()),
            moment.isoformat() if moment else "-",
        )
    )
    report = shared_cache.get(key)
    if not isinstance(report, Report):
        report = build(year, quarter)
        shared_cache.set(key, report, CACHE_SECONDS)
    return report


def build(year: int, quarter: int | None) -> Report:
    """The report's tables for ``year`` (and ``quarter``; None for the whole year)."""
    period = period_of(year, quarter)
    minimum = minimum_cell()
    catalogue = indicators.catalogue()
    tables: list[Table] = []
    settings_counts, _d, registered = _counts("cases_registered", period, "setting")
    tables.append(
        _one_row(
            "setting",
            _("Cases registered, by setting"),
            _("Setting"),
            _labels(Setting.choices),
            settings_counts,
            minimum,
        )
    )
    relationship_counts, _d, _f = _counts("cases_registered", period, "relationship")
    tables.append(
        _one_row(
            "relationship",
            _("Cases registered, by the alleged perpetrator's relationship to the child"),
            _("Relationship"),
            _labels(PerpetratorRelationship.choices),
            relationship_counts,
            minimum,
        )
    )
    forms = _labels(ViolenceForm.choices)
    by_form = _forms_by_region(period, [form for form, _label in forms])
    present = [(form, label) for form, label in forms if any(by_form[form].values())] or forms[:1]
    tables.append(
        _region_table(
            "region_form",
            _("Cases registered, by region and form of violence"),
            present,
            by_form,
            minimum,
            _(
                "A case may have several forms of violence and counts under each, so the "
                "totals of this table count forms, not cases."
            ),
        )
    )
    ownership, pupils, _f = _counts("cases_per_1000_pupils", period, "ownership")
    ownership_table = _one_row(
        "ownership",
        _("Cases registered in public and private schools"),
        _("School"),
        [("public", _("Public schools")), ("private", _("Private schools"))],
        {k: v for k, v in ownership.items() if k in ("public", "private")},
        minimum,
        _("Cases per 1,000 pupils are given only where the count of cases is published."),
    )
    ownership_table.extra = [
        (
            _("Cases per 1,000 pupils"),
            [
                None
                if ownership_table.cells[0][i] is None or not pupils.get(c)
                else _format(1000 * (ownership_table.cells[0][i] or 0) / pupils[c], 2)
                for i, (c, _label) in enumerate(ownership_table.columns)
            ],
        )
    ]
    tables.append(ownership_table)
    tables.append(_durations_table(period, minimum))
    tables.append(_steps_table(period, minimum))
    tables.append(_referrals_table(period, minimum))
    tables.extend(_screening_tables(period, minimum))
    used = [
        "cases_registered",
        "cases_by_form",
        "cases_per_1000_pupils",
        "report_to_registration_days",
        "steps_on_time_share",
        "referrals_accepted_within_a_day_share",
        "referral_acceptance_hours",
        "screenings",
    ]
    definitions = [
        (catalogue[c].name_in(_language()), catalogue[c].brief) for c in used if c in catalogue
    ]
    return Report(year, quarter, minimum, registered.as_of, tables, definitions)


def _screening_tables(period: Period, minimum: int) -> list[Table]:
    """Screenings by questionnaire, then each questionnaire's results by its own bands
    (bands of different questionnaires are never added up: PHQ-A's "moderate" is not
    GAD-7's). The catalogue suppresses screening figures for every reader
    (``always_suppressed``), so the counts come here already hidden, small or complement
    alike: every hidden cell is an "x", and the notes say so. A questionnaire whose count
    is hidden has no table of bands, whose total would give that count away."""
    figures = indicators.values("screenings", periods=[period], breakdown="instrument")
    whole = indicators.values("screenings", periods=[period])
    total = whole.rows[0].numerator if whole.rows else 0
    specs = {definition.spec.code: definition.spec for definition in latest_all()}
    rows = sorted(figures.rows, key=lambda row: row.category)
    line = [None if row.suppressed else int(row.numerator or 0) for row in rows]
    by_instrument = _source_suppressed(
        "screening_instruments",
        _("Screenings, by questionnaire"),
        _("Questionnaire"),
        [
            (row.category, pick(specs[row.category].name.as_dict()))
            if row.category in specs
            else (row.category, row.category)
            for row in rows
        ],
        [*line, None if total is None else int(total)],
        _(
            'Screening counts are suppressed where they are counted, so here "x" may also '
            "stand for a small count. Results by band follow for each questionnaire whose "
            "count is published. A screening result is not a diagnosis."
        ),
    )
    tables = [by_instrument]
    for row, count in zip(rows, line, strict=True):
        if count:
            tables.append(_bands_table(period, row.category, specs.get(row.category), count))
    return tables


def _bands_table(period: Period, instrument: str, spec: InstrumentSpec | None, count: int) -> Table:
    """One questionnaire's results by its bands, in the order its definition lists them."""
    figures = indicators.values(
        "screenings", periods=[period], breakdown="band", where={"instrument": instrument}
    )
    found = {row.category: row for row in figures.rows}
    bands = [(band.code, pick(band.label.as_dict())) for band in spec.bands] if spec else []
    known = {code for code, _label in bands}
    columns = [(code, label) for code, label in bands if code in found]
    columns += [(code, code) for code in sorted(found) if code not in known]
    name = pick(spec.name.as_dict()) if spec else instrument
    return _source_suppressed(
        f"screening_bands_{instrument}",
        _("Screening results of %(questionnaire)s, by band") % {"questionnaire": name},
        _("Band"),
        [(code, capfirst(label)) for code, label in columns],
        [
            *(
                None if found[code].suppressed else int(found[code].numerator or 0)
                for code, _label in columns
            ),
            count,
        ],
        _('"x" may also stand for a small count.'),
    )


def _source_suppressed(
    code: str,
    title: str,
    heading: str,
    columns: list[tuple[str, str]],
    line: list[int | None],
    note: str,
) -> Table:
    """A one-row table of counts suppressed where they were counted (the last is the
    total), with each column's share of the total."""
    table = Table(
        code,
        title,
        heading,
        columns,
        [("all", _("All"))],
        [line, list(line)],
        [[False] * len(line), [False] * len(line)],
        note,
        unit=_("Screenings"),
    )
    table.extra = [(_("Share, %"), [_share(line[i], line[-1]) for i in range(len(columns))])]
    return table


def _language() -> str:
    return get_language() or "en"


def _forms_by_region(period: Period, forms: list[str]) -> dict[str, dict[str, int]]:
    """Cases by form in each region: one read per region, broken down by form."""
    result: dict[str, dict[str, int]] = {form: {} for form in forms}
    for region, _name in _regions():
        counts, _d, _f = _counts("cases_by_form", period, "form", indicators.Area("region", region))
        for form, count in counts.items():
            result.setdefault(form, {})[region] = count
    return result


def _ratio_rows(
    table: Table, column: int, value: Callable[[int], float | None], digits: int = 1
) -> list[str | None]:
    """A derived figure per row (and the totals row), None where its count is hidden."""
    return [
        None if table.cells[r][column] is None else _format(value(r), digits)
        for r in range(len(table.cells))
    ]


def _durations_table(period: Period, minimum: int) -> Table:
    _n, denominators, figures = _counts("report_to_registration_days", period, "region")
    counts = {region: int(n) for region, n in denominators.items()}
    table = _region_table(
        "report_to_registration",
        _("Time from report to registration"),
        [("measured", _("Cases with the time measured"))],
        {"measured": counts},
        minimum,
        _("The mean is given only where the count of cases it rests on is published."),
    )
    codes = [code for code, _name in table.rows]
    means = {row.category: row.value for row in figures.rows}
    table.extra = [
        (
            _("Mean, days"),
            [
                None
                if not table.cells[r][0]
                else _format(
                    float(means.get(codes[r]) or 0)
                    if r < len(codes)
                    else _country_value("report_to_registration_days", period)
                )
                for r in range(len(table.cells))
            ],
        )
    ]
    return table


def _country_value(code: str, period: Period) -> float:
    figures = indicators.values(code, periods=[period])
    return float(figures.rows[0].value or 0) if figures.rows else 0.0


def _steps_table(period: Period, minimum: int) -> Table:
    on_time, steps, _f = _counts("steps_on_time_share", period, "region")
    late = {r: int(steps.get(r, 0)) - on_time.get(r, 0) for r in steps}
    table = _region_table(
        "steps_on_time",
        _("Protocol steps done on time"),
        [("on_time", _("On time")), ("late", _("Late"))],
        {"on_time": on_time, "late": late},
        minimum,
        _("Steps done in the period, by whether they were done by their deadline."),
    )
    table.extra = [
        (
            _("On time, %"),
            [_share(row[0], row[-1]) for row in table.cells],
        )
    ]
    return table


def _referrals_table(period: Period, minimum: int) -> Table:
    within, accepted, _f = _counts("referrals_accepted_within_a_day_share", period, "region")
    later = {r: int(accepted.get(r, 0)) - within.get(r, 0) for r in accepted}
    table = _region_table(
        "referrals",
        _("Referrals accepted"),
        [("within_a_day", _("Within a day")), ("later", _("Later"))],
        {"within_a_day": within, "later": later},
        minimum,
        _("Referrals to a Psychological Support Center accepted in the period."),
    )
    table.extra = [
        (
            _("Within a day, %"),
            [_share(row[0], row[-1]) for row in table.cells],
        )
    ]
    return table


def text_rows(table: Table, minimum: int) -> tuple[list[str], list[list[str]]]:
    """The table as text rows, the last the totals (as on the page)."""
    extra_header = [label for label, _values in table.extra]
    if table.single:
        header = [table.heading, table.unit or _("Cases")]
        header += extra_header
        lines = [
            [label, cell_text(table, 0, c, minimum)]
            + [values[c] or "—" for _label, values in table.extra]
            for c, (_code, label) in enumerate(table.columns)
        ]
        lines.append(
            [_("Total"), cell_text(table, 0, len(table.columns), minimum)] + [""] * len(table.extra)
        )
        return header, lines
    header = [table.heading, *(label for _code, label in table.columns)]
    if not table.one_column:
        header.append(_("Total"))
    header += extra_header
    lines = []
    for r, (_code, name) in enumerate([*table.rows, ("", _("Total"))]):
        cells = [cell_text(table, r, c, minimum) for c in range(len(table.columns))]
        if not table.one_column:
            cells.append(cell_text(table, r, len(table.columns), minimum))
        lines.append([name, *cells, *((values[r] or "—") for _label, values in table.extra)])
    return header, lines


def period_label(year: int, quarter: int | None) -> str:
    """ "2026, 1st quarter" or "2026" in the active language."""
    if not quarter:
        return _("%(year)s, the whole year") % {"year": year}
    names = {1: _("1st quarter"), 2: _("2nd quarter"), 3: _("3rd quarter"), 4: _("4th quarter")}
    return _("%(year)s, %(quarter)s") % {"year": year, "quarter": names[quarter]}


def legend(report: Report) -> str:
    """What "<5", "x" and "—" stand for, in the active language."""
    return _(
        '"<%(minimum)s": a count from 1 to %(below)s. "x": a cell hidden so that a small '
        'count cannot be worked out from the totals. "—": no figure.'
    ) % {"minimum": report.minimum, "below": report.minimum - 1}


def method_notes(report: Report) -> list[str]:
    """The method notes, paragraph by paragraph, in the active language."""
    as_of = (
        timezone.localtime(report.as_of).strftime("%Y-%m-%d %H:%M")
        if report.as_of
        else _("not yet computed")
    )
    return [
        _(
            "Source: the cases, protocol steps, referrals and screenings recorded in Qamqor "
            "by schools, Psychological Support Centers, the police and the 111 helpline, "
            "counted in the statistics tables (rollups) of the coordination center."
        ),
        _(
            "The figures are of registered cases only: violence that was never reported, or "
            "reported and not registered as a case, is not counted. A case counts in the "
            "period and the region where it was registered."
        ),
        _("Figures as of %(time)s (Kazakhstan time).") % {"time": as_of},
        _(
            'Small numbers: a count from 1 to %(below)s is shown as "<%(minimum)s", and '
            'other cells are hidden as "x" so that no hidden count can be worked out from '
            "the totals of its row and column; the totals are published. No table holds a "
            "name, a case number or any other personal data."
        )
        % {"below": report.minimum - 1, "minimum": report.minimum},
    ]
