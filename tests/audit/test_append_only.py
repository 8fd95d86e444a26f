"""The audit log is append-only in the application and in the database, and hash-chained.

Runs on SQLite and on PostgreSQL: both have the trigger from audit migration 0002.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from qamqor.audit import services as audit
from qamqor.audit.models import AuditEvent, AuditLogIsAppendOnly

pytestmark = pytest.mark.django_db


def record(n: int) -> AuditEvent:
    return audit.record(
        actor=None, action="case.view", object_type="case", object_id=f"KZ-75-2026-{n:06d}"
    )


@pytest.fixture
def events() -> list[AuditEvent]:
    return [record(n) for n in range(1, 4)]


def raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_orm_refuses_to_change_or_delete_an_event(events: list[AuditEvent]) -> None:
    event = events[0]
    event.action = "case.close"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "case.view"


@pytest.mark.parametrize(
    "change",
    [
        lambda pk: AuditEvent.objects.filter(pk=pk).update(action="case.close"),
        lambda pk: AuditEvent.objects.filter(pk=pk).delete(),
    ],
    ids=["queryset-update", "queryset-delete"],
)
def test_bulk_queries_are_refused_by_the_database(
    events: list[AuditEvent], change: Callable[[int], object]
) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change(events[1].pk)
    assert AuditEvent.objects.count() == 3


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET actor_label = 'someone else' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_raw_sql_is_refused_by_the_trigger(events: list[AuditEvent], sql: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql, [events[1].pk])
    unchanged = AuditEvent.objects.get(pk=events[1].pk)
    assert unchanged.actor_label == "anonymous"
    assert unchanged.hash == events[1].hash


def drop_update_trigger() -> None:
    """What someone with database rights could do; rolled back with the test's transaction."""
    if connection.vendor == "postgresql":
        raw("DROP TRIGGER audit_event_append_only ON audit_auditevent", [])
    else:
        raw("DROP TRIGGER audit_event_no_update", [])


def test_verify_chain_finds_an_edited_event(events: list[AuditEvent]) -> None:
    check = audit.verify_chain()
    assert check.intact
    assert check.checked == AuditEvent.objects.count()

    drop_update_trigger()
    raw(
        "UPDATE audit_auditevent SET object_id = %s WHERE id = %s",
        ["KZ-75-2026-999999", events[1].pk],
    )

    check = audit.verify_chain()
    assert not check.intact
    assert check.first_broken_id == events[1].pk


def test_verify_chain_finds_a_removed_event(events: list[AuditEvent]) -> None:
    if connection.vendor == "postgresql":
        raw("DROP TRIGGER audit_event_append_only ON audit_auditevent", [])
    else:
        raw("DROP TRIGGER audit_event_no_delete", [])
    raw("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])

    assert audit.verify_chain().first_broken_id == events[2].pk
