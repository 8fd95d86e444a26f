"""``qamqor mail-listener``: reports by email, received over SMTP (aiosmtpd).

One address per school or region: ``report+<school code>@<domain>`` or
``report+<region ISO code>@<domain>`` (``QAMQOR_MAIL_LOCAL_PART``, ``QAMQOR_MAIL_DOMAIN``);
anything else is refused at RCPT with 550. The message is parsed with the standard
library (``email``, ``policy.default``); attachments go through intake's checks (PDF,
JPEG, PNG by content, 20 MB, image metadata removed). A bad attachment refuses the whole
message with 554 and creates nothing. The reply (follow-up code, in kk/ru/en) goes through
the outbox. A Message-ID seen before is accepted again and ignored.

The email channel stands above intake, like the chatbot: it submits reports through
``intake.services`` and answers in the chatbot's three-language texts
(docs/decisions/0012-layers.md)."""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import logging
import re
import signal
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction

from qamqor.chatbot import texts
from qamqor.directory.models import Organisation, Region
from qamqor.errors import DomainError
from qamqor.intake import services as intake
from qamqor.intake.attachments import check_bytes
from qamqor.intake.models import Channel, Report
from qamqor.mailbox.models import InboundMail
from qamqor.notify import services as notify

logger = logging.getLogger(__name__)

MAX_NARRATIVE = 5000

#: A word in the subject that marks the email as "a child is in danger now" (the email
#: channel has no tick box): SOS and "urgent" in the three languages. Such a report
#: raises the life-safety alert at once, as the form's tick box does (docs/channels.md).
DANGER_SUBJECT_WORDS = frozenset({"sos", "срочно", "опасно", "шұғыл", "қауіп", "urgent", "danger"})


def marked_in_danger(message: EmailMessage) -> bool:
    """Whether the subject carries one of ``DANGER_SUBJECT_WORDS`` (any case)."""
    subject = str(message.get("Subject", "") or "").casefold().replace("ё", "е")
    return bool(set(re.findall(r"\w+", subject)) & DANGER_SUBJECT_WORDS)


@dataclass(frozen=True)
class Mailbox:
    address: str
    school: Organisation | None
    region: Region


def resolve_mailbox(address: str) -> Mailbox | None:
    """The school or region an address belongs to, or None if it is not one of ours."""
    local, _at, domain = address.strip().strip("<>").lower().rpartition("@")
    if domain != settings.MAIL_DOMAIN or "+" not in local:
        return None
    base, _plus, code = local.partition("+")
    if base != settings.MAIL_LOCAL_PART or not code:
        return None
    school = intake.find_school(code)
    if school is not None and school.region is not None:
        return Mailbox(address=address, school=school, region=school.region)
    region = Region.objects.filter(code__iexact=code).first()
    return Mailbox(address=address, school=None, region=region) if region else None


class Refused(Exception):
    """The message is refused with this SMTP reply; nothing was stored."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


def _text_of(message: EmailMessage) -> str:
    subject = str(message.get("Subject", "") or "").strip()
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        body = str(body_part.get_content())
        if body_part.get_content_type() == "text/html":
            from django.utils.html import strip_tags

            body = strip_tags(body)
    text = "\n\n".join(part for part in (subject, body.strip()) if part)
    return text[:MAX_NARRATIVE]


def message_key(message: EmailMessage, raw: bytes) -> str:
    message_id = str(message.get("Message-ID", "") or "").strip()
    return hashlib.sha256((message_id or raw.decode("latin-1")).encode()).hexdigest()


def accept(raw: bytes, *, mail_from: str, rcpt_tos: list[str]) -> str:
    """Store one email as a report and queue the reply; returns the SMTP reply line."""
    from qamqor.helpline.services import contact_center

    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # noqa: S101 - policy.default makes these
    key = message_key(message, raw)
    if InboundMail.objects.filter(message_key=key).exists():
        return "250 2.0.0 Already received"
    mailbox = next((m for m in map(resolve_mailbox, rcpt_tos) if m is not None), None)
    if mailbox is None:
        return "550 5.1.1 No such mailbox"
    reply_to = email.utils.parseaddr(str(message.get("Reply-To") or message.get("From") or ""))[1]
    sender = (reply_to or mail_from or "").strip().lower()
    narrative = _text_of(message)
    if len(narrative) < 10:
        return "554 5.6.0 The message is empty: write what happened"
    files = []
    for part in message.iter_attachments():
        name = part.get_filename() or "attachment"
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        try:
            files.append(check_bytes(name, content, field=name))
        except DomainError as error:
            return f"554 5.6.1 Attachment {name!r} refused: {error.detail}"
    if len(files) > settings.REPORT_ATTACHMENT_MAX_FILES:
        return f"554 5.6.1 At most {settings.REPORT_ATTACHMENT_MAX_FILES} attachments"
    try:
        with transaction.atomic():
            submitted = intake.submit_report.within(
                data={
                    "narrative": narrative,
                    "forms": [],
                    "setting": "unknown",
                    "in_danger_now": marked_in_danger(message),
                    "anonymous": True,
                    "reporter_role": "other",
                },
                school=mailbox.school,
                region=mailbox.region,
                channel=Channel.EMAIL,
                received_by=contact_center() or mailbox.school,
                language="ru",
                idempotency_key=f"mail:{key[:64]}",
                channel_identifier=sender,
                attachments=files,
            )
            if not submitted.created:
                return "250 2.0.0 Already received"
            InboundMail.objects.create(
                message_key=key, report=submitted.report, sender=sender, mailbox=mailbox.address
            )
            if sender:
                key = "received_urgent" if submitted.report.urgent else "received"
                _reply(submitted.report, sender, key, code=submitted.followup_code)
    except DomainError as error:
        return f"554 5.6.0 {error.detail}"
    logger.info("mail: report %s from mailbox %s", submitted.report.public_id, mailbox.address)
    return "250 2.0.0 Report received"


def _reply(report: Report, address: str, key: str, **fields: str) -> None:
    notify.queue_message(
        channel="email",
        address=address,
        language="ru",
        subject="Qamqor: хабарламаңыз қабылданды / ваше сообщение получено / message received",
        body=texts.all_languages(key, **fields),
        key=f"mail-reply:{report.pk}:{key}",
        template="mail_reply",
    )


def on_reporter_message(sender: Any, report: Report, message: Any, **kwargs: Any) -> None:
    """Intake's ``reporter_message_sent``: a notice for an email reporter (the registration
    number, a handler's answer) goes to the address the report came from."""
    if report.channel != Channel.EMAIL or message.sender == "reporter":
        return
    inbound = InboundMail.objects.filter(report=report).order_by("pk").first()
    if inbound is None or not inbound.sender:
        return
    with transaction.atomic():
        notify.queue_message(
            channel="email",
            address=inbound.sender,
            language=report.language,
            subject="Qamqor",
            body=message.body,
            key=f"mail-notice:{report.pk}:{message.pk}",
            template="mail_notice",
        )


class Handler:
    """The aiosmtpd handler: RCPT must be one of our mailboxes; DATA stores the report."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        mailbox = await sync_to_async(_resolve_closing, thread_sensitive=True)(address)
        if mailbox is None:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        try:
            return await sync_to_async(_accept_closing, thread_sensitive=True)(
                raw, mail_from=envelope.mail_from or "", rcpt_tos=list(envelope.rcpt_tos)
            )
        except Exception:
            logger.exception("mail listener: message not stored")
            return "451 4.3.0 Temporary failure, try again later"


def _resolve_closing(address: str) -> Mailbox | None:
    from django.db import connection

    try:
        return resolve_mailbox(address)
    finally:
        connection.close()


def _accept_closing(raw: bytes, *, mail_from: str, rcpt_tos: list[str]) -> str:
    from django.db import connection

    # The listener's worker thread holds no connection between messages: a mail at a time
    # is cheap to connect for, and a test database can be dropped behind it.
    try:
        return accept(raw, mail_from=mail_from, rcpt_tos=rcpt_tos)
    finally:
        connection.close()


def controller(host: str | None = None, port: int | None = None) -> Any:
    """An aiosmtpd controller (not started) for the listener's host and port."""
    from aiosmtpd.controller import Controller

    return Controller(
        Handler(),
        hostname=host or settings.MAIL_LISTENER_HOST,
        port=port or settings.MAIL_LISTENER_PORT,
        data_size_limit=settings.MAIL_MAX_BYTES,
        decode_data=False,
    )


def run_forever() -> int:
    """The ``qamqor mail-listener`` loop: until SIGINT or SIGTERM."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stop.set())
    smtp = controller()
    smtp.start()
    logger.info("mail listener on %s:%s", smtp.hostname, smtp.port)
    try:
        stop.wait()
    finally:
        smtp.stop()
    return 0
