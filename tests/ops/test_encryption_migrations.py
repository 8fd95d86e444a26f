"""The migrations that encrypt the interagency thread, the reason a protocol was switched,
an emailing reporter's address and the chat drafts encrypt the rows written before them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from qamqor.cases.models import CaseMessage
from qamqor.chatbot.models import Conversation, chat_ref
from qamqor.mailbox.models import InboundMail
from qamqor.ops import fields
from qamqor.protocols.models import ProtocolRun
from tests.factories import World, register_case

BEFORE = [
    ("cases", "0007_event_note"),
    ("chatbot", "0001_initial"),
    ("mailbox", "0001_initial"),
    ("protocols", "0004_encrypted_outputs_and_notice_texts"),
]
THREAD = "Old thread message: Aigerim is afraid to go home"
SWITCH = "Old switch reason: her stepfather hits her"
SENDER = "old.sender@mail.test.qamqor.invalid"
DRAFT = {"narrative": "Old draft: Dana is beaten at home", "anonymous": False}


def raw(table: str, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 - fixed names
        return str(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_rows_written_in_clear_before_are_encrypted_by_the_migrations(world: World) -> None:
    case = register_case(world)
    CaseMessage.objects.create(
        case=case, author=world.coordinator_a, organisation=world.a.school, body="x"
    )
    InboundMail.objects.create(message_key="m", report=case.reports.get(), sender="x@y.kz")
    Conversation.objects.create(chat_id="1")
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        old.get_model("cases", "CaseMessage").objects.update(body=THREAD)
        old.get_model("protocols", "ProtocolRun").objects.update(end_reason=SWITCH)
        old.get_model("mailbox", "InboundMail").objects.update(sender=SENDER)
        old.get_model("chatbot", "Conversation").objects.update(draft=DRAFT)
        assert raw("cases_casemessage", "body") == THREAD  # in clear before
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    for table, column in [
        ("cases_casemessage", "body"),
        ("protocols_protocolrun", "end_reason"),
        ("mailbox_inboundmail", "sender"),
        ("chatbot_conversation", "draft"),
    ]:
        assert raw(table, column).startswith(fields.TOKEN_PREFIX), table
    assert CaseMessage.objects.get().body == THREAD
    assert ProtocolRun.objects.get().end_reason == SWITCH
    assert InboundMail.objects.get().sender == SENDER
    assert Conversation.objects.get().draft == DRAFT


@pytest.mark.django_db(transaction=True)
def test_chat_ids_written_in_clear_are_encrypted_and_found_by_their_blind_index(
    world: World,
) -> None:
    """A Telegram chat id leads to a person's account: the migration encrypts the ids kept
    before, gives each conversation its blind index, and renames the chat's reports'
    idempotency keys after that hash."""
    report = register_case(world).reports.get()
    before = [("chatbot", "0002_encrypted_drafts"), ("intake", "0006_encrypted_files")]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        old.get_model("chatbot", "Conversation").objects.create(chat_id="5550001")
        old.get_model("intake", "Report").objects.filter(pk=report.pk).update(
            idempotency_key="telegram:5550001:77"
        )
        assert raw("chatbot_conversation", "chat_id") == "5550001"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert raw("chatbot_conversation", "chat_id").startswith(fields.TOKEN_PREFIX)
    conversation = Conversation.objects.of_chat("5550001").get()
    assert conversation.chat_id == "5550001"
    assert conversation.chat_ref == chat_ref("5550001") != ""
    report.refresh_from_db()
    assert report.idempotency_key == f"telegram:{chat_ref('5550001')[:16]}:77"
