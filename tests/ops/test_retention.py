"""Retention periods (docs/security.md): with the clock moved on, closed cases are pseudonymised
with their statistics kept, threads and transcripts expire, attachments go with their
case, a dry run changes nothing, and the real run audits each record it changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from qamqor.audit.models import AuditEvent
from qamqor.audit.services import verify_chain
from qamqor.cases import services as case_services
from qamqor.cases.models import Case, CaseEvent, CaseMessage, Child, LegalRepresentative
from qamqor.chatbot.models import Conversation
from qamqor.errors import InvalidInput
from qamqor.intake import services as intake_services
from qamqor.intake.models import Report, ReportAttachment, ReporterMessage
from qamqor.mailbox.models import InboundMail
from qamqor.notify.models import Notification
from qamqor.ops import retention
from qamqor.prevention.models import IndividualPlan
from qamqor.protocols.models import ProtocolRun
from tests import pdfs
from tests.factories import REPORT_DATA, World, complete_open_steps, register_case

YEAR = timedelta(days=366)


@pytest.fixture
def periods(settings) -> None:
    settings.RETENTION_CLOSED_CASE_YEARS = 5
    settings.RETENTION_DISMISSED_REPORT_DAYS = 365
    settings.RETENTION_TRANSCRIPT_DAYS = 180
    settings.RETENTION_CHAT_DRAFT_DAYS = 30
    settings.FOLLOWUP_EXPIRY_DAYS = 90


def closed_case_with_everything(world: World) -> tuple[Case, str]:
    """A case whose report has an attachment, a follow-up thread, a chat and received mail,
    whose child has a name and a legal representative; closed through the services."""
    submitted = intake_services.submit_report(
        school=world.a.school,
        data={
            **REPORT_DATA,
            "reporter_name": "Aliya Nurlanovna",
            "reporter_contact": "+77011234567",
        },
        attachments=[_pdf()],
    )
    report = submitted.report
    intake_services.post_reporter_message(report=report, body="He is still waiting after class")
    Conversation.objects.create(chat_id="4242", report=report)
    InboundMail.objects.create(
        message_key="m1", report=report, sender="parent@example.kz", mailbox="report@x.kz"
    )
    case = case_services.register_case(
        report=report,
        actor=world.coordinator_a,
        classification={
            "setting": "school",
            "forms": ["physical"],
            "risk_level": "medium",
            "summary": "Aigerim, 7B, pushed by older pupils at the gate",
        },
    )
    child = Child.objects.create(
        code="C-RET-1",
        region=world.a.region,
        school=world.a.school,
        full_name="Aigerim Serikova",
        birth_date=timezone.now().date() - timedelta(days=13 * 365),
    )
    LegalRepresentative.objects.create(
        child=child, full_name="Serik Serikov", relationship="father", phone="+77017654321"
    )
    Case.objects.filter(pk=case.pk).update(child=child, child_age=13, child_sex="girl")
    complete_open_steps(world, case)
    case_services.close_case(case=case, actor=world.coordinator_a, outcome="resolved")
    return Case.objects.get(pk=case.pk), submitted.followup_code


def _pdf():
    from qamqor.files import check_content

    return check_content("evidence.pdf", pdfs.clean_pdf(), field="attachments", limit=10**7)


def test_nothing_goes_before_its_time(world: World, periods: None) -> None:
    case, code = closed_case_with_everything(world)
    result = retention.run()
    assert (result.closed_cases, result.transcripts, result.dismissed_reports) == ([], [], [])
    assert intake_services.report_for_code(code).case_id == case.pk


def test_dry_run_lists_and_changes_nothing(world: World, periods: None) -> None:
    case, _ = closed_case_with_everything(world)
    events = AuditEvent.objects.count()
    messages = ReporterMessage.objects.count()
    with time_machine.travel(timezone.now() + 6 * YEAR):
        call_command("retention", "run", "--dry-run")
        result = retention.run(dry_run=True)
    assert result.closed_cases == [case.number]
    assert Case.objects.get(pk=case.pk).summary.startswith("Aigerim")
    assert ReportAttachment.objects.count() == 1
    assert ReporterMessage.objects.count() == messages > 0
    assert AuditEvent.objects.count() == events


def test_a_closed_case_is_pseudonymised_after_its_period_statistics_kept(
    world: World, periods: None
) -> None:
    case, code = closed_case_with_everything(world)
    with time_machine.travel(timezone.now() + 6 * YEAR):
        result = retention.run()
    assert result.closed_cases == [case.number]

    case.refresh_from_db()
    assert case.summary == retention.REMOVED and case.outcome_note == ""
    # what the statistics count stays
    assert (case.status, case.outcome, case.child_age, case.child_sex) == (
        "closed",
        "resolved",
        13,
        "girl",
    )
    assert list(case.forms.values_list("code", flat=True)) == ["physical"]
    report = Report.objects.get(case=case)
    assert report.narrative == retention.REMOVED
    assert (report.reporter_name, report.reporter_contact) == ("", "")
    assert report.followup_code_hash.startswith(retention.RETIRED_PREFIX)
    child = Child.objects.get(code="C-RET-1")
    assert (child.full_name, child.birth_date) == ("", None)
    representative = LegalRepresentative.objects.get(child=child)
    assert (representative.full_name, representative.phone) == (retention.REMOVED, "")
    # attachments go with their case; threads, chats and mail records too
    assert ReportAttachment.objects.count() == 0
    assert ReporterMessage.objects.count() == 0
    assert Conversation.objects.count() == 0 and InboundMail.objects.count() == 0
    with pytest.raises(InvalidInput):
        intake_services.report_for_code(code)

    # audited: one event naming the case, the chain still intact
    event = AuditEvent.objects.get(action="retention.pseudonymise_case")
    assert event.object_id == case.number
    assert event.changes["attachments_deleted"] == 1
    assert event.changes["child_identity_removed"] is True
    assert verify_chain().intact

    # a second run finds nothing more
    with time_machine.travel(timezone.now() + 6 * YEAR):
        again = retention.run()
    assert again.closed_cases == [] and again.transcripts == []


def test_transcripts_expire_before_the_case_is_pseudonymised(world: World, periods: None) -> None:
    case, _ = closed_case_with_everything(world)
    with time_machine.travel(timezone.now() + timedelta(days=200)):
        result = retention.run()
    assert result.closed_cases == []
    assert result.transcripts == [str(Report.objects.get(case=case).public_id)]
    assert ReporterMessage.objects.count() == 0 and Conversation.objects.count() == 0
    assert InboundMail.objects.count() == 0
    # the case itself and its attachment are still there
    assert Case.objects.get(pk=case.pk).summary.startswith("Aigerim")
    assert ReportAttachment.objects.count() == 1
    assert AuditEvent.objects.filter(action="retention.expire_transcripts").count() == 1


def test_a_child_with_a_younger_case_keeps_the_name(world: World, periods: None) -> None:
    case, _ = closed_case_with_everything(world)
    with time_machine.travel(timezone.now() + 4 * YEAR):
        newer = register_case(world)
        Case.objects.filter(pk=newer.pk).update(child=case.child)
    with time_machine.travel(timezone.now() + 6 * YEAR):
        retention.run()
    assert Case.objects.get(pk=case.pk).summary == retention.REMOVED
    assert Child.objects.get(code="C-RET-1").full_name == "Aigerim Serikova"


def test_dismissed_reports_and_chat_drafts(world: World, periods: None) -> None:
    report = intake_services.submit_report(school=world.a.school, data=REPORT_DATA).report
    intake_services.dismiss_report(report=report, actor=world.coordinator_a, reason="a test")
    Conversation.objects.create(chat_id="99", report=None)
    with time_machine.travel(timezone.now() + timedelta(days=40)):
        result = retention.run()
    assert result.chat_drafts == 1 and result.dismissed_reports == []
    assert Conversation.objects.count() == 0
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        result = retention.run()
    assert result.dismissed_reports == [str(report.public_id)]
    report.refresh_from_db()
    assert report.narrative == retention.REMOVED and report.dismissal_reason == retention.REMOVED
    assert AuditEvent.objects.filter(
        action="retention.pseudonymise_report", object_id=str(report.public_id)
    ).exists()


def _outbox_copy(key: str, **extra: object) -> Notification:
    return Notification.objects.create(
        channel="email",
        recipient_address="serik.serikov@mail.test.qamqor.invalid",
        subject="Aigerim Serikova: the case",
        body="Dear Serik, Aigerim was hurt at school",
        texts={"ru": ["Aigerim Serikova", "Aigerim was hurt"]},
        template="representative_notice",
        dedupe_key=key,
        status=Notification.Status.SENT,
        last_error="550 serik.serikov@mail.test.qamqor.invalid unknown",
        **extra,
    )


def _expired(notification: Notification) -> bool:
    notification.refresh_from_db()
    return (
        notification.subject == notification.body == retention.REMOVED
        and (notification.recipient_address, notification.recipient_ref) == ("", "")
        and notification.texts == {}
        and notification.last_error == ""
    )


def test_a_closed_case_loses_its_thread_reasons_notes_plans_and_notifications(
    world: World, periods: None
) -> None:
    case, _ = closed_case_with_everything(world)
    CaseMessage.objects.create(
        case=case, author=world.coordinator_a, organisation=world.a.school, body="Aigerim cried"
    )
    ProtocolRun.objects.filter(case=case).update(end_reason="Her stepfather hits Aigerim")
    CaseEvent.objects.filter(case=case).update(note="Aigerim's mother asked us to wait")
    IndividualPlan.objects.create(
        case=case,
        party="initiator",
        child_label="Timur Aliev, 8A",
        measures="Talks with Timur's parents every week",
        responsible="School psychologist",
        review_on=timezone.now().date(),
        created_by=world.coordinator_a,
        updated_by=world.coordinator_a,
    )
    mine = _outbox_copy("case-copy", case=case)
    with time_machine.travel(timezone.now() + 6 * YEAR):
        retention.run()
    assert set(CaseMessage.objects.values_list("body", flat=True)) == {retention.REMOVED}
    assert set(ProtocolRun.objects.values_list("end_reason", flat=True)) == {retention.REMOVED}
    assert not any("Aigerim" in note for note in CaseEvent.objects.values_list("note", flat=True))
    plan = IndividualPlan.objects.get()
    assert (plan.child_label, plan.measures, plan.party) == ("", retention.REMOVED, "initiator")
    assert _expired(mine)
    event = AuditEvent.objects.get(action="retention.pseudonymise_case")
    assert event.changes["thread_messages"] == 1 and event.changes["individual_plans"] == 1
    assert event.changes["switch_reasons"] == 1 and event.changes["notifications"] >= 1


def test_the_outbox_keeps_its_copies_for_the_transcript_period_only(
    world: World, periods: None
) -> None:
    sent = _outbox_copy("sent-copy")
    waiting = _outbox_copy("waiting-copy")
    Notification.objects.filter(pk=waiting.pk).update(status=Notification.Status.PENDING)
    with time_machine.travel(timezone.now() + timedelta(days=170)):
        assert retention.run().notifications == 0
    with time_machine.travel(timezone.now() + timedelta(days=190)):
        assert retention.run(dry_run=True).notifications == 1
        assert not _expired(sent)
        result = retention.run()
        again = retention.run()
    assert result.notifications == 1 and again.notifications == 0
    assert _expired(sent)
    assert not _expired(waiting)  # a worker may still deliver it
    assert sent.status == Notification.Status.SENT and sent.dedupe_key == "sent-copy"
    event = AuditEvent.objects.get(action="retention.expire_notifications")
    assert event.changes["ids"] == [sent.pk]
    assert verify_chain().intact


def test_a_new_report_left_unfinished_in_a_chat_loses_its_draft(
    world: World, periods: None
) -> None:
    report = intake_services.submit_report(school=world.a.school, data=REPORT_DATA).report
    Conversation.objects.create(
        chat_id="4343",
        report=report,
        state=Conversation.State.NAME,
        draft={"narrative": "Dana Oralova is beaten at home", "anonymous": False},
    )
    Conversation.objects.create(chat_id="4444", report=report, state=Conversation.State.DONE)
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        assert retention.run().chat_drafts_cleared == 0
    with time_machine.travel(timezone.now() + timedelta(days=40)):
        result = retention.run()
    assert result.chat_drafts_cleared == 1 and result.chat_drafts == 0
    left = Conversation.objects.of_chat("4343").get()
    assert (left.draft, left.state, left.report_id) == ({}, "done", report.pk)
    event = AuditEvent.objects.get(action="retention.delete_chat_drafts")
    assert event.changes["drafts_cleared"] == 1 and event.changes["deleted"] == 0
