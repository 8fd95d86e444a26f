"""Reject UPDATE and DELETE of audit anchors in the database itself (PostgreSQL and SQLite).

The production grants that keep the application role from disabling these triggers or
writing the anchors' table are in docs/security.md ("Audit anchors").
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_anchor_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit anchors are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_anchor_append_only
    BEFORE UPDATE OR DELETE ON audit_auditanchor
    FOR EACH ROW EXECUTE FUNCTION audit_anchor_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_anchor_append_only ON audit_auditanchor;
DROP FUNCTION IF EXISTS audit_anchor_append_only();
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER audit_anchor_no_{op.lower()} BEFORE {op} ON audit_auditanchor
    BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only'); END;"""
    for op in ("UPDATE", "DELETE")
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS audit_anchor_no_{op}" for op in ("update", "delete")]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_audit_anchor")]
    operations = [migrations.RunPython(forward, backward)]
