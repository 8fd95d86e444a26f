"""The chain's head is anchored, so cutting the newest events is detected.

Runs on SQLite and on PostgreSQL: the tail is deleted past the append-only trigger as a
database superuser would (dropping it on SQLite; ``session_replication_role = replica``
on PostgreSQL, which skips triggers), and ``verify_audit`` must fail.
"""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from qamqor.audit import services as audit
from qamqor.audit.models import AuditAnchor, AuditEvent, AuditLogIsAppendOnly
from qamqor.worker import run_sweeps

pytestmark = pytest.mark.django_db


def record(n: int) -> AuditEvent:
    return audit.record(
        actor=None, action="case.view", object_type="case", object_id=f"KZ-75-2026-{n:06d}"
    )


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def delete_bypassing_triggers(sql: str, params: list[Any]) -> None:
    """A superuser's delete, past the append-only triggers (rolled back with the test)."""
    if connection.vendor == "postgresql":
        raw("SET LOCAL session_replication_role = replica")
        raw(sql, params)
        raw("SET LOCAL session_replication_role = origin")
    else:
        raw("DROP TRIGGER IF EXISTS audit_event_no_delete")
        raw("DROP TRIGGER IF EXISTS audit_anchor_no_delete")
        raw(sql, params)


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_a_cut_tail_fails_verify_audit(settings: Any, tmp_path: Path) -> None:
    settings.AUDIT_ANCHOR_DIR = str(tmp_path)
    events = [record(n) for n in range(1, 6)]
    call_command("anchor_audit", stdout=StringIO())
    assert "5 events, 2 anchors match" in verify()  # the table's and the file's
    # the chain alone cannot see a cut tail: what is left is a valid chain
    delete_bypassing_triggers("DELETE FROM audit_auditevent WHERE id >= %s", [events[3].pk])
    assert audit.verify_chain().intact
    with pytest.raises(CommandError, match=f"event {events[4].pk} is missing"):
        verify()


def test_the_file_still_tells_when_the_table_anchors_are_gone_too(
    settings: Any, tmp_path: Path
) -> None:
    settings.AUDIT_ANCHOR_DIR = str(tmp_path)
    events = [record(n) for n in range(1, 4)]
    audit.anchor_chain(force=True)
    delete_bypassing_triggers("DELETE FROM audit_auditanchor", [])
    delete_bypassing_triggers("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    assert AuditAnchor.objects.count() == 0
    with pytest.raises(CommandError, match=r"audit-anchors\.jsonl:1"):
        verify()


def test_the_anchor_names_count_and_head(settings: Any, tmp_path: Path) -> None:
    settings.AUDIT_ANCHOR_DIR = str(tmp_path)
    events = [record(n) for n in range(1, 4)]
    anchor = audit.anchor_chain(force=True)
    assert anchor is not None
    assert (anchor.event_count, anchor.head_id, anchor.head_hash) == (
        3,
        events[-1].pk,
        events[-1].hash,
    )
    line = json.loads((tmp_path / audit.ANCHOR_FILE_NAME).read_text().splitlines()[-1])
    assert line["head_hash"] == events[-1].hash and line["event_count"] == 3


def test_the_sweep_anchors_once_a_day(settings: Any, tmp_path: Path) -> None:
    settings.AUDIT_ANCHOR_DIR = ""
    record(1)
    assert run_sweeps()["audit_anchored"] == 1
    record(2)
    assert run_sweeps()["audit_anchored"] == 0  # not due yet
    assert AuditAnchor.objects.count() == 1
    with connection.cursor() as cursor:  # a day later (the trigger refuses UPDATE: go around)
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_anchor_no_update")
        else:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE audit_auditanchor SET at = %s", [timezone.now() - timedelta(hours=25)]
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")
    assert run_sweeps()["audit_anchored"] == 1
    assert list(AuditAnchor.objects.values_list("event_count", flat=True)) == [1, 2]


def test_anchors_are_append_only() -> None:
    record(1)
    anchor = audit.anchor_chain(force=True)
    assert anchor is not None
    with pytest.raises(AuditLogIsAppendOnly):
        anchor.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditAnchor.objects.filter(pk=anchor.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditAnchor.objects.filter(pk=anchor.pk).update(event_count=0)


def test_an_empty_log_anchors_and_verifies() -> None:
    audit.anchor_chain(force=True)
    assert "0 events, 1 anchors match" in verify()


def test_a_changed_anchored_head_is_found(settings: Any, tmp_path: Path) -> None:
    settings.AUDIT_ANCHOR_DIR = str(tmp_path)
    record(1)
    audit.anchor_chain(force=True)
    path = tmp_path / audit.ANCHOR_FILE_NAME
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "head_hash": "f" * 64}) + "\n")
    with pytest.raises(CommandError, match="has another hash"):
        verify()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cut_tail_fails_verify_audit_on_postgresql_in_committed_data(
    settings: Any, tmp_path: Path
) -> None:
    """The same on committed rows: the superuser's delete in its own transaction."""
    settings.AUDIT_ANCHOR_DIR = str(tmp_path)
    events = [record(n) for n in range(1, 4)]
    audit.anchor_chain(force=True)
    with transaction.atomic():
        delete_bypassing_triggers("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    with pytest.raises(CommandError, match="is missing"):
        verify()
