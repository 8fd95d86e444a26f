"""Receiving reports: every accepted report is committed before it is acknowledged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import Role, User
from qamqor.audit import services as audit
from qamqor.directory.models import Organisation, OrganisationKind, Region
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.files import CheckedFile
from qamqor.intake import limits
from qamqor.intake.models import Channel, Report, ReportAttachment, ReporterMessage
from qamqor.notify import services as notify
from qamqor.units import entry_point, entry_point_in_steps

#: Sent (after commit) for every message the reporter should receive: a staff answer or a
#: notice from the system. Channels that can reach the reporter (the chatbot, email)
#: connect a receiver: ``reporter_message_sent.connect(fn)``; fn(report=, message=).
reporter_message_sent = Signal()

FOLLOWUP_CODE_LENGTH = 20  # base32 characters: 100 bits


@dataclass(frozen=True)
class Submitted:
    """What the reporter is told: shown once, then only the hash of the code remains."""

    report: Report
    followup_code: str
    created: bool


def _hmac(purpose: str, value: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{value}".encode(), "sha256").digest()


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def followup_code_hash(code: str) -> str:
    return _hmac("followup-hash", normalise_code(code)).hex()


def new_followup_code(idempotency_key: str | None) -> str:
    """A high-entropy follow-up code.

    With an ``Idempotency-Key`` the code is derived from it with the server's secret, so
    a retried submission (whose first answer was lost) can be told the same code
    without the code itself ever being stored (docs/decisions/0002-follow-up-codes.md).
    """
    raw = _hmac("followup-code", idempotency_key) if idempotency_key else secrets.token_bytes(16)
    return format_code(base64.b32encode(raw).decode()[:FOLLOWUP_CODE_LENGTH])


def _fingerprint(school_code: str, data: dict[str, Any]) -> str:
    canonical = json.dumps({"school": school_code, **data}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_school(code: str) -> Organisation | None:
    return (
        Organisation.objects.filter(code=code, kind=OrganisationKind.SCHOOL)
        .select_related("region")
        .first()
    )


def channel_ref(channel: str, identifier: str) -> str:
    """A keyed hash of a channel identifier (chat id, email address, phone number): repeat
    contacts can be recognised without storing the identifier itself."""
    if not identifier:
        return ""
    return _hmac("channel-ref", f"{channel}:{identifier.strip().lower()}").hex()[:32]


@entry_point_in_steps
def submit_report(
    *,
    data: dict[str, Any],
    school: Organisation | None = None,
    region: Region | None = None,
    channel: str = Channel.WEB_FORM,
    received_by: Organisation | None = None,
    language: str = "ru",
    idempotency_key: str | None = None,
    channel_identifier: str = "",
    taken_by: User | None = None,
    attachments: Sequence[CheckedFile] = (),
    already_told: Sequence[Organisation] = (),
) -> Submitted:
    """Store a report from validated form data (``intake.forms.ReportForm``).

    A report names the child's ``school`` when it is known (the QR code and the school's
    form always do); otherwise its ``region`` (a regional mailbox, the 111 line, a chatbot
    conversation that did not name a school). ``received_by`` is the organisation that took
    it (default: the school). ``channel_identifier`` (a chat id, a sender's address) is kept
    only as a keyed hash, to show repeat contacts. ``taken_by`` is the staff member who
    entered a report on someone's behalf (an oral report, a message box, a call).
    ``attachments`` are files already checked (``intake.attachments.check_bytes`` or
    ``check_uploads``). A report of a child in danger now, or one that says the child may
    hurt themselves, raises a life-safety alert at once (``intake.alerts``);
    ``already_told`` are responders the channel itself alerted a moment before (the 111
    card's "in danger now" button), who are not sent the first round again.

    A repeated ``idempotency_key`` with the same content returns the first report and
    creates nothing; with different content it is refused.
    """
    if idempotency_key is not None and not (1 <= len(idempotency_key) <= 100):
        raise InvalidInput.on("Idempotency-Key", _("The key must be 1 to 100 characters long."))
    if school is not None:
        if school.region is None:
            raise InvalidInput.on("school", _("This school is not attached to a region."))
        region = school.region
    if region is None:
        raise InvalidInput.on("school", _("Say which school or region the report concerns."))
    receiver = received_by or school
    if receiver is None:
        raise InvalidInput.on("received_by", _("Say which organisation received the report."))
    fingerprint = _fingerprint(school.code if school else region.code, data)
    if idempotency_key:
        existing = Report.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replay(existing, idempotency_key, fingerprint)
    if channel_identifier:
        limits.hit(
            "channel",
            channel_ref(channel, channel_identifier),
            limit=settings.REPORT_RATE_PER_HOUR,
            field="channel_identifier",
        )
    code = new_followup_code(idempotency_key)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                channel=channel,
                region=region,
                school=school,
                received_by=receiver,
                narrative=data["narrative"],
                forms=sorted(set(data.get("forms") or [])),
                setting=data.get("setting") or "unknown",
                in_danger_now=bool(data.get("in_danger_now")),
                self_harm_risk=bool(data.get("self_harm_risk")),
                anonymous=bool(data.get("anonymous")),
                reporter_role=data.get("reporter_role") or "child",
                reporter_name=data.get("reporter_name") or "",
                reporter_contact=data.get("reporter_contact") or "",
                language=language,
                followup_code_hash=followup_code_hash(code),
                idempotency_key=idempotency_key,
                idempotency_fingerprint=fingerprint if idempotency_key else "",
                channel_ref=channel_ref(channel, channel_identifier),
                taken_by=taken_by,
                taken_at=timezone.now() if taken_by else None,
            )
            audit.record(
                actor=taken_by,
                action="report.submit",
                object_type="report",
                object_id=report.public_id,
                changes={
                    "channel": channel,
                    "school": school.code if school else None,
                    "region": region.code,
                    "received_by": receiver.code,
                    "attachments": len(attachments),
                },
            )
            for checked in attachments:
                attachment = ReportAttachment(report=report)
                attachment.fill_from(checked)
                attachment.save()
            from qamqor.intake import alerts

            reason = alerts.reason_for(
                in_danger_now=report.in_danger_now, self_harm_risk=report.self_harm_risk
            )
            if reason is not None:
                # Before triage (brief 1.3.5): the responders hear of it now, not when a
                # coordinator gets to the report.
                alerts.raise_alert(report, reason=reason, already_told=already_told)
    except IntegrityError:
        # A concurrent submission with the same key won the race: answer as a retry.
        existing = Report.objects.filter(idempotency_key=idempotency_key).first()
        if idempotency_key and existing is not None:
            return _replay(existing, idempotency_key, fingerprint)
        raise
    return Submitted(report=report, followup_code=code, created=True)


def _replay(existing: Report, key: str, fingerprint: str) -> Submitted:
    if existing.idempotency_fingerprint != fingerprint:
        raise Conflict(
            _("This Idempotency-Key was already used for a different report."),
        )
    return Submitted(report=existing, followup_code=new_followup_code(key), created=False)


@entry_point
def dismiss_report(*, report: Report, actor: User, reason: str) -> Report:
    """Close a report without a case (not about a child's safety, a test, a duplicate)."""
    _check_triage(actor, report)
    reason = reason.strip()
    if not reason:
        raise InvalidInput.on("reason", _("Say why the report is dismissed."))
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.status != Report.Status.NEW:
        raise Conflict(_("This report has already been triaged."))
    locked.status = Report.Status.DISMISSED
    locked.dismissal_reason = reason
    locked.triaged_by = actor
    locked.triaged_at = timezone.now()
    locked.save(update_fields=["status", "dismissal_reason", "triaged_by", "triaged_at"])
    audit.record(
        actor=actor,
        action="report.dismiss",
        object_type="report",
        object_id=locked.public_id,
        changes={"reason": audit.sealed(reason)},
    )
    return locked


def _check_triage(actor: User, report: Report) -> None:
    if not access.permits(actor, "triage", report):
        raise NotAllowed(_("Only the school coordinator or a coordinator can triage reports."))


def lock_for_triage(actor: User, report: Report) -> Report:
    """Check the actor may triage, and lock the report row for the rest of the transaction."""
    _check_triage(actor, report)
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.status != Report.Status.NEW:
        raise Conflict(_("This report has already been triaged."))
    return locked


# --- closing as untrue, marking registered ------------------------------------------------


@entry_point
def close_as_untrue(*, report: Report, actor: User, reason: str) -> Report:
    """Close a report found untrue and meant to harm; counted apart from dismissals.

    Never the default: only a coordinator, with an explicit reason. A report made in
    good faith that turned out wrong is dismissed, not closed as untrue.
    """
    _check_triage(actor, report)
    if not access.permits(actor, "close", report):
        raise NotAllowed(_("Only a coordinator can close a report as untrue."))
    reason = reason.strip()
    if len(reason) < 10:
        raise InvalidInput.on(
            "reason", _("Explain why the report is untrue and was meant to harm.")
        )
    locked = lock_for_triage(actor, report)
    locked.status = Report.Status.UNTRUE
    locked.dismissal_reason = reason
    locked.triaged_by = actor
    locked.triaged_at = timezone.now()
    locked.save(update_fields=["status", "dismissal_reason", "triaged_by", "triaged_at"])
    audit.record(
        actor=actor,
        action="report.close_untrue",
        object_type="report",
        object_id=locked.public_id,
        changes={"reason": audit.sealed(reason)},
    )
    return locked


class RegisteredCase(Protocol):
    """The case a report is registered as, as intake sees it: cases sit above intake and
    hand their case in; intake stores the link and reads the number
    (docs/decisions/0012-layers.md)."""

    @property
    def pk(self) -> Any: ...

    @property
    def number(self) -> str: ...


def mark_registered(
    report: Report,
    *,
    case: RegisteredCase,
    actor: User,
    at: datetime,
    school: Organisation | None = None,
) -> None:
    """Record that the report became (or joined) ``case``: the one write of a report's
    registration, made by cases' registration and linking inside their transaction after
    ``lock_for_triage``. ``school``, when given, is the school triage chose."""
    fields: dict[str, Any] = {
        "status": Report.Status.REGISTERED,
        "case": case,
        "triaged_by": actor,
        "triaged_at": at,
    }
    if school is not None:
        fields["school"] = school
    Report.objects.filter(pk=report.pk).update(**fields)


# --- the reporter's thread ------------------------------------------------------------------

MESSAGE_MAX = 3000


def reporter_notice(report: Report, text: str) -> ReporterMessage:
    """Tell the reporter something on their channel: stored as a system message on the
    follow-up page, and passed (after commit) to the channel that can reach them through
    ``reporter_message_sent``. Text in the reporter's language (see ``report.language``)."""
    message = ReporterMessage.objects.create(
        report=report, sender=ReporterMessage.Sender.SYSTEM, body=text.strip()
    )
    _announce(report, message)
    return message


def _announce(report: Report, message: ReporterMessage) -> None:
    transaction.on_commit(
        lambda: reporter_message_sent.send(sender=Report, report=report, message=message)
    )


def tell_reporter_registered(report: Report, case: RegisteredCase) -> ReporterMessage:
    """The 1.3.5 notice: the case number, in the reporter's language."""
    with translation.override(report.language or "ru"):
        text = gettext(
            "Your report is registered as case %(number)s. The people responsible for "
            "protecting children are working on it. You can write to them here."
        ) % {"number": case.number}
    return reporter_notice(report, text)


def _clean_body(body: str) -> str:
    text = (body or "").strip()
    if not text:
        raise InvalidInput.on("body", _("Write a message first."))
    if len(text) > MESSAGE_MAX:
        raise InvalidInput.on(
            "body", _("The message is too long: %(max)d characters at most.") % {"max": MESSAGE_MAX}
        )
    return text


def _handlers_of(report: Report) -> tuple[Organisation, list[str] | None]:
    """Who answers the reporter: the school's coordinator, else whoever received it."""
    if report.school is not None:
        return report.school, [Role.SCHOOL_COORDINATOR]
    return report.received_by, None


@entry_point
def post_reporter_message(*, report: Report, body: str) -> ReporterMessage:
    """The reporter writes to the handler (from the follow-up page, the chatbot, email)."""
    text = _clean_body(body)
    if followup_expired(report):
        raise Conflict(_("This follow-up code is no longer valid."))
    message = ReporterMessage.objects.create(
        report=report, sender=ReporterMessage.Sender.REPORTER, body=text
    )
    organisation, roles = _handlers_of(report)
    notify.notify_organisation(
        organisation,
        "reporter_message",
        {"report": report},
        key=f"reporter-message:{message.pk}",
        case=report.case,
        link=reverse("report-detail", args=[report.public_id]),
        roles=roles,
        email=False,  # the text stays in the system; the in-app notice says where to look
    )
    audit.record(
        actor=None,
        action="report.reporter_message",
        object_type="report",
        object_id=report.public_id,
        changes={"message": message.pk},
    )
    return message


@entry_point
def post_staff_reply(*, report: Report, actor: User, body: str) -> ReporterMessage:
    """The handler answers the reporter; the reporter sees "the child protection team"."""
    if not access.permits(actor, "answer", report):
        raise NotAllowed(_("Only the report's handler can write to the reporter."))
    text = _clean_body(body)
    now = timezone.now()
    ReporterMessage.objects.filter(
        report=report, sender=ReporterMessage.Sender.REPORTER, read_by_staff_at__isnull=True
    ).update(read_by_staff_at=now)
    message = ReporterMessage.objects.create(
        report=report, sender=ReporterMessage.Sender.STAFF, author=actor, body=text
    )
    audit.record(
        actor=actor,
        action="report.staff_reply",
        object_type="report",
        object_id=report.public_id,
        changes={"message": message.pk},
    )
    _announce(report, message)
    return message


# --- follow-up --------------------------------------------------------------------------------


def followup_expired(report: Report, *, now: Any = None) -> bool:
    """A code stops working ``FOLLOWUP_EXPIRY_DAYS`` after the matter is closed."""
    closed = report.closed_at()
    if closed is None:
        return False
    return (now or timezone.now()) > closed + timedelta(days=settings.FOLLOWUP_EXPIRY_DAYS)


def report_for_code(code: str) -> Report:
    """The report a follow-up code opens; one answer for unknown and expired codes."""
    normalised = normalise_code(code or "")
    report = None
    if len(normalised) == FOLLOWUP_CODE_LENGTH:
        report = (
            Report.objects.select_related("case", "school")
            .filter(followup_code_hash=followup_code_hash(normalised))
            .first()
        )
    if report is None or followup_expired(report):
        raise InvalidInput.on(
            "code",
            _(
                "This code does not open any report, or it is no longer valid. "
                "Check it and try again."
            ),
        )
    return report


def reporter_status(report: Report) -> str:
    """The report's state in plain words for the reporter (often a child)."""
    if report.status == Report.Status.NEW:
        if report.urgent:  # the life-safety alert went out at submission
            return gettext(
                "We have your report. The police duty unit and the psychologists on duty "
                "were alerted at once and must act now. If you are in danger, call 112."
            )
        return gettext(
            "We have your report. A person who protects children at school will read it soon."
        )
    if report.status in {Report.Status.DISMISSED, Report.Status.UNTRUE}:
        return gettext(
            "Your report was read and closed. If something is still wrong, write again or call 111."
        )
    if report.case is not None and report.case.is_closed:
        return gettext(
            "The work on your case is finished. If something is still wrong, write again "
            "or call 111."
        )
    return gettext("Your report is registered. Adults who protect children are working on it now.")
