"""Encrypted backups and restores of the whole database (docs/deploy.md, docs/decisions/0011).

PostgreSQL: ``pg_dump --format=custom`` (PostgreSQL's own client binaries, the version of
the server or newer), restored with ``pg_restore`` in one transaction. SQLite: the online
backup API (``sqlite3.Connection.backup``), a consistent copy while the application runs.

Either way the bytes never touch the disk in clear: they are encrypted in chunks with the
data keys (``qamqor.ops.keys``, Fernet: AES-128-CBC with HMAC-SHA256) as they stream out.
The file is

    MAGIC, then records: 4-byte big-endian length + one Fernet token each
      record 0      JSON header (format, database vendor, when, by which version)
      records 1..n  the dump, in chunks of CHUNK_BYTES
      last record   JSON trailer (number of chunks, bytes, SHA-256 of the whole dump)

Every token is authenticated, and the trailer's count and hash catch a file cut short or
records swapped, so a restore checks the whole file before it changes anything.
``rotate_file`` re-encrypts every record with the first key (key rotation).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess  # nosec B404 # pg_dump and pg_restore, fixed arguments, no shell
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cryptography.fernet import InvalidToken, MultiFernet
from django.conf import settings
from django.db import connections

from qamqor.ops.keys import multifernet

MAGIC = b"QAMQOR-BACKUP\x001\n"
CHUNK_BYTES = 1024 * 1024
FORMAT = 1
_LENGTH = struct.Struct(">I")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    vendor: str
    chunks: int
    dump_bytes: int
    sha256: str


# --- the file format ---------------------------------------------------------------------


class _Writer:
    def __init__(self, out: IO[bytes], fernet: MultiFernet) -> None:
        self.out = out
        self.fernet = fernet
        out.write(MAGIC)

    def record(self, plain: bytes) -> None:
        token = self.fernet.encrypt(plain)
        self.out.write(_LENGTH.pack(len(token)))
        self.out.write(token)


def _tokens(source: IO[bytes]) -> Iterator[bytes]:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("not a Qamqor backup file (unknown header)")
    while True:
        head = source.read(_LENGTH.size)
        if not head:
            return
        if len(head) != _LENGTH.size:
            raise BackupError("the backup file is cut short")
        (length,) = _LENGTH.unpack(head)
        token = source.read(length)
        if len(token) != length:
            raise BackupError("the backup file is cut short")
        yield token


def _records(source: IO[bytes], fernet: MultiFernet) -> Iterator[bytes]:
    for token in _tokens(source):
        try:
            yield fernet.decrypt(token)
        except InvalidToken:
            raise BackupError(
                "a record does not decrypt with any configured data key (wrong keys, or "
                "the file was changed)"
            ) from None


def _read(path: Path, fernet: MultiFernet, sink: IO[bytes] | None) -> dict[str, Any]:
    """Decrypt ``path``, write the dump to ``sink`` (if given), check the trailer; the
    header. Raises ``BackupError`` for any fault, before or after writing."""
    digest = hashlib.sha256()
    header: dict[str, Any] | None = None
    trailer: dict[str, Any] | None = None
    chunks = size = 0
    with path.open("rb") as source:
        for plain in _records(source, fernet):
            if header is None:
                header = json.loads(plain)
                continue
            if trailer is not None:
                raise BackupError("records after the end of the backup")
            if not plain.startswith(b"\x00"):
                trailer = _trailer(plain)
                continue
            chunks += 1
            size += len(plain[1:])
            digest.update(plain[1:])
            if sink is not None:
                sink.write(plain[1:])
    if header is None or header.get("format") != FORMAT:
        raise BackupError("not a Qamqor backup of a known format")
    if trailer is None:
        raise BackupError("the backup file is cut short (no end record)")
    if (trailer["chunks"], trailer["bytes"], trailer["sha256"]) != (
        chunks,
        size,
        digest.hexdigest(),
    ):
        raise BackupError("the backup's content does not match its end record")
    return header


def _trailer(plain: bytes) -> dict[str, Any]:
    try:
        value = json.loads(plain)
    except ValueError:
        value = None
    if not (isinstance(value, dict) and value.get("end") is True):
        raise BackupError("the backup has a record that is neither data nor its end")
    return value


def _write(path: Path, header: dict[str, Any], chunks: Iterator[bytes]) -> BackupSummary:
    """Write the encrypted file next to ``path`` and move it in place when complete."""
    fernet = multifernet()
    digest = hashlib.sha256()
    count = size = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as out:
        os.chmod(partial, 0o600)
        writer = _Writer(out, fernet)
        writer.record(json.dumps(header).encode())
        for chunk in chunks:
            # a data record starts with 0x00, so it can never be taken for the JSON trailer
            writer.record(b"\x00" + chunk)
            digest.update(chunk)
            count += 1
            size += len(chunk)
        trailer: dict[str, Any] = {
            "end": True,
            "chunks": count,
            "bytes": size,
            "sha256": digest.hexdigest(),
        }
        writer.record(json.dumps(trailer).encode())
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)
    return BackupSummary(path, header["vendor"], count, size, trailer["sha256"])


def rotate_file(path: Path) -> int:
    """Re-encrypt every record of ``path`` with the first data key; the number of records.
    The file is checked whole first and replaced only when the new one is complete."""
    fernet = multifernet()
    _read(path, fernet, None)
    partial = path.with_name(path.name + ".rotating")
    count = 0
    with path.open("rb") as source, partial.open("wb") as out:
        os.chmod(partial, 0o600)
        out.write(MAGIC)
        for token in _tokens(source):
            fresh = fernet.rotate(token)
            out.write(_LENGTH.pack(len(fresh)))
            out.write(fresh)
            count += 1
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)
    return count


def verify_file(path: Path) -> dict[str, Any]:
    """Decrypt and check the whole file without restoring it; its header."""
    return _read(path, multifernet(), None)


# --- PostgreSQL --------------------------------------------------------------------------


def pg_binary(name: str) -> str:
    """``pg_dump``/``pg_restore`` from ``QAMQOR_PG_BINDIR``, PATH, or the newest
    /usr/lib/postgresql/*/bin (Debian keeps them there)."""
    folder = os.environ.get("QAMQOR_PG_BINDIR")
    if folder:
        return str(Path(folder) / name)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return str(candidates[-1])
    raise BackupError(f"{name} not found: install PostgreSQL's client programs")


def _pg_environment(database: dict[str, Any]) -> dict[str, str]:
    """libpq's variables for ``database`` (no password on a command line)."""
    environment = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if database.get(key):
            environment[variable] = str(database[key])
    return environment


def _run_pg_dump(database: dict[str, Any]) -> Iterator[bytes]:
    command = [pg_binary("pg_dump"), "--format=custom", "--compress=6"]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # nosec B603 # noqa: S603 - fixed arguments, no shell
            command, stdout=subprocess.PIPE, stderr=errors, env=_pg_environment(database)
        )
        assert process.stdout is not None  # noqa: S101 - set by stdout=PIPE
        try:
            while chunk := process.stdout.read(CHUNK_BYTES):
                yield chunk
        finally:
            process.stdout.close()
            code = process.wait()
        errors.seek(0)
        message = errors.read().decode(errors="replace").strip()
    if code != 0:
        raise BackupError(f"pg_dump failed: {message[-500:]}")


def _restore_postgresql(path: Path, database: dict[str, Any], *, clean: bool) -> None:
    fernet = multifernet()
    if not clean and _has_tables(database):
        raise BackupError(
            f"the database {database.get('NAME')!r} already has tables: restore into an empty "
            "database, or pass --clean to replace its contents"
        )
    command = [
        pg_binary("pg_restore"),
        "--single-transaction",
        "--exit-on-error",
        "--dbname",
        str(database.get("NAME") or "postgres"),
    ]
    if clean:
        command += ["--clean", "--if-exists"]
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(  # nosec B603 # noqa: S603 - fixed arguments, no shell
            command, stdin=subprocess.PIPE, stderr=stderr, env=_pg_environment(database)
        )
        assert process.stdin is not None  # noqa: S101 - set by stdin=PIPE
        try:
            _read(path, fernet, process.stdin)
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            if not process.stdin.closed:
                process.stdin.close()
        code = process.wait()
        stderr.seek(0)
        message = stderr.read().decode(errors="replace").strip()
    if code != 0:
        raise BackupError(f"pg_restore failed: {message[-500:]}")


def _has_tables(database: dict[str, Any]) -> bool:
    import psycopg

    with psycopg.connect(
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        dbname=database.get("NAME"),
    ) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()
    return bool(row and row[0])


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_chunks(database: dict[str, Any]) -> Iterator[bytes]:
    """A consistent copy through the online backup API (pages copied while others write),
    made in a private temporary file, then streamed out and deleted."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.sqlite3"
        source = sqlite3.connect(str(database["NAME"]))
        target = sqlite3.connect(str(copy))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        with copy.open("rb") as data:
            while chunk := data.read(CHUNK_BYTES):
                yield chunk


def _restore_sqlite(path: Path, database: dict[str, Any], *, clean: bool) -> None:
    target_path = str(database["NAME"])
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "restore.sqlite3"
        with copy.open("wb") as sink:
            _read(path, multifernet(), sink)
        source = sqlite3.connect(str(copy))
        target = sqlite3.connect(target_path)
        try:
            tables = target.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            if tables and not clean:
                raise BackupError(
                    f"the database {target_path!r} already has tables: restore into an empty "
                    "database, or pass --clean to replace its contents"
                )
            source.backup(target)  # replaces every page of the target
        finally:
            target.close()
            source.close()


# --- entry points ------------------------------------------------------------------------


def _database(alias: str, url: str | None) -> dict[str, Any]:
    if url:
        import dj_database_url

        return dict(dj_database_url.parse(url))
    return dict(settings.DATABASES[alias])


def _vendor(database: dict[str, Any]) -> str:
    engine = str(database["ENGINE"])
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise BackupError(f"backups support PostgreSQL and SQLite, not {engine}")


def backup(path: Path, *, alias: str = "default", database_url: str | None = None) -> BackupSummary:
    """Dump the database to ``path``, encrypted with the first data key."""
    database = _database(alias, database_url)
    vendor = _vendor(database)
    if vendor == "sqlite" and str(database["NAME"]) in {"", ":memory:"}:
        raise BackupError("an in-memory SQLite database cannot be backed up")
    if database_url is None:
        connections[alias].close()  # no open transaction of ours in the copy
    header = {
        "format": FORMAT,
        "vendor": vendor,
        "dump": "pg_dump custom" if vendor == "postgresql" else "sqlite database file",
        "created": datetime.now(UTC).isoformat(),
        "database": str(database.get("NAME")) if vendor == "postgresql" else "",
    }
    chunks = _run_pg_dump(database) if vendor == "postgresql" else _sqlite_chunks(database)
    try:
        return _write(path, header, chunks)
    except BaseException:
        path.with_name(path.name + ".partial").unlink(missing_ok=True)
        raise


def restore(
    path: Path, *, alias: str = "default", database_url: str | None = None, clean: bool = False
) -> dict[str, Any]:
    """Restore ``path`` into the database (``database_url``, else the configured one).
    The file is checked whole before anything is changed; its header."""
    database = _database(alias, database_url)
    vendor = _vendor(database)
    header = verify_file(path)
    if header["vendor"] != vendor:
        raise BackupError(f"this is a {header['vendor']} backup; the target is {vendor}")
    if database_url is None:
        connections[alias].close()
    if vendor == "postgresql":
        _restore_postgresql(path, database, clean=clean)
    else:
        _restore_sqlite(path, database, clean=clean)
    return header
