"""Rows written in bulk: buffered per table, one statement per batch.

On PostgreSQL a batch is one binary ``COPY … FROM STDIN`` per table through psycopg's
``cursor.copy()`` with the columns' types set (its C writer: about 2 µs a row, five
times psycopg's text rows), written by a second thread with its own connection while
the next batch is generated, so the server's work and Python's overlap; elsewhere
(SQLite) it is one ``executemany`` INSERT. The caller gives each row's columns in the
database's terms: ids it assigned itself, encrypted text already as a token, JSON as
its text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Max
from psycopg.types.json import Jsonb

Row = tuple[Any, ...]


class Table:
    """One table's columns and the rows waiting to be written."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        self.name = model._meta.db_table
        self.columns = list(columns)
        self.rows: list[Row] = []
        self.written = 0
        fields = {f.column: f for f in model._meta.concrete_fields}
        self.types = [_copy_type(fields[c].db_type(connection) or "text") for c in self.columns]
        self.json = [i for i, kind in enumerate(self.types) if kind == "jsonb"]

    def add(self, row: Row) -> None:
        self.rows.append(row)


class RowWriter:
    """Tables in dependency order; ``flush`` writes each one's waiting rows in that order."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.tables: list[Table] = []
        self.with_ids: list[type[models.Model]] = []
        self._thread: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None

    def table(
        self, model: type[models.Model], columns: Sequence[str], *, ids: bool = False
    ) -> Table:
        """A table to fill; ``ids``: the caller assigns primary keys (``next_id``), and the
        table's sequence is moved past them at the end (``reset_sequences``)."""
        table = Table(model, ["id", *columns] if ids else columns)
        self.tables.append(table)
        if ids:
            self.with_ids.append(model)
        return table

    def flush(self) -> None:
        """Write every table's waiting rows in one transaction (on PostgreSQL in the
        writer thread, after the previous batch is in)."""
        if not self.postgres:
            with transaction.atomic(), connection.cursor() as cursor:
                for table in self.tables:
                    if table.rows:
                        self._insert(cursor, table)
                        table.written += len(table.rows)
                        table.rows.clear()
            return
        batches = []
        for table in self.tables:
            if table.rows:
                batches.append((table, table.rows))
                table.written += len(table.rows)
                table.rows = []
        self.wait()
        if connection.in_atomic_block:  # inside the caller's transaction (tests): here
            _copy_batches(batches)
            return
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy")
            self._thread.submit(_skip_row_triggers).result()
        self._pending = self._thread.submit(_copy_batches, batches)

    def wait(self) -> None:
        """Until the batch being written is in (its error raised here)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def close(self) -> None:
        """Wait for the last batch, and close the writer thread's connection."""
        try:
            self.wait()
        finally:
            if self._thread is not None:
                self._thread.submit(_close_connection).result()
                self._thread.shutdown()
                self._thread = None

    def _insert(self, cursor: Any, table: Table) -> None:
        columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        marks = ", ".join(["%s"] * len(table.columns))
        cursor.executemany(
            f"INSERT INTO {table.name} ({columns}) VALUES ({marks})",  # nosec B608 # noqa: S608 - the models' own table and quoted column names
            [tuple(_sqlite(value) for value in row) for row in table.rows],
        )

    def reset_sequences(self) -> None:
        """Move the id sequences past the ids assigned here (PostgreSQL; SQLite follows
        the largest id by itself), so the application's own inserts continue after them."""
        statements = connection.ops.sequence_reset_sql(no_style(), self.with_ids)
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


@contextlib.contextmanager
def indexes_deferred(model_list: Sequence[type[models.Model]]) -> Iterator[None]:
    """On PostgreSQL, drop the tables' secondary indexes (those that back no primary key
    or unique constraint) for the load and build them again after it, also when the
    load fails: one sorted build per index is many times faster than keeping it up to
    date row by row through millions of rows."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        # inside the caller's transaction (tests: a few rows) the indexes stay: an index
        # cannot be built while the transaction has foreign-key checks pending
        yield
        return
    names = [model._meta.db_table for model in model_list]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(%s) AND NOT x.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            ORDER BY i.relname
            """,
            [names],
        )
        definitions = cursor.fetchall()
        for name, _definition in definitions:
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _name, definition in definitions:
                cursor.execute(
                    definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
                )


def next_id(model: type[models.Model]) -> int:
    """The first free primary key of ``model``: rows are added after what exists."""
    largest = model._default_manager.aggregate(largest=Max("pk"))["largest"]
    return int(largest or 0) + 1


def _close_connection() -> None:
    connection.close()  # the calling thread's own connection


def _skip_row_triggers() -> None:
    """The writer thread's own connection skips per-row foreign-key triggers where the
    role may (a superuser, as on a throwaway cluster): the keys were assigned here in
    dependency order. Otherwise every row is checked, only slower."""
    with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")


def _copy_batches(batches: list[tuple[Table, list[Row]]]) -> None:
    """One binary COPY per table, one transaction for them all."""
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor under Django's wrapper
        for table, rows in batches:
            quoted = ", ".join(connection.ops.quote_name(c) for c in table.columns)
            statement = f"COPY {table.name} ({quoted}) FROM STDIN (FORMAT BINARY)"
            with raw.copy(statement) as copy:
                copy.set_types(table.types)
                if table.json:
                    rows = [_with_json(row, table.json) for row in rows]
                for row in rows:
                    copy.write_row(row)


_JSON: dict[str, Jsonb] = {}


def _with_json(row: Row, columns: list[int]) -> Row:
    """JSON given as its text, wrapped for binary COPY (one wrapper per distinct text)."""
    values = list(row)
    for index in columns:
        text = values[index]
        if text is not None:
            wrapped = _JSON.get(text)
            if wrapped is None:
                wrapped = _JSON[text] = Jsonb(json.loads(text))
            values[index] = wrapped
    return tuple(values)


_TYPES = {
    "integer": "int4",
    "bigint": "int8",
    "smallint": "int2",
    "boolean": "bool",
    "timestamp with time zone": "timestamptz",
    "double precision": "float8",
}


def _copy_type(db_type: str) -> str:
    """The PostgreSQL type name psycopg's binary COPY needs for a column's Django type."""
    base = db_type.split("(")[0].strip().lower()
    return _TYPES.get(base, "text" if base == "varchar" else base)


def _sqlite(value: Any) -> Any:
    """A value as Django stores it in SQLite: datetimes as naive UTC text, UUIDs as hex."""
    if isinstance(value, dt.datetime):
        return str(value.astimezone(dt.UTC).replace(tzinfo=None))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    return value
