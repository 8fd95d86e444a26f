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
import io
import tempfile
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django import forms
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Case,
    Expression,
    F,
    Func,
    QuerySet,
    TextChoices,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.db.models.sql.compiler import SQLCompiler
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.encoding import iri_to_uri
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from qamqor.audit import services as audit

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_CHUNK_ROWS = 1000
XLSX_MAX_ROWS = 1_048_575  # a worksheet's 1,048,576 rows less the header
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")  # the zone every exported time is shown in

Text = str | Promise  # a heading or title, translated when the file is written
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
    chunk: list[list[Cell]] = []
    for row in rows:
        chunk.append([_csv_cell(value) for value in row])
        if len(chunk) >= CSV_CHUNK_ROWS:
            yield _csv_lines(chunk)
            chunk.clear()
    if chunk:
        yield _csv_lines(chunk)


def _csv_lines(rows: list[list[Cell]]) -> str:
    """The CSV text of ``rows`` (one ``writerows`` call for a chunk)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _csv_cell(value: Any) -> Cell:
    """A cell as CSV text: the common cases (text not starting a formula, None, numbers)
    first, so a million rows cost little more than the writing."""
    if value is None:
        return None
    if type(value) is str:
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    return _csv_text(neutralise(value))


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


# --- exports of the lists staff see (brief 1.4.1) -----------------------------------------
#
# Every list page offers its rows as CSV and XLSX: the page names a ``TableExport`` (its
# own query, the same that fills the page, and its columns), and ``qamqor.pages.exportable``
# serves the download from the page's own address (``?download=csv``), the API from
# ``GET /api/v1/exports/{name}``. An export of personal data asks for its purpose first,
# and the audit log records who exported which list, how many rows, with which filters and
# why (docs/security.md, "Exports of lists").

EXPORT_FORMATS = ("csv", "xlsx")
EXPORT_CHUNK_ROWS = 500


class Purpose(TextChoices):
    """Why personal data leave the system in a file: the choice the audit log keeps."""

    CASE_WORK = "case_work", _("Work on the cases in the list")
    AUTHORITY = "authority", _("A report to an authority (prosecutor, court, ministry)")
    SUPERVISION = "supervision", _("Supervision or an inspection")
    STATISTICS = "statistics", _("Statistics or analysis")
    OTHER = "other", _("Other (say which)")


class PurposeForm(forms.Form):
    """The purpose of an export of personal data; "other" requires a text."""

    purpose = forms.ChoiceField(
        label=_("Purpose of the export"), choices=Purpose.choices, widget=forms.RadioSelect
    )
    purpose_detail = forms.CharField(
        label=_("The purpose in your words"),
        required=False,
        max_length=300,
        help_text=_("Required when the purpose is “Other”."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        detail = (cleaned.get("purpose_detail") or "").strip()
        cleaned["purpose_detail"] = detail
        if cleaned.get("purpose") == Purpose.OTHER and not detail:
            self.add_error("purpose_detail", _("Say what the export is for."))
        return cleaned


@dataclass(frozen=True)
class Column:
    """One column of an exported list: its heading (translated when the file is written)
    and the value of a row. A value reads only what the list's query selected or
    prefetched, so an export makes the same few queries for ten rows or a million."""

    title: Text
    value: Callable[[Any], Any]


def column(title: Text, path: str) -> Column:
    """A column that reads an attribute path of the row (``"school.name"``; a key of a
    row that is a dict, as a selector's summary rows are): None along
    the way gives an empty cell; a method (``get_status_display``) is called."""

    def read(row: Any) -> Any:
        value = row
        for name in path.split("."):
            value = value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)
            if value is None:
                return None
            if callable(value) and not isinstance(value, type):
                value = value()
        return value

    return Column(title, read)


RowsOf = Callable[..., "QuerySet[Any] | Iterable[Any]"]
Copier = Callable[[QuerySet[Any]], QuerySet[Any, Any]]


@dataclass(frozen=True)
class TableExport:
    """A list's download: ``name`` (the audit action is ``export.<name>``, the file is
    ``<name>-<date>``), ``rows(request, **url_kwargs)`` the list's own query (the same
    filters and the same ``restrict`` as its page), ``columns``, ``personal`` (asks for the
    purpose and is audited), the query parameters that filter it (recorded with the
    export) and the gate of its page (set by ``qamqor.pages.exportable``)."""

    name: str
    title: Text
    rows: RowsOf
    columns: Sequence[Column]
    personal: bool = True
    filters: Sequence[str] = ()
    gate: str | None = None
    scoped: bool = False  # the rows of one object: the page's address names it
    # Optional fast path (brief 1.4.1, 3.1.1): given the list's queryset, the rows as
    # tuples of database values, one cell per column in order, already in the language
    # in force (labels translated, booleans kept). It reads only the exported columns
    # (``.values_list()``), so no model object is built and no encrypted field that the
    # file does not show is read or decrypted. The ``columns`` still give the headings
    # (and the rows when the list is not a queryset).
    values: Callable[[QuerySet[Any]], Iterable[Sequence[Any]]] | None = None
    # Optional fastest path, PostgreSQL only: given the list's queryset, a
    # ``values_list()`` of one text expression per column, labelled, formatted and
    # neutralised by the database (``DbText``, ``db_label``, ``db_yes_no``, ``DbTime``),
    # which PostgreSQL writes as CSV itself (``COPY … TO STDOUT``): no Python per row.
    # Built with the requester's language active; the CSV download uses it on PostgreSQL,
    # the XLSX and SQLite use ``values`` (a test holds the two to the same cells).
    copy: Copier | None = None

    def header(self) -> list[str]:
        return [str(one.title) for one in self.columns]


_tables: dict[str, TableExport] = {}


def register_table(table: TableExport) -> TableExport:
    """Add a list to those the API exports by name (the pages register theirs)."""
    _tables[table.name] = table
    return table


def registered_tables() -> dict[str, TableExport]:
    """Every exportable list by name: the API and the tests walk them."""
    return dict(_tables)


def local_cell(value: Any) -> Any:
    """A value as the file shows it: a time in Kazakhstan's zone (Asia/Almaty), a label
    translated, an empty cell for None."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value, ALMATY)
    if isinstance(value, Promise):
        return str(value)
    return value


def _release(row: Any) -> None:
    """Drop what a row caches of its prefetched relations once its cells are read: a
    prefetched queryset refers back to its row, a cycle that only the cyclic collector
    frees, so a long export would hold the rows it read until a full collection and its
    memory would grow with its length."""
    cached = getattr(row, "__dict__", None)
    if cached is not None:
        cached.pop("_prefetched_objects_cache", None)


def _rows_in_language(
    table: TableExport, rows: Iterable[Any], language: str, *, worded: bool
) -> Iterator[list[Any]]:
    """The cells row by row, in the requester's language even when the rows are read after
    the view returned (a streamed CSV). ``worded``: a yes or no is written as the word (a
    CSV has no booleans; an XLSX keeps TRUE and FALSE, which a spreadsheet filters)."""
    with translation.override(language):
        yes, no = gettext("yes"), gettext("no")
        if table.values is not None and isinstance(rows, QuerySet):
            for values in table.values(rows):
                yield [
                    c
                    if c is None or type(c) is str  # most cells: nothing to do
                    else (yes if c else no)
                    if worded and type(c) is bool
                    else local_cell(c)
                    for c in values
                ]
            return
        for row in rows:
            cells = [local_cell(one.value(row)) for one in table.columns]
            _release(row)
            if worded:
                cells = [(yes if c else no) if isinstance(c, bool) else c for c in cells]
            yield cells


# --- PostgreSQL writes the CSV (brief 1.4.1, 3.1.1) ---------------------------------------
#
# The export of every case in the country is a million rows: Python spends some 40 µs a row
# reading, labelling and writing them, PostgreSQL's own CSV writer a few. A list that
# gives ``TableExport.copy`` has its cells computed in SQL by the same rules as
# ``neutralise`` and ``local_cell``, and its rows stream from ``COPY (…) TO STDOUT``.

COPY_BUFFER_BYTES = 64 * 1024
_AUDITED = "_qamqor_export_audited"  # the request's export already in the audit log
_SQL_PREFIXES = ", ".join(
    {"\t": "E'\\t'", "\r": "E'\\r'"}.get(prefix, f"'{prefix}'") for prefix in FORMULA_PREFIXES
)


class DbText(Func):
    """A text column as the file shows it: a value a spreadsheet would take for a formula
    gets a leading apostrophe, as ``neutralise`` gives it."""

    output_field = TextField()

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, list[Any]]:
        inner, params = compiler.compile(self.source_expressions[0])
        text = f"({inner})::text"
        sql = (
            f"CASE WHEN left({text}, 1) IN ({_SQL_PREFIXES}) THEN chr(39) || {text} ELSE {text} END"
        )
        return sql, [*params, *params, *params]  # the column is named three times


class DbTime(Func):
    """A moment as the wall time in Kazakhstan with its offset, ISO 8601 to the second
    (``2026-12-05T17:04:00+05:00``; +06:00 before the country's one zone of March 2024),
    as ``local_cell`` and the CSV writer give it."""

    output_field = TextField()

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, list[Any]]:
        inner, params = compiler.compile(self.source_expressions[0])
        local = f"(({inner}) AT TIME ZONE 'Asia/Almaty')"
        sql = (
            f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+' || "
            f"to_char({local} - (({inner}) AT TIME ZONE 'UTC'), 'HH24:MI')"
        )
        return sql, [*params, *params, *params]


def db_label(field: str, choices: Iterable[tuple[Any, Any]]) -> Expression:
    """The label of a coded column in the active language (an unknown code as itself)."""
    whens = [When(**{field: code}, then=Value(neutralise(str(label)))) for code, label in choices]
    return Case(*whens, default=Cast(F(field), TextField()), output_field=TextField())


def db_yes_no(field: str) -> Expression:
    """A yes-or-no column as the word in the active language (a CSV has no booleans)."""
    return Case(
        When(**{field: True}, then=Value(gettext("yes"))),
        When(**{field: False}, then=Value(gettext("no"))),
        output_field=TextField(),
    )


def copy_chunks(header: Sequence[str], queryset: QuerySet[Any, Any]) -> Iterator[bytes]:
    """The CSV as PostgreSQL writes it, in blocks of about 64 KB: the byte-order mark and
    the header from here, the rows from ``COPY (the queryset's SQL) TO STDOUT``."""
    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow([neutralise(name) for name in header])
    yield ("\ufeff" + head.getvalue()).encode()
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # a list that is empty by its scope (``.none()``): no rows
        return
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
    connection = connections[queryset.db]
    if connection.queries_logged:  # the debug log and the query-count tests see it
        connection.queries_log.append({"sql": statement, "time": "0.000"})
    block = bytearray()
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        for data in copy:
            block += data
            if len(block) >= COPY_BUFFER_BYTES:
                yield bytes(block)
                block.clear()
    if block:
        yield bytes(block)


def _copier(table: TableExport, found: QuerySet[Any], fmt: str) -> Copier | None:
    """``table.copy`` when PostgreSQL writes this download (a CSV of a queryset)."""
    if fmt != "csv" or connections[found.db].vendor != "postgresql":
        return None
    return table.copy


def table_response(
    request: HttpRequest,
    table: TableExport,
    fmt: str,
    *,
    purpose: dict[str, Any] | None = None,
    url_kwargs: dict[str, Any] | None = None,
) -> HttpResponseBase:
    """The download of ``table`` for the requester: its rows read in chunks with
    ``.iterator()``, its personal data exports written to the audit log first (who, which
    list, how many rows, which filters, why) so an interrupted download is recorded too."""
    found = table.rows(request, **(url_kwargs or {}))
    if isinstance(found, QuerySet):
        total = found.count()
        rows: Iterable[Any] = (
            found if table.values is not None else found.iterator(chunk_size=EXPORT_CHUNK_ROWS)
        )
    else:
        rows = list(found)
        total = len(rows)
    if table.personal and getattr(request, _AUDITED, None) != table.name:
        filters = {
            name: values if len(values) > 1 else values[0]
            for name in table.filters
            if (values := [v for v in request.GET.getlist(name) if v])
        }
        audit.record(
            actor=request.user,
            action=f"export.{table.name}",
            object_type="export",
            object_id=table.name,
            changes={
                "format": fmt,
                "rows": total,
                "filters": filters,
                "scope": {k: str(v) for k, v in (url_kwargs or {}).items()},
                "purpose": (purpose or {}).get("purpose", ""),
                "purpose_detail": (purpose or {}).get("purpose_detail", ""),
            },
        )
        # A read replica lost during the view runs it again on the primary with the same
        # request (qamqor.replica): one download, one audit event.
        setattr(request, _AUDITED, table.name)
    language = translation.get_language() or settings.LANGUAGE_CODE
    filename = f"{table.name}-{timezone.localdate():%Y-%m-%d}"
    response: HttpResponseBase
    if isinstance(found, QuerySet) and (copier := _copier(table, found, fmt)) is not None:
        with translation.override(language):
            copied = copier(found)
        response = StreamingHttpResponse(
            copy_chunks(table.header(), copied), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = _attachment(f"{filename}.csv")
        response["Cache-Control"] = "private, no-store"
        return response
    cells = _rows_in_language(table, rows, language, worded=fmt == "csv")
    if fmt == "csv":
        response = csv_response(filename, table.header(), cells)
    else:
        response = xlsx_response(filename, table.header(), cells, title=str(table.title))
    response["Cache-Control"] = "private, no-store"
    return response
