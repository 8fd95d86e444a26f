"""Tables as CSV and XLSX downloads (qamqor/exports.py, docs/analytics.md "Exports"):
formula injection neutralised in both formats and read back as a spreadsheet would,
Cyrillic and Kazakh letters intact, and memory flat whatever the number of rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from qamqor import exports

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text: str) -> None:
    assert exports.neutralise(text) == "'" + text


def test_values_that_are_not_text_are_written_as_values() -> None:
    day = dt.date(2026, 12, 5)
    for value in (-5, 3.5, Decimal("-1.25"), True, None, day):
        assert exports.neutralise(value) == value
    assert exports.neutralise("Әлия") == "Әлия"
    assert exports.neutralise(12345678901234567890) == 12345678901234567890


def read_csv(chunks: Iterator[str]) -> list[list[str]]:
    text = "".join(chunks)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_keeps_letters_and_neutralises_hostile_cells() -> None:
    rows = [[text, "Қарағанды облысы", -7] for text in HOSTILE]
    table = read_csv(exports.csv_chunks(["=header", "region", "n"], rows))
    assert table[0] == ["'=header", "region", "n"]
    assert [row[0] for row in table[1:]] == ["'" + text for text in HOSTILE]
    assert {row[1] for row in table[1:]} == {"Қарағанды облысы"}
    assert {row[2] for row in table[1:]} == {"-7"}


def test_xlsx_cells_read_back_as_text_not_formulas() -> None:
    day = dt.date(2026, 12, 5)
    rows = [[text, "Шымкент", -7, day] for text in HOSTILE]
    target = io.BytesIO()
    assert exports.write_xlsx(target, ["case", "city", "n", "day"], rows, title="cases") == 6
    target.seek(0)
    sheet = load_workbook(target).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("case", "city", "n", "day")
    # XML reads a carriage return back as a line feed; the apostrophe is what matters.
    expected = ["'" + text.replace("\r", "\n") for text in HOSTILE]
    assert [row[0] for row in values[1:]] == expected
    for cells in sheet.iter_rows(min_row=2):
        assert cells[0].data_type == "s"  # never "f", a formula
        assert cells[2].value == -7 and cells[2].data_type == "n"
        assert cells[3].value == dt.datetime(2026, 12, 5)  # noqa: DTZ001 - XLSX has no zones


def test_the_csv_download_names_its_file_and_streams() -> None:
    response = exports.csv_response("случаи-2026", ["n"], ([i] for i in range(3)))
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''%D1%81%D0%BB" in response["Content-Disposition"]
    chunks = response.streaming_content
    assert isinstance(chunks, Iterator)  # a plain iterator: the download is not async
    body = b"".join(chunks).decode()
    assert body.splitlines() == ["\ufeffn", "0", "1", "2"]


def test_the_xlsx_download_is_a_workbook() -> None:
    response = exports.xlsx_response("cases", ["n"], ([i] for i in range(3)))
    body = b"".join(response)
    spool = response.file_to_stream
    assert spool is not None
    spool.close()  # the temporary file (closing the response would also signal Django)
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["n", 0, 1, 2]


def rows(count: int) -> Iterator[tuple[object, ...]]:
    for i in range(count):
        yield (i, f"KZ-75-2026-{i:06d}", f"Өтініш мәтіні {i} " * 4, -i, dt.date(2026, 1, 1))


def peak_kib(produce: object) -> int:
    tracemalloc.start()
    try:
        produce()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1] // 1024
    finally:
        tracemalloc.stop()


def test_a_csv_export_of_100000_rows_needs_no_more_memory_than_one_of_10000() -> None:
    def export(count: int) -> object:
        return lambda: sum(len(chunk) for chunk in exports.csv_chunks(["a"] * 5, rows(count)))

    small, large = peak_kib(export(10_000)), peak_kib(export(100_000))
    assert large < small * 1.5 + 256, (small, large)


def test_an_xlsx_export_needs_no_more_memory_for_ten_times_the_rows() -> None:
    def export(count: int) -> object:
        def write() -> None:
            with tempfile.TemporaryFile() as target:
                exports.write_xlsx(target, ["a"] * 5, rows(count), title="t")

        return write

    small, large = peak_kib(export(500)), peak_kib(export(5_000))
    assert large < small * 1.5 + 256, (small, large)
