"""Appeals moved out of ``care`` without touching their rows: an appeal written while the
model was ``care.Appeal`` is read, decrypted, through ``appeals.Appeal`` after the move,
and back again when the move is undone."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("appeals", None), ("care", "0004_encrypted_files")]
AFTER = [("appeals", "0001_initial"), ("care", "0005_appeals_move_to_their_app")]
CARE_BEFORE = [("care", "0004_encrypted_files")]
TEXT = "Every week I am told to substitute absent teachers, so consultations are cancelled."


def migrate(targets: Sequence[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(list(targets))
    return MigrationExecutor(connection)


def test_an_appeal_written_before_the_move_is_read_after_it() -> None:
    try:
        old_state = migrate(BEFORE).loader.project_state(CARE_BEFORE)
        old_appeal = old_state.apps.get_model("care", "Appeal")
        old_appeal.objects.create(
            category="workload", text=TEXT, week="2026-11-30", followup_code_hash="h" * 64
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT text FROM care_appeal")
            assert cursor.fetchone()[0] != TEXT  # encrypted at rest before the move

        new_state = migrate(AFTER).loader.project_state(AFTER)
        assert "appeal" not in {m for (app, m) in new_state.models if app == "care"}
        moved = new_state.apps.get_model("appeals", "Appeal")
        assert moved._meta.db_table == "care_appeal"
        assert moved.objects.get().text == TEXT

        again = migrate(BEFORE).loader.project_state(CARE_BEFORE)
        assert again.apps.get_model("care", "Appeal").objects.get().text == TEXT
    finally:
        migrate(AFTER)
