"""Receiving reports: every accepted report is committed before it is acknowledged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import policy
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.directory.models import Organisation, OrganisationKind, Region
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.intake.models import Channel, Report

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
) -> Submitted:
    """Store a report from validated form data (``intake.forms.ReportForm``).

    A report names the child's ``school`` when it is known (the QR code and the school's
    form always do); otherwise its ``region`` (a regional mailbox, the 111 line, a chatbot
    conversation that did not name a school). ``received_by`` is the organisation that took
    it (default: the school). ``channel_identifier`` (a chat id, a sender's address) is kept
    only as a keyed hash, to show repeat contacts. ``taken_by`` is the staff member who
    entered a report on someone's behalf (an oral report, a message box, a call).

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
                },
            )
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


@transaction.atomic
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
        changes={"reason": reason},
    )
    return locked


def _check_triage(actor: User, report: Report) -> None:
    if not policy.can_triage(
        actor,
        school_id=report.school_id,
        region_id=report.region_id,
        received_by_id=report.received_by_id,
    ):
        raise NotAllowed(_("Only the school coordinator or a coordinator can triage reports."))


def lock_for_triage(actor: User, report: Report) -> Report:
    """Check the actor may triage, and lock the report row for the rest of the transaction."""
    _check_triage(actor, report)
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.status != Report.Status.NEW:
        raise Conflict(_("This report has already been triaged."))
    return locked
