"""The public report (brief 1.4.1, 3.1.2): no published count from 1 to the threshold
minus one, in the page, the JSON and the PDF; no suppressed count can be worked out from
what a table publishes (an exact check by linear programming over every table); the PDF
in kk and ru holds the headings and a known total; no personal data; anyone can read it;
a bad period is refused naming the field. Rollup rows are written here by hand."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from qamqor.analytics import indicators, public_report
from qamqor.analytics.fold import fold
from qamqor.analytics.models import (
    CaseFormRollup,
    CaseRollup,
    DurationRollup,
    FoldState,
    ScreeningRollup,
    StepRollup,
)
from qamqor.analytics.public_report import Table
from qamqor.directory.models import Region
from qamqor.instruments.suppression import protect, withheld
from tests.factories import CLASSIFICATION, REPORT_DATA, World, register_case

pytestmark = pytest.mark.django_db

JAN, FEB, MAR, APR = (
    dt.date(2026, 1, 1),
    dt.date(2026, 2, 1),
    dt.date(2026, 3, 1),
    dt.date(2026, 4, 1),
)
MINIMUM = 5
# Registered in the first quarter of 2026 (April's rows belong to the second): 12 + 3 + 9
Q1_TOTAL = 24
QUERIES_BESIDE_REGIONS = 28  # each read, and the as-of time it gives back


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _no_cached_report() -> Iterator[None]:
    cache.clear()  # each test writes its own rollup rows
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _in_may() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 5, 10, 9, tzinfo=dt.UTC), tick=False):
        yield


def case_rows(month: dt.date, region: str, setting: str, relationship: str, cases: int) -> None:
    CaseRollup.objects.create(
        month=month, region=region, district=f"{region}-D1", ownership="public",
        setting=setting, relationship=relationship, protocol="school", cases=cases,
        registered=cases,
    )  # fmt: skip


def form_rows(
    month: dt.date, region: str, form: str, cases: int, ownership: str = "public"
) -> None:
    CaseFormRollup.objects.create(
        month=month, region=region, district=f"{region}-D1", ownership=ownership, form=form,
        setting="school", relationship="schoolmate", cases=cases,
    )  # fmt: skip


@pytest.fixture
def regions() -> list[str]:
    codes = ["KZ-71", "KZ-75", "KZ-79"]
    for code in codes:
        Region.objects.get_or_create(
            code=code,
            defaults={"name_kk": f"Өңір {code}", "name_ru": f"Регион {code}",
                      "name_en": f"Region {code}", "kind": "region"},
        )  # fmt: skip
    return codes


@pytest.fixture
def figures(regions: list[str]) -> None:
    case_rows(JAN, "KZ-71", "school", "schoolmate", 12)
    case_rows(FEB, "KZ-75", "family", "primary_caregiver", 3)  # small
    case_rows(MAR, "KZ-79", "school", "teacher_school_official", 9)
    case_rows(APR, "KZ-79", "online", "no_relation", 2)  # the next quarter
    form_rows(JAN, "KZ-71", "physical", 8)
    form_rows(JAN, "KZ-71", "bullying", 6)
    form_rows(FEB, "KZ-75", "physical", 2)  # small
    form_rows(FEB, "KZ-75", "neglect", 1)  # small
    form_rows(MAR, "KZ-79", "bullying", 7)
    form_rows(MAR, "KZ-79", "physical", 5)
    form_rows(MAR, "KZ-79", "sexual", 3, ownership="private")  # small
    for region, on_time, late in (("KZ-71", 20, 2), ("KZ-75", 9, 6), ("KZ-79", 11, 1)):
        StepRollup.objects.create(month=FEB, region=region, organisation_kind="school",
                                  timeliness="on_time", steps=on_time)  # fmt: skip
        StepRollup.objects.create(month=FEB, region=region, organisation_kind="school",
                                  timeliness="late", steps=late)  # fmt: skip
    for region, count in (("KZ-71", 12), ("KZ-75", 3), ("KZ-79", 9)):
        DurationRollup.objects.create(
            measure="report_to_registration", month=FEB, region=region,
            organisation_kind="school", count=count, total_seconds=count * 86400 * 2,
        )  # fmt: skip
    for region, count, within in (("KZ-71", 10, 8), ("KZ-75", 2, 1), ("KZ-79", 7, 7)):
        DurationRollup.objects.create(
            measure="referral_acceptance", month=FEB, region=region, organisation_kind="psc",
            count=count, total_seconds=count * 3600 * 5, b1=within,
        )  # fmt: skip
    for instrument, band, count in (
        ("gad7", "minimal", 30),
        ("gad7", "mild", 12),
        ("gad7", "severe", 2),
        ("phq_a", "minimal", 20),
        ("phq_a", "mild", 2),
        ("phq_a", "severe", 1),  # "mild" too
        ("asq", "negative", 2),  # a small questionnaire
    ):
        ScreeningRollup.objects.create(month=MAR, region="KZ-71", district="KZ-71-D1",
                                       ownership="public", instrument=instrument, band=band,
                                       screenings=count)  # fmt: skip


# --- the exact disclosure check --------------------------------------------------------------


def interval(table: Table, cell: tuple[int, int]) -> tuple[float, float]:
    """The least and greatest value of a hidden cell given every published cell, the row
    and column totals and that no count is negative (a table's own linear programme, apart
    from the one suppression uses)."""
    grid = table.cells
    hidden = [(r, c) for r, line in enumerate(grid) for c, v in enumerate(line) if v is None]
    index = {h: k for k, h in enumerate(hidden)}
    width, groups = len(grid[0]) - 1, len(grid) - 1
    lines = [[(r, c, 1.0) for c in range(width)] + [(r, width, -1.0)] for r in range(len(grid))]
    lines += [[(r, c, 1.0) for r in range(groups)] + [(groups, c, -1.0)] for c in range(width + 1)]
    a_eq, b_eq = np.zeros((len(lines), len(hidden))), np.zeros(len(lines))
    for k, line in enumerate(lines):
        for r, c, sign in line:
            if (r, c) in index:
                a_eq[k, index[(r, c)]] += sign
            else:
                b_eq[k] -= sign * float(grid[r][c])  # type: ignore[arg-type]
    objective = np.zeros(len(hidden))
    objective[index[cell]] = 1.0
    bounds = [(0, None)] * len(hidden)
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    assert low.status == 0, (table.code, grid)
    return low.fun, np.inf if high.status == 3 else -high.fun


def labelled_interval(table: Table, cell: tuple[int, int]) -> tuple[float, float]:
    """The same, knowing also what the labels say: a "<5" count is from 1 to 4, an "x" is
    0 or at least 5 (whole numbers; a binary per "x" says which)."""
    grid = table.cells
    hidden = [(r, c) for r, line in enumerate(grid) for c, v in enumerate(line) if v is None]
    crosses = [h for h in hidden if not table.small[h[0]][h[1]]]
    n, m = len(hidden), len(crosses)
    index = {h: k for k, h in enumerate(hidden)}
    width, groups = len(grid[0]) - 1, len(grid) - 1
    lines = [[(r, c, 1.0) for c in range(width)] + [(r, width, -1.0)] for r in range(len(grid))]
    lines += [[(r, c, 1.0) for r in range(groups)] + [(groups, c, -1.0)] for c in range(width + 1)]
    a_eq, b_eq = np.zeros((len(lines), n + m)), np.zeros(len(lines))
    for k, line in enumerate(lines):
        for r, c, sign in line:
            if (r, c) in index:
                a_eq[k, index[(r, c)]] += sign
            else:
                b_eq[k] -= sign * float(grid[r][c])  # type: ignore[arg-type]
    big = 1e6  # more than any count here
    rows = [a_eq]
    lower, upper = [b_eq], [b_eq]
    for j, h in enumerate(crosses):  # x >= MINIMUM * b and x <= big * b
        bound = np.zeros(n + m)
        bound[index[h]], bound[n + j] = 1.0, -MINIMUM
        rows.append(bound[None, :])
        lower.append(np.array([0.0]))
        upper.append(np.array([np.inf]))
        bound = np.zeros(n + m)
        bound[index[h]], bound[n + j] = 1.0, -big
        rows.append(bound[None, :])
        lower.append(np.array([-np.inf]))
        upper.append(np.array([0.0]))
    constraints = LinearConstraint(np.vstack(rows), np.concatenate(lower), np.concatenate(upper))
    bounds = Bounds(
        [1.0 if table.small[r][c] else 0.0 for r, c in hidden] + [0.0] * m,
        [MINIMUM - 1.0 if table.small[r][c] else big for r, c in hidden] + [1.0] * m,
    )
    objective = np.zeros(n + m)
    objective[index[cell]] = 1.0
    integrality = np.ones(n + m)
    low = milp(objective, constraints=constraints, bounds=bounds, integrality=integrality)
    high = milp(-objective, constraints=constraints, bounds=bounds, integrality=integrality)
    assert low.status == 0 and high.status == 0, (table.code, grid)
    return low.fun, -high.fun


def assert_safe(table: Table, truth: list[list[int]] | None = None) -> None:
    """No published cell is small; every hidden small count's range given the rest is
    more than one value and reaches the threshold (the totals do not show it is small)."""
    for line in table.cells:
        for value in line:
            assert value is None or value == 0 or value >= MINIMUM, (table.code, table.cells)
    for r, line in enumerate(table.cells):
        for c, value in enumerate(line):
            if value is None and table.small[r][c]:
                low, high = interval(table, (r, c))
                assert high - low >= 1, (table.code, (r, c), low, high)
                assert low < MINIMUM <= high, (table.code, (r, c), low, high)
                low, high = labelled_interval(table, (r, c))
                assert high - low >= 1, ("labels pin it", table.code, (r, c), low, high)
    if truth is not None:  # what is shown is true
        for shown, real in zip(table.cells, truth, strict=True):
            assert all(s is None or s == t for s, t in zip(shown, real, strict=True))


def test_the_checker_finds_a_pinned_cell() -> None:
    # One hidden cell in a row whose total is published is its difference: the check says so.
    table = Table("t", "", "", [("a", "a"), ("b", "b")], [("r", "r"), ("s", "s")],
                  [[None, 7, 10], [3, 7, 10], [6, 14, 20]],
                  [[True, False, False], [False] * 3, [False] * 3])  # fmt: skip
    assert interval(table, (0, 0)) == (3.0, 3.0)
    with pytest.raises(AssertionError):
        assert_safe(table)


def test_protection_hides_more_than_a_pair_whose_sum_shows_both_are_small() -> None:
    # 3 and 1 hidden alone in a row of 24 with 20 shown: both are at most 4 from the totals.
    cells, small = protect([[20, 3, 1], [10, 10, 10], [7, 0, 8]], MINIMUM)
    table = Table("t", "", "", [("a", "a")] * 3, [("r", "r")] * 3, cells, small)
    assert_safe(table, [[20, 3, 1, 24], [10, 10, 10, 30], [7, 0, 8, 15], [37, 13, 19, 69]])


def test_a_table_whose_labels_would_give_it_away_is_withheld_with_a_note() -> None:
    cells, small = protect([[1, 1], [1, 1]], MINIMUM)
    assert withheld(cells, small)
    assert not withheld(*protect([[20, 3, 1], [10, 10, 10], [7, 0, 8]], MINIMUM))
    note = public_report._withheld_note(cells, small, "Counts of cases.")
    assert note.startswith("Counts of cases. ") and '"x" may also stand for a small' in note
    assert public_report._withheld_note(*protect([[7, 8]], MINIMUM), "") == ""


@pytest.mark.parametrize(
    "counts",
    [
        [[0, 1, 5], [0, 5, 0]],
        [[12, 3, 0, 0]],
        [[2, 0], [0, 9], [6, 6]],
        [[1, 2, 3], [4, 1, 2]],
        [[40, 4, 11], [6, 30, 1], [0, 0, 2], [9, 9, 9]],
        [[1, 1], [1, 1]],  # all hidden, and "<5" everywhere would say every count is 1
    ],
)
def test_protected_tables_keep_every_small_count_in_doubt(counts: list[list[int]]) -> None:
    cells, small = protect(counts, MINIMUM)
    truth = [[*row, sum(row)] for row in counts]
    truth.append([sum(row[c] for row in truth) for c in range(len(counts[0]) + 1)])
    assert_safe(Table("t", "", "", [("a", "a")] * len(counts[0]), [("r", "r")] * len(counts),
                      cells, small), truth)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(
    counts=st.integers(1, 4).flatmap(
        lambda width: st.lists(
            st.lists(st.integers(0, 9), min_size=width, max_size=width), min_size=1, max_size=4
        )
    )
)
def test_any_small_table_keeps_every_small_count_in_doubt(counts: list[list[int]]) -> None:
    cells, small = protect(counts, MINIMUM)
    truth = [[*row, sum(row)] for row in counts]
    truth.append([sum(row[c] for row in truth) for c in range(len(counts[0]) + 1)])
    width = len(counts[0])
    assert_safe(Table("t", "", "", [("a", "a")] * width, [("r", "r")] * len(counts), cells, small),
                truth)  # fmt: skip


def test_every_table_of_the_report_is_safe(figures: None) -> None:
    report = public_report.build(2026, 1)
    assert [t.code for t in report.tables] == [
        "setting", "relationship", "region_form", "ownership", "report_to_registration",
        "steps_on_time", "referrals", "screening_instruments", "screening_bands_gad7",
    ]  # fmt: skip
    for table in report.tables:
        assert_safe(table)
    assert report.total == Q1_TOTAL
    # Screening counts arrive suppressed from the catalogue: 2 is hidden with a
    # complement, both as "x", and neither follows from the published total.
    # The questionnaires: ASQ's 2 is hidden with PHQ-A's 23 as its complement, so PHQ-A
    # has no table of bands (its bands would add up to the 23 and give the 2 away).
    questionnaires = report.tables[-2]
    assert [code for code, _label in questionnaires.columns] == ["asq", "gad7", "phq_a"]
    assert questionnaires.cells[0] == [None, 44, None, 69]
    # GAD-7's own bands, in its definition's order and never added to PHQ-A's.
    bands = report.tables[-1]
    assert [code for code, _label in bands.columns] == ["minimal", "mild", "severe"]
    assert bands.cells[0] == [30, None, None, 44]
    for c in (1, 2):
        low, high = interval(bands, (0, c))
        assert low < MINIMUM <= high
    forms = report.tables[2]
    assert forms.cells[-1][-1] == 32  # 8 + 6 + 2 + 1 + 7 + 5 + 3 form mentions
    # KZ-75's row is all small (2 + 1): hidden whole, its counts shown as "<5".
    kz75 = [code for code, _name in forms.rows].index("KZ-75")
    assert forms.cells[kz75] == [None] * len(forms.cells[kz75])
    assert any(forms.small[kz75])


def test_the_whole_year_adds_the_next_quarter(figures: None) -> None:
    setting = public_report.build(2026, None).tables[0]
    # April's 2 online cases are small: hidden, shown as "<5", the total published.
    assert setting.cells[-1][-1] == Q1_TOTAL + 2
    online = [code for code, _label in setting.columns].index("online")
    assert setting.cells[0][online] is None and setting.small[0][online]
    assert_safe(setting)


# --- what is published -----------------------------------------------------------------------

SMALL = re.compile(r"(?<![\d.,<])([1-4])(?![\d.,%])")


def english() -> Client:
    """A visitor whose browser asks for English (the site's default is another)."""
    return Client(headers={"accept-language": "en"})


def numbers_in_cells(html: str) -> list[str]:
    return re.findall(r"<td class=\"num\">([^<]*)</td>", html)


def test_the_page_shows_no_small_count_and_marks_hidden_ones(figures: None) -> None:
    response = english().get(reverse("statistics-report"), {"year": 2026, "quarter": 1})
    assert response.status_code == 200
    html = response.content.decode()
    cells = numbers_in_cells(html)
    assert cells
    counts = [c for c in cells if "." not in c]  # means and shares are not counts
    assert not [c for c in counts if c.isdigit() and 0 < int(c) < MINIMUM], counts
    assert "&lt;5" in cells and "x" in cells
    assert f'<span id="report-total">{Q1_TOTAL}</span>' in html
    for heading in ("Cases registered, by setting", "Method notes", "registered cases only"):
        assert heading in html


def test_the_page_defaults_to_the_last_complete_quarter(figures: None) -> None:
    response = english().get(reverse("statistics-report"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2026, 1st quarter" in html
    assert 'value="2026"' in html and '<option value="1" selected>' in html
    assert public_report.last_complete_quarter(dt.date(2026, 2, 1)) == (2025, 4)


def test_the_page_speaks_kazakh_and_russian(figures: None) -> None:
    for language, small in (("kk", "&lt;5"), ("ru", "&lt;5")):
        with translation.override(language):
            response = Client(headers={"accept-language": language}).get(
                reverse("statistics-report"), {"year": 2026, "quarter": 1}
            )
        assert response.status_code == 200
        assert small in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"year": "1999"}, "year"),
        ({"year": "abc"}, "year"),
        ({"year": "2030"}, "year"),
        ({"year": "2026", "quarter": "5"}, "quarter"),
        ({"year": "2026", "quarter": "3"}, "quarter"),  # not begun in May
    ],
)
def test_a_bad_period_is_refused_naming_the_field(query: dict[str, str], field: str) -> None:
    page = english().get(reverse("statistics-report"), query)
    assert page.status_code == 422
    assert f'id="id_{field}_error"' in page.content.decode()
    api = english().get("/api/v1/stats/report", query)
    assert api.status_code == 422
    assert [e["field"] for e in api.json()["errors"]] == [field]


def test_the_api_gives_the_same_suppressed_tables(figures: None) -> None:
    response = english().get("/api/v1/stats/report", {"year": "2026", "quarter": "1"})
    assert response.status_code == 200
    body = response.json()
    assert body["minimum"] == MINIMUM and body["quarter"] == 1
    report = public_report.build(2026, 1)
    published: list[object] = []
    for table, built in zip(body["tables"], report.tables, strict=True):
        assert table["code"] == built.code
        lines = [*table["rows"], table["totals"]]
        for r, row in enumerate(lines):
            cells = [*row["cells"], row["total"]]
            published += cells
            assert cells == [public_report.cell_text(built, r, c, MINIMUM)
                             if built.cells[r][c] is None else built.cells[r][c]
                             for c in range(len(built.cells[r]))]  # fmt: skip
    assert not [v for v in published if isinstance(v, int) and 0 < v < MINIMUM]
    assert "<5" in published and "x" in published
    assert body["tables"][0]["totals"]["total"] == Q1_TOTAL


def pdf_text(content: bytes) -> str:
    document = pdfium.PdfDocument(content)
    try:
        texts = []
        for page in document:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_bounded())
            textpage.close()
            page.close()
        return " ".join(" ".join(texts).split())
    finally:
        document.close()


def pdf_of(language: str, year: int = 2026, quarter: int | str = 1) -> str:
    response = english().get(
        reverse("statistics-report-pdf"), {"year": year, "quarter": quarter, "lang": language}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return pdf_text(response.content)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_pdf_holds_the_headings_the_total_and_no_small_count(
    figures: None, language: str
) -> None:
    text = pdf_of(language)
    with translation.override(language):
        report = public_report.build(2026, 1)
        headings = [table.title for table in report.tables]
        headings += [translation.gettext("Method notes"), translation.gettext("Legend")]
        total = translation.gettext("Cases registered: %(total)s") % {"total": Q1_TOTAL}
        # The prose that names numbers on purpose: the period, the notes, the legend.
        prose = [public_report.period_label(2026, 1), public_report.legend(report),
                 *public_report.method_notes(report), *(t.note for t in report.tables)]  # fmt: skip
    for heading in headings:
        assert heading in text, heading
    assert total in text
    # The catalogue's names, in the report's language (Kazakh letters included: the
    # bundled font covers them), in the definitions.
    catalogue = indicators.catalogue()
    for code in ("cases_registered", "steps_on_time_share"):
        assert " ".join(catalogue[code].name[language].split()) in text
    for words in filter(None, prose):
        text = text.replace(" ".join(words.split()), " ")
    text = re.sub(r"Qamqor · \d+", " ", text)  # page numbers
    assert "<5" in text and " x " in text  # cells, not the legend
    # No count from 1 to 4 stands alone (a mean or a share has a decimal point; "per
    # 1 000 pupils" in a heading is a thousand written with a space).
    lone = [
        text[max(0, m.start() - 60) : m.end() + 60]
        for m in re.finditer(r"(?<![\w.,<:%-])[1-4](?![\w.,:%-]| 000)", text)
    ]
    assert not lone, lone


def test_no_personal_data_in_the_page_the_api_or_the_pdf(world: World) -> None:
    case = register_case(world)
    fold()
    secrets = [
        case.number,
        REPORT_DATA["narrative"][:30],
        CLASSIFICATION["summary"][:30],
        world.coordinator_a.username,
        world.a.school.name,
    ]
    page = english().get(reverse("statistics-report"), {"year": "2026", "quarter": ""})
    api = english().get("/api/v1/stats/report", {"year": "2026"})
    assert page.status_code == api.status_code == 200
    assert api.json()["tables"][0]["totals"]["total"] == "<5"  # the one case, a small count
    texts = [page.content.decode(), api.content.decode(), pdf_of("ru", quarter="")]
    for text in texts:
        for secret in secrets:
            assert secret and secret not in text


def test_anyone_reads_it_signed_in_or_not(figures: None, world: World) -> None:
    signed_in = english()
    signed_in.force_login(world.coordinator_a)
    for client in (english(), signed_in):
        assert client.get(reverse("statistics-report")).status_code == 200
        assert client.get("/api/v1/stats/report").status_code == 200


def test_the_threshold_is_a_setting(figures: None, settings: Any) -> None:
    settings.QAMQOR_PUBLIC_REPORT_MIN_CELL = 10
    report = public_report.build(2026, 1)
    assert report.minimum == 10
    setting = report.tables[0]
    # 12 at school is no longer shown beside a hidden 3 and 9 (9 is below 10 now).
    for line in setting.cells:
        assert all(value is None or value == 0 or value >= 10 for value in line)
    page = english().get(reverse("statistics-report"), {"year": 2026, "quarter": 1})
    assert "&lt;10" in page.content.decode()


def test_the_report_is_kept_until_the_rollups_change(figures: None) -> None:
    assert public_report.cached(2026, 1).total == Q1_TOTAL
    case_rows(FEB, "KZ-71", "school", "schoolmate", 6)
    assert public_report.cached(2026, 1).total == Q1_TOTAL  # kept
    FoldState.objects.update_or_create(pk=1, defaults={"folded_at": dt.datetime.now(dt.UTC)})
    assert public_report.cached(2026, 1).total == Q1_TOTAL + 6


def test_the_report_reads_one_query_per_table_and_one_per_region(
    figures: None, django_assert_max_num_queries: Any
) -> None:
    # The region-by-form table is read one region at a time, the bands one questionnaire
    # at a time (the read API gives one breakdown per call; here GAD-7 alone has its
    # bands published); every other table is one or two grouped queries.
    regions = Region.objects.count()
    with django_assert_max_num_queries(QUERIES_BESIDE_REGIONS + 2 * regions + 2 * 1):
        public_report.build(2026, 1)
