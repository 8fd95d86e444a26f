"""Encrypted backups and restores (docs/deploy.md): the file format's guarantees on SQLite,
and a full round trip on PostgreSQL (pg_dump custom format → a second database)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from qamqor.ops import backup as backups
from qamqor.ops.keys import data_keys

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    generated = [Fernet.generate_key().decode()]
    monkeypatch.setenv("QAMQOR_DATA_KEYS", ",".join(generated))
    monkeypatch.delenv("QAMQOR_DATA_KEYS_FILE", raising=False)
    return generated


def sqlite_database(path: Path, rows: int = 2000) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, narrative TEXT)")
        connection.executemany(
            "INSERT INTO child (narrative) VALUES (?)",
            [(f"narrative number {n} about Aigerim" * 20,) for n in range(rows)],
        )
    return path


def rows_of(path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(path) as connection:
        return list(connection.execute("SELECT id, narrative FROM child ORDER BY id"))


def test_sqlite_round_trip_through_an_encrypted_file(tmp_path: Path, keys: list[str]) -> None:
    source = sqlite_database(tmp_path / "live.sqlite3")
    file = tmp_path / "backup.qamqor"
    summary = backups.backup(file, database_url=f"sqlite:///{source}")
    assert summary.vendor == "sqlite" and summary.chunks >= 2  # streamed in chunks
    content = file.read_bytes()
    assert b"Aigerim" not in content and b"SQLite format" not in content  # no clear text
    assert oct(file.stat().st_mode & 0o777) == "0o600"
    target = tmp_path / "restored.sqlite3"
    backups.restore(file, database_url=f"sqlite:///{target}")
    assert rows_of(target) == rows_of(source)


def test_a_restore_refuses_a_database_that_is_not_empty(tmp_path: Path, keys: list[str]) -> None:
    source = sqlite_database(tmp_path / "live.sqlite3", rows=3)
    file = tmp_path / "backup.qamqor"
    backups.backup(file, database_url=f"sqlite:///{source}")
    other = sqlite_database(tmp_path / "other.sqlite3", rows=7)
    with pytest.raises(backups.BackupError, match="already has tables"):
        backups.restore(file, database_url=f"sqlite:///{other}")
    assert len(rows_of(other)) == 7
    backups.restore(file, database_url=f"sqlite:///{other}", clean=True)
    assert rows_of(other) == rows_of(source)


@pytest.mark.parametrize("damage", ["flip", "cut", "drop-record", "wrong-key"])
def test_a_damaged_file_or_wrong_key_changes_nothing(
    tmp_path: Path, keys: list[str], monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    source = sqlite_database(tmp_path / "live.sqlite3")
    file = tmp_path / "backup.qamqor"
    backups.backup(file, database_url=f"sqlite:///{source}")
    content = bytearray(file.read_bytes())
    if damage == "flip":
        content[len(content) // 2] ^= 0x01
    elif damage == "cut":
        content = content[: len(content) - 300]
    elif damage == "drop-record":
        # remove the second data record (length-prefixed) entirely: every token is still
        # valid, only the end record's count and hash can tell
        offset = len(backups.MAGIC)
        spans = []
        while offset < len(content):
            length = int.from_bytes(content[offset : offset + 4], "big")
            spans.append((offset, offset + 4 + length))
            offset += 4 + length
        start, end = spans[2]
        del content[start:end]
    else:
        monkeypatch.setenv("QAMQOR_DATA_KEYS", Fernet.generate_key().decode())
    file.write_bytes(bytes(content))
    target = tmp_path / "restored.sqlite3"
    with pytest.raises(backups.BackupError):
        backups.restore(file, database_url=f"sqlite:///{target}")
    assert not target.exists() or rows_of_or_none(target) is None


def rows_of_or_none(path: Path) -> list[tuple[int, str]] | None:
    try:
        return rows_of(path)
    except sqlite3.OperationalError:
        return None


def test_key_rotation_re_encrypts_with_the_new_key(
    tmp_path: Path, keys: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = sqlite_database(tmp_path / "live.sqlite3", rows=50)
    file = tmp_path / "backup.qamqor"
    backups.backup(file, database_url=f"sqlite:///{source}")
    new = Fernet.generate_key().decode()
    monkeypatch.setenv("QAMQOR_DATA_KEYS", f"{new},{keys[0]}")
    call_command("keys", "rotate-backup", str(file))
    # the old key is dropped: the rotated file opens with the new key alone
    monkeypatch.setenv("QAMQOR_DATA_KEYS", new)
    target = tmp_path / "restored.sqlite3"
    backups.restore(file, database_url=f"sqlite:///{target}")
    assert rows_of(target) == rows_of(source)
    # and the old key alone no longer opens it
    monkeypatch.setenv("QAMQOR_DATA_KEYS", keys[0])
    with pytest.raises(backups.BackupError, match="does not decrypt"):
        backups.verify_file(file)


def test_keys_from_a_file_and_bad_keys_named(tmp_path: Path) -> None:
    key_file = tmp_path / "keys"
    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    key_file.write_text(f"# primary\n{first}\n{second}  # old\n")
    assert data_keys({"QAMQOR_DATA_KEYS_FILE": str(key_file)}) == [first, second]
    with pytest.raises(Exception, match="key 2 is not a Fernet key"):
        data_keys({"QAMQOR_DATA_KEYS": f"{first},not-a-key"})
    with pytest.raises(Exception, match="no data key"):
        data_keys({})


def test_backup_without_keys_is_refused_before_dumping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QAMQOR_DATA_KEYS", raising=False)
    monkeypatch.delenv("QAMQOR_DATA_KEYS_FILE", raising=False)
    source = sqlite_database(tmp_path / "live.sqlite3", rows=1)
    with pytest.raises(CommandError, match="no data key"):
        call_command("backup", str(tmp_path / "b"), database_url=f"sqlite:///{source}")
    assert not (tmp_path / "b").exists()


# --- PostgreSQL: the real round trip -----------------------------------------------------


def table_counts(dsn: dict[str, Any]) -> dict[str, int]:
    import psycopg
    from psycopg import sql

    with psycopg.connect(**dsn) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        counts = {}
        for table in tables:
            row = connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()
            counts[table] = row[0] if row else 0
    return counts


@pytest.mark.postgres
def test_postgresql_round_trip_counts_audit_and_follow_up_code(
    transactional_db: None, tmp_path: Path, keys: list[str]
) -> None:
    import psycopg
    from django.conf import settings
    from django.db import connection

    from qamqor.audit.models import AuditEvent
    from qamqor.intake import services as intake_services
    from tests.factories import REPORT_DATA, build_world, register_case

    world = build_world()
    register_case(world)
    submitted = intake_services.submit_report(school=world.a.school, data=REPORT_DATA)
    code = submitted.followup_code
    assert AuditEvent.objects.count() > 0

    file = tmp_path / "qamqor.backup"
    call_command("backup", str(file))
    assert file.read_bytes().startswith(backups.MAGIC)
    assert REPORT_DATA["narrative"].encode() not in file.read_bytes()

    database = settings.DATABASES["default"]
    dsn: dict[str, Any] = {
        "host": database["HOST"],
        "port": database["PORT"],
        "user": database["USER"],
        "password": database["PASSWORD"] or None,
    }
    restored = f"{database['NAME']}_restored"
    with psycopg.connect(**dsn, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        admin.execute(f'CREATE DATABASE "{restored}"')
    try:
        url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{restored}"
        call_command("restore", str(file), database_url=url)
        source_counts = table_counts({**dsn, "dbname": connection.settings_dict["NAME"]})
        restored_counts = table_counts({**dsn, "dbname": restored})
        assert restored_counts == source_counts
        assert restored_counts["audit_auditevent"] == AuditEvent.objects.count()

        # a fresh process on the restored database: the chain verifies, the code opens
        check = (
            "from qamqor.audit.services import verify_chain; "
            "from qamqor.intake.services import report_for_code; "
            "result = verify_chain(); "
            f"report = report_for_code({code!r}); "
            "print(result.intact, result.checked, report.public_id)"
        )
        environment = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "qamqor.settings",
        }
        result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "manage.py", "shell", "-c", check],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        intact, checked, public_id = result.stdout.strip().splitlines()[-1].split()
        assert intact == "True"
        assert int(checked) == restored_counts["audit_auditevent"]
        assert public_id == str(submitted.report.public_id)

        # a second restore into the now filled database is refused without --clean
        with pytest.raises(CommandError, match="already has tables"):
            call_command("restore", str(file), database_url=url)
    finally:
        with psycopg.connect(**dsn, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')


def test_the_qamqor_command_backs_up_and_restores(tmp_path: Path, keys: list[str]) -> None:
    from qamqor import cli

    source = sqlite_database(tmp_path / "live.sqlite3", rows=10)
    file = tmp_path / "b.qamqor"
    assert cli.main(["backup", str(file), "--database-url", f"sqlite:///{source}"]) == 0
    target = tmp_path / "restored.sqlite3"
    assert cli.main(["restore", str(file), "--database-url", f"sqlite:///{target}"]) == 0
    assert rows_of(target) == rows_of(source)
