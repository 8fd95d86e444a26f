"""Encryption at rest (docs/security.md): narratives, notes, names and contacts are Fernet tokens
in the database, plain strings in Python; keys rotate; a dump shows no plaintext."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from qamqor.cases.models import Case, Child, LegalRepresentative
from qamqor.intake import services as intake_services
from qamqor.intake.models import Report
from qamqor.ops import fields
from tests.factories import REPORT_DATA, World, register_case

SECRET_NARRATIVE = "Aigerim Serikova is hit at home by her stepfather"
SECRET_NAME = "Serik Zhumabekov"
SECRET_PHONE = "+77019998877"
SECRET_THREAD = "Thread: Aigerim's stepfather waits at the school gate"
SECRET_SWITCH = "Switched: the stepfather hits Aigerim at home"
SECRET_SENDER = "serik.zhumabekov@mail.test.qamqor.invalid"
SECRET_DRAFT = "Draft: my classmate Dana Oralova is beaten at home"


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def make_records(world: World) -> tuple[Report, Case, Child, LegalRepresentative]:
    report = intake_services.submit_report(
        school=world.a.school,
        data={
            **REPORT_DATA,
            "narrative": SECRET_NARRATIVE,
            "reporter_name": SECRET_NAME,
            "reporter_contact": SECRET_PHONE,
        },
    ).report
    case = register_case(world, summary=SECRET_NARRATIVE)
    child = Child.objects.create(
        code="C-ENC-1", region=world.a.region, full_name="Aigerim Serikova"
    )
    representative = LegalRepresentative.objects.create(
        child=child, full_name=SECRET_NAME, relationship="father", phone=SECRET_PHONE
    )
    make_copies(world, case)
    return report, case, child, representative


def make_copies(world: World, case: Case) -> None:
    """The interagency thread, the reason a protocol was switched, an emailing reporter's
    address and an unfinished chat: copies of personal data outside the case's own fields."""
    from qamqor.cases.thread import post_message
    from qamqor.chatbot.models import Conversation
    from qamqor.mailbox.models import InboundMail
    from qamqor.protocols.models import ProtocolRun

    post_message(case=case, author=world.coordinator_a, body=SECRET_THREAD)
    ProtocolRun.objects.filter(case=case).update(end_reason=SECRET_SWITCH)
    InboundMail.objects.create(
        message_key="enc-1", report=case.reports.get(), sender=SECRET_SENDER, mailbox="report@x"
    )
    Conversation.objects.create(
        chat_id="777", state="name", draft={"narrative": SECRET_DRAFT, "anonymous": False}
    )


COPIES = [
    ("cases_casemessage", "body", SECRET_THREAD),
    ("protocols_protocolrun", "end_reason", SECRET_SWITCH),
    ("mailbox_inboundmail", "sender", SECRET_SENDER),
    ("chatbot_conversation", "draft", SECRET_DRAFT),
]


def test_the_thread_the_switch_reason_the_sender_and_the_chat_draft_are_tokens(
    world: World,
) -> None:
    from qamqor.cases.models import CaseMessage
    from qamqor.chatbot.models import Conversation
    from qamqor.mailbox.models import InboundMail
    from qamqor.protocols.models import ProtocolRun

    make_records(world)
    with connection.cursor() as cursor:
        for table, column, secret in COPIES:
            cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 - fixed names
            stored = [str(row[0]) for row in cursor.fetchall()]
            assert any(value.startswith(fields.TOKEN_PREFIX) for value in stored), table
            assert not any(secret in value for value in stored), table
    assert CaseMessage.objects.get().body == SECRET_THREAD
    assert ProtocolRun.objects.get().end_reason == SECRET_SWITCH
    assert InboundMail.objects.get().sender == SECRET_SENDER
    assert Conversation.objects.get().draft["narrative"] == SECRET_DRAFT


def test_the_database_holds_tokens_python_sees_text(world: World) -> None:
    report, case, child, representative = make_records(world)
    stored = raw("intake_report", "narrative", report.pk)
    assert stored.startswith(fields.TOKEN_PREFIX)
    assert SECRET_NARRATIVE not in stored
    assert Report.objects.get(pk=report.pk).narrative == SECRET_NARRATIVE
    assert SECRET_NAME not in raw("intake_report", "reporter_name", report.pk)
    assert SECRET_NARRATIVE not in raw("cases_case", "summary", case.pk)
    assert "Aigerim" not in raw("cases_child", "full_name", child.pk)
    for column in ("full_name", "phone"):
        assert raw("cases_legalrepresentative", column, representative.pk).startswith(
            fields.TOKEN_PREFIX
        )
    assert LegalRepresentative.objects.get(pk=representative.pk).phone == SECRET_PHONE
    # "not given" stays visible to SQL; the retention marker too
    assert raw("intake_report", "dismissal_reason", report.pk) == ""
    Case.objects.filter(pk=case.pk).update(summary=fields.REMOVED)
    assert Case.objects.filter(summary=fields.REMOVED).count() == 1


def test_key_rotation_moves_every_field_to_the_new_key(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = Fernet.generate_key().decode()
    monkeypatch.setenv("QAMQOR_DATA_KEYS", old)
    report, *_ = make_records(world)
    new = Fernet.generate_key().decode()
    monkeypatch.setenv("QAMQOR_DATA_KEYS", f"{new},{old}")
    assert Report.objects.get(pk=report.pk).narrative == SECRET_NARRATIVE  # old still reads
    call_command("keys", "rotate-fields")
    monkeypatch.setenv("QAMQOR_DATA_KEYS", new)  # the old key is gone
    assert Report.objects.get(pk=report.pk).narrative == SECRET_NARRATIVE
    assert LegalRepresentative.objects.get().full_name == SECRET_NAME
    # and without the new key the data cannot be read at all
    monkeypatch.setenv("QAMQOR_DATA_KEYS", old)
    with pytest.raises(Exception, match="does not decrypt"):
        Report.objects.get(pk=report.pk)


def test_plaintext_written_before_encryption_is_read_and_then_encrypted(world: World) -> None:
    report, *_ = make_records(world)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE intake_report SET narrative = %s WHERE id = %s", ["old plain text", report.pk]
        )
    assert Report.objects.get(pk=report.pk).narrative == "old plain text"
    call_command("keys", "rotate-fields")
    assert raw("intake_report", "narrative", report.pk).startswith(fields.TOKEN_PREFIX)
    assert Report.objects.get(pk=report.pk).narrative == "old plain text"


def test_blind_index_matches_the_same_value_only() -> None:
    one = fields.blind_index("+7 701 999 88 77", purpose="phone")
    assert one == fields.blind_index("+77019998877", purpose="phone")
    assert one != fields.blind_index("+77019998878", purpose="phone")
    assert one != fields.blind_index("+77019998877", purpose="email")
    assert fields.blind_index("  ", purpose="phone") == ""


@pytest.mark.postgres
def test_a_database_dump_shows_no_plaintext(
    transactional_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.conf import settings

    from qamqor.ops.backup import _pg_environment, pg_binary
    from tests.factories import build_world

    make_records(build_world())
    database = dict(settings.DATABASES["default"])
    database["NAME"] = connection.settings_dict["NAME"]
    dump = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [pg_binary("pg_dump"), "--format=plain", "--data-only"],
        env=_pg_environment(database),
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    assert b"gAAAAA" in dump  # the tokens are there
    secrets = [SECRET_NARRATIVE, SECRET_NAME, SECRET_PHONE, "Aigerim Serikova"]
    secrets += [secret for _table, _column, secret in COPIES]
    for secret in secrets:
        assert secret.encode() not in dump, secret


def test_production_without_data_keys_fails_the_deploy_check(
    settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qamqor.ops.checks import data_keys_configured

    monkeypatch.delenv("QAMQOR_DATA_KEYS", raising=False)
    monkeypatch.delenv("QAMQOR_DATA_KEYS_FILE", raising=False)
    settings.PRODUCTION = True
    assert [message.id for message in data_keys_configured()] == ["ops.E001"]
    with pytest.raises(Exception, match="no data key"):
        fields.encrypt("a name")  # never the development key in production
    monkeypatch.setenv("QAMQOR_DATA_KEYS", Fernet.generate_key().decode())
    assert data_keys_configured() == []


def test_stored_files_are_encrypted_and_read_back_whole(world: World) -> None:
    """Letters, consent forms and report photos are kept in the database as tokens."""
    from qamqor.intake.models import ReportAttachment

    report, *_ = make_records(world)
    letter = b"%PDF-1.7\n" + f"Letter about {SECRET_NAME}".encode() + b"\n%%EOF"
    attachment = ReportAttachment.objects.create(
        report=report,
        file_name="letter.pdf",
        content_type="application/pdf",
        size=len(letter),
        sha256="0" * 64,
        content=letter,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM intake_reportattachment WHERE id = %s", [attachment.pk])
        stored = bytes(cursor.fetchone()[0])
    assert stored.startswith(fields.TOKEN_PREFIX.encode())
    assert SECRET_NAME.encode() not in stored
    assert ReportAttachment.objects.get(pk=attachment.pk).content == letter
    # a file stored before encryption is read as it is, and encrypted by rotate-fields
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE intake_reportattachment SET content = %s WHERE id = %s",
            [letter, attachment.pk],
        )
    assert ReportAttachment.objects.get(pk=attachment.pk).content == letter
    call_command("keys", "rotate-fields")
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM intake_reportattachment WHERE id = %s", [attachment.pk])
        assert bytes(cursor.fetchone()[0]).startswith(fields.TOKEN_PREFIX.encode())
