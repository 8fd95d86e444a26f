"""Retention: what is kept how long after a matter ends (docs/security.md, "Retention").

Personal data is kept only as long as the work needs it (Law No. 94-V on personal data,
Art. 12; brief 1.4.1 on confidentiality); the counts the statistics and the public report
are made of (region, school, dates, forms of violence, age band, sex, outcome) are kept.
Each rule has its own period, set in the environment (settings ``RETENTION_*``):

``closed_cases``      a case closed more than ``RETENTION_CLOSED_CASE_YEARS`` ago is
                      pseudonymised: its summary and outcome note, its reports' narratives
                      and reporters' names and contacts are replaced, attachments,
                      follow-up threads, chat and mail records deleted, the follow-up code
                      retired; the interagency thread's messages, the reasons its
                      protocol was switched, its event notes and its individual plans'
                      names and measures replaced; the child's name and birth date and the
                      legal representatives' names and contacts are removed once no case
                      of the child is younger than the period.
``dismissed_reports`` a report dismissed (or closed as untrue) more than
                      ``RETENTION_DISMISSED_REPORT_DAYS`` ago: the same for the report.
``transcripts``       ``RETENTION_TRANSCRIPT_DAYS`` after a matter ended: the reporter's
                      follow-up thread, the Telegram conversation and the received mail's
                      sender are deleted and the follow-up code retired (it can never open
                      the report again).
``chat_drafts``       an unfinished Telegram conversation (no report) untouched for
                      ``RETENTION_CHAT_DRAFT_DAYS`` is deleted; a new report begun in a
                      chat that already led to one, untouched as long, loses its draft
                      (the chat keeps reaching the first report's thread).
``notifications``     the outbox's copies (address, subject, body, texts, last error) of a
                      notification finished (sent, failed, cancelled, …) and queued more
                      than ``RETENTION_TRANSCRIPT_DAYS`` ago are removed; the row, its
                      status and its de-duplication key stay, so it is never sent again.

``qamqor retention run --dry-run`` lists what would go; the real run does it, one
transaction per record, and writes an audit event for each (``retention.*``). Running it
again changes nothing: pseudonymised records carry the marker and are not picked twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from qamqor.audit.services import record
from qamqor.cases.models import (
    Case,
    CaseEvent,
    CaseMessage,
    CaseRepresentative,
    Child,
    LegalRepresentative,
)
from qamqor.chatbot.models import Conversation
from qamqor.helpline.models import CallCard
from qamqor.intake.models import Report, ReportAttachment, ReporterMessage
from qamqor.mailbox.models import InboundMail
from qamqor.notify.models import Notification
from qamqor.ops import fields
from qamqor.prevention.models import IndividualPlan
from qamqor.protocols.models import ProtocolRun
from qamqor.units import entry_point_in_steps

#: What replaces a narrative, summary or name; stored in clear even in encrypted fields.
REMOVED = fields.REMOVED
#: A retired follow-up code hash starts with this; no code hashes to it.
RETIRED_PREFIX = "retired-"
_ENDED = (Report.Status.DISMISSED, Report.Status.UNTRUE)
#: Notifications no worker will touch again (pending, sending and held ones are left).
_FINISHED = (
    Notification.Status.SENT,
    Notification.Status.FAILED,
    Notification.Status.CANCELLED,
    Notification.Status.UNCONFIRMED,
    Notification.Status.DIGESTED,
)
_BATCH = 500


@dataclass
class RetentionReport:
    """What one run found (and, unless a dry run, did)."""

    now: datetime
    dry_run: bool
    closed_cases: list[str] = field(default_factory=list)  # case numbers
    dismissed_reports: list[str] = field(default_factory=list)  # report public ids
    transcripts: list[str] = field(default_factory=list)  # report public ids
    chat_drafts: int = 0
    chat_drafts_cleared: int = 0
    notifications: int = 0
    children: int = 0
    attachments: int = 0
    messages: int = 0

    def lines(self) -> list[str]:
        verb = "would" if self.dry_run else "did"
        return [
            f"closed cases pseudonymised ({verb}): {len(self.closed_cases)}"
            + (f" — {', '.join(self.closed_cases[:50])}" if self.closed_cases else ""),
            f"dismissed reports pseudonymised ({verb}): {len(self.dismissed_reports)}",
            f"follow-up threads and transcripts expired ({verb}): {len(self.transcripts)}",
            f"unfinished chat conversations deleted ({verb}): {self.chat_drafts}; "
            f"unfinished new reports in chats cleared: {self.chat_drafts_cleared}",
            f"notification copies removed ({verb}): {self.notifications}",
            f"children's names removed: {self.children}; attachments deleted: "
            f"{self.attachments}; reporter messages deleted: {self.messages}",
        ]


def _years(value: int) -> timedelta:
    return timedelta(days=round(365.25 * value))


def due_closed_cases(now: datetime) -> QuerySet[Case]:
    cutoff = now - _years(settings.RETENTION_CLOSED_CASE_YEARS)
    return (
        Case.objects.filter(status=Case.Status.CLOSED, closed_at__lte=cutoff)
        .exclude(summary=REMOVED)
        .order_by("closed_at", "pk")
    )


def due_dismissed_reports(now: datetime) -> QuerySet[Report]:
    cutoff = now - timedelta(days=settings.RETENTION_DISMISSED_REPORT_DAYS)
    return (
        Report.objects.filter(status__in=_ENDED, triaged_at__lte=cutoff)
        .exclude(narrative=REMOVED)
        .order_by("triaged_at", "pk")
    )


def due_transcripts(now: datetime) -> QuerySet[Report]:
    """Reports whose matter ended long enough ago and that still hold a thread, a chat,
    received mail or a working follow-up code."""
    cutoff = now - timedelta(days=settings.RETENTION_TRANSCRIPT_DAYS)
    ended = Q(status__in=_ENDED, triaged_at__lte=cutoff) | Q(
        case__status=Case.Status.CLOSED, case__closed_at__lte=cutoff
    )
    holding = (
        Q(messages__isnull=False)
        | Q(pk__in=Conversation.objects.filter(report__isnull=False).values("report_id"))
        | Q(pk__in=InboundMail.objects.values("report_id"))
        | ~Q(followup_code_hash__startswith=RETIRED_PREFIX)
    )
    return Report.objects.filter(ended).filter(holding).distinct().order_by("pk")


def due_chat_drafts(now: datetime) -> QuerySet[Conversation]:
    cutoff = now - timedelta(days=settings.RETENTION_CHAT_DRAFT_DAYS)
    return Conversation.objects.filter(report__isnull=True, updated_at__lte=cutoff)


def due_chat_drafts_of_reporters(now: datetime) -> QuerySet[Conversation]:
    """Chats that led to a report and then began another one, untouched for the period:
    the draft (encrypted, so not selectable in SQL) goes by the conversation's state."""
    cutoff = now - timedelta(days=settings.RETENTION_CHAT_DRAFT_DAYS)
    return Conversation.objects.filter(report__isnull=False, updated_at__lte=cutoff).exclude(
        state=Conversation.State.DONE
    )


def due_notifications(now: datetime) -> QuerySet[Notification]:
    """Finished notifications queued more than the transcript period ago that still hold
    their copies (``REMOVED`` is stored in clear, so SQL tells the expired ones)."""
    cutoff = now - timedelta(days=settings.RETENTION_TRANSCRIPT_DAYS)
    return (
        Notification.objects.filter(status__in=_FINISHED, created_at__lte=cutoff)
        .exclude(subject=REMOVED)
        .order_by("pk")
    )


@entry_point_in_steps
def run(*, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Apply every rule (or, with ``dry_run``, only list what would go)."""
    now = now or timezone.now()
    result = RetentionReport(now=now, dry_run=dry_run)
    for case in due_closed_cases(now).select_related("child"):
        result.closed_cases.append(case.number)
        if not dry_run:
            _pseudonymise_case(case, now, result)
    for report in due_dismissed_reports(now):
        result.dismissed_reports.append(str(report.public_id))
        if not dry_run:
            with transaction.atomic():
                changes = _pseudonymise_reports([report], result)
                record(
                    actor=None,
                    action="retention.pseudonymise_report",
                    object_type="report",
                    object_id=report.public_id,
                    changes=changes,
                )
    for report in due_transcripts(now):
        result.transcripts.append(str(report.public_id))
        if not dry_run:
            with transaction.atomic():
                changes = _expire_transcripts([report], result)
                record(
                    actor=None,
                    action="retention.expire_transcripts",
                    object_type="report",
                    object_id=report.public_id,
                    changes=changes,
                )
    drafts = due_chat_drafts(now)
    of_reporters = due_chat_drafts_of_reporters(now)
    result.chat_drafts = drafts.count()
    result.chat_drafts_cleared = of_reporters.count()
    if not dry_run and (result.chat_drafts or result.chat_drafts_cleared):
        with transaction.atomic():
            ids = list(drafts.values_list("pk", flat=True))
            Conversation.objects.filter(pk__in=ids).delete()
            cleared = list(of_reporters.values_list("pk", flat=True))
            Conversation.objects.filter(pk__in=cleared).update(
                draft={}, state=Conversation.State.DONE
            )
            record(
                actor=None,
                action="retention.delete_chat_drafts",
                object_type="conversation",
                object_id=len(ids),
                changes={
                    "deleted": len(ids),
                    "drafts_cleared": len(cleared),
                    "older_than_days": settings.RETENTION_CHAT_DRAFT_DAYS,
                },
            )
    _expire_notifications(now, result, dry_run=dry_run)
    return result


def _expire_notifications(now: datetime, result: RetentionReport, *, dry_run: bool) -> None:
    """Remove the outbox's copies in batches, one transaction and audit event each."""
    due = due_notifications(now)
    if dry_run:
        result.notifications = due.count()
        return
    while ids := list(due.values_list("pk", flat=True)[:_BATCH]):
        with transaction.atomic():
            Notification.objects.filter(pk__in=ids).update(
                recipient_address="",
                recipient_ref="",
                subject=REMOVED,
                body=REMOVED,
                texts={},
                last_error="",
            )
            record(
                actor=None,
                action="retention.expire_notifications",
                object_type="notify.Notification",
                object_id=len(ids),
                changes={
                    "ids": ids,
                    "older_than_days": settings.RETENTION_TRANSCRIPT_DAYS,
                },
            )
        result.notifications += len(ids)


def _pseudonymise_case(case: Case, now: datetime, result: RetentionReport) -> None:
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.summary == REMOVED:
            return  # another run got there first
        Case.objects.filter(pk=case.pk).update(summary=REMOVED, outcome_note="")
        reports = list(Report.objects.filter(case=case))
        changes = _pseudonymise_reports(reports, result)
        changes.update(_pseudonymise_case_work(case))
        changes["child_identity_removed"] = _pseudonymise_child(case, now, result)
        record(
            actor=None,
            action="retention.pseudonymise_case",
            object_type="case",
            object_id=case.number,
            changes={
                **changes,
                "closed_at": case.closed_at.isoformat() if case.closed_at else None,
                "period_years": settings.RETENTION_CLOSED_CASE_YEARS,
            },
        )


def _pseudonymise_reports(reports: Iterable[Report], result: RetentionReport) -> dict[str, int]:
    ids = [report.pk for report in reports]
    Report.objects.filter(pk__in=ids).update(
        narrative=REMOVED, reporter_name="", reporter_contact="", channel_ref=""
    )
    Report.objects.filter(pk__in=ids).exclude(dismissal_reason="").update(dismissal_reason=REMOVED)
    CallCard.objects.filter(report_id__in=ids).exclude(narrative="").update(narrative=REMOVED)
    attachments, _ = ReportAttachment.objects.filter(report_id__in=ids).delete()
    result.attachments += attachments
    changes = _expire_transcripts(reports, result)
    return {"reports": len(ids), "attachments_deleted": attachments, **changes}


def _expire_transcripts(reports: Iterable[Report], result: RetentionReport) -> dict[str, int]:
    ids = [report.pk for report in reports]
    messages, _ = ReporterMessage.objects.filter(report_id__in=ids).delete()
    chats, _ = Conversation.objects.filter(report_id__in=ids).delete()
    mails, _ = InboundMail.objects.filter(report_id__in=ids).delete()
    for report_id in (
        Report.objects.filter(pk__in=ids)
        .exclude(followup_code_hash__startswith=RETIRED_PREFIX)
        .values_list("pk", flat=True)
    ):
        retired = RETIRED_PREFIX + secrets.token_hex(28)  # 64 characters, unique
        Report.objects.filter(pk=report_id).update(followup_code_hash=retired)
    result.messages += messages
    return {"messages_deleted": messages, "chats_deleted": chats, "mails_deleted": mails}


def _pseudonymise_case_work(case: Case) -> dict[str, int]:
    """What staff wrote on the case besides its summary: the interagency thread, the reasons
    its protocol was switched, its event notes, its individual plans' names and measures,
    and the outbox's copies of its notifications."""
    return {
        "thread_messages": CaseMessage.objects.filter(case=case).update(body=REMOVED),
        "switch_reasons": ProtocolRun.objects.filter(case=case)
        .exclude(end_reason="")
        .update(end_reason=REMOVED),
        "event_notes": CaseEvent.objects.filter(case=case).exclude(note="").update(note=REMOVED),
        "individual_plans": IndividualPlan.objects.filter(case=case).update(
            child_label="", measures=REMOVED
        ),
        "notifications": Notification.objects.filter(case=case)
        .filter(status__in=_FINISHED)
        .exclude(subject=REMOVED)
        .update(
            recipient_address="",
            recipient_ref="",
            subject=REMOVED,
            body=REMOVED,
            texts={},
            last_error="",
        ),
    }


def _pseudonymise_child(case: Case, now: datetime, result: RetentionReport) -> bool:
    """Remove the child's identity once no case of the child is within the period."""
    child = case.child
    if child is None:
        return False
    cutoff = now - _years(settings.RETENTION_CLOSED_CASE_YEARS)
    younger = (
        Case.objects.filter(child=child)
        .exclude(pk=case.pk)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=cutoff))
    )
    if younger.exists():
        return False
    if child.full_name or child.birth_date:
        Child.objects.filter(pk=child.pk).update(full_name="", birth_date=None)
        result.children += 1
    LegalRepresentative.objects.filter(child=child).update(full_name=REMOVED, phone="", email="")
    # why a representative was not to be contacted may name family matters (1.3.5)
    CaseRepresentative.objects.filter(representative__child=child, do_not_contact=True).update(
        do_not_contact_reason=REMOVED
    )
    return True
