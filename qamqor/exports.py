"""Tables as CSV and XLSX downloads, streamed in constant memory (brief 1.4.1).

A table is a header and an iterable of rows; rows are read one at a time (pass a
queryset's ``.iterator()`` or a generator), so an export of a million rows holds a few
thousand in memory at most, whatever the size.

Formula injection: a spreadsheet reads a text cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula, so a reporter who types
``=HYPERLINK(...)`` into a form could run it on a coordinator's machine. Every text cell
that begins so is written with a leading apostrophe (OWASP's advice), in CSV and XLSX
alike. Numbers, dates and booleans are written as values, never as text, so a negative
number stays a number.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext
from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_CHUNK_ROWS = 1000
XLSX_MAX_ROWS = 1_048_575  # a worksheet's 1,048,576 rows less the header
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | int | float | Decimal | bool | dt.date | dt.datetime | None


def neutralise(value: Any) -> Cell:
    """The value to write: text that a spreadsheet would take for a formula gets a
    leading apostrophe; numbers, dates, booleans and None pass unchanged; anything else
    is written as its text (and checked as text)."""
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Lines:
    """A file-like object whose ``write`` returns what it was given, so csv.writer
    produces lines to yield instead of writing them anywhere (Django's streaming CSV
    recipe)."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text in chunks of ``CSV_CHUNK_ROWS`` rows: a UTF-8 byte-order mark so
    spreadsheets read Cyrillic and Kazakh letters right, then the header, then the rows."""
    writer = csv.writer(_Lines())
    yield "\ufeff" + writer.writerow([neutralise(name) for name in header])
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow([_csv_text(neutralise(value)) for value in row]))
        if len(chunk) >= CSV_CHUNK_ROWS:
            yield "".join(chunk)
            chunk.clear()
    if chunk:
        yield "".join(chunk)


def _csv_text(value: Cell) -> Cell:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _attachment(name: str) -> str:
    return f"attachment; filename*=UTF-8''{iri_to_uri(name)}"


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A streamed CSV download of the table."""
    response = StreamingHttpResponse(
        (chunk.encode() for chunk in csv_chunks(header, rows)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = _attachment(f"{filename}.csv")
    return response


def write_xlsx(
    target: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str
) -> int:
    """Write the table as an XLSX workbook of one sheet into ``target``; the number of rows
    written. openpyxl's write-only mode keeps one row in memory. A table longer than a
    worksheet holds ends with a row that says it was cut."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "data")
    sheet.append([neutralise(name) for name in header])
    count = 0
    for row in rows:
        if count == XLSX_MAX_ROWS - 1:
            sheet.append([gettext("… (the table continues: download it as CSV)")])
            break
        sheet.append([_xlsx_value(neutralise(value)) for value in row])
        count += 1
    workbook.save(target)
    return count


def _xlsx_value(value: Cell) -> Cell:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)  # XLSX has no zones: wall time
    return value


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = ""
) -> FileResponse:
    """An XLSX download of the table: written to a temporary file (an XLSX is a ZIP whose
    directory comes last, so it cannot be sent before it is complete), then streamed
    from it; the file is removed when the response is closed."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response
    write_xlsx(spool, header, rows, title=title or filename)
    spool.seek(0)
    response = FileResponse(spool, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(f"{filename}.xlsx")
    return response
