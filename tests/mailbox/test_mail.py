"""A real SMTP session (smtplib) to the mail listener creates a report with its attachment
and the reply goes out through the outbox to a real SMTP peer."""

from __future__ import annotations

import io
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from PIL import Image

from qamqor.intake.models import Channel, Report, ReportAttachment
from qamqor.intake.services import channel_ref
from qamqor.mailbox import mail
from qamqor.mailbox.models import InboundMail
from qamqor.notify.models import Notification
from qamqor.worker import run_sweeps
from tests.factories import build_world
from tests.support import SmtpPeer, free_port

pytestmark = pytest.mark.usefixtures("transactional_db")  # the listener is another thread

DOMAIN = "report.qamqor.test"


@pytest.fixture
def listener(settings: Any) -> Iterator[Any]:
    settings.MAIL_DOMAIN = DOMAIN
    settings.MAIL_LOCAL_PART = "report"
    smtp = mail.controller(host="127.0.0.1", port=free_port())
    smtp.start()
    try:
        yield smtp
    finally:
        smtp.stop()


def png_with_location() -> bytes:
    image = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="PNG", exif=exif)
    return out.getvalue()


def message(
    to: str, *, msgid: str = "<m1@example.kz>", attach: bytes | None = None, name: str = "photo.png"
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Parent <parent@example.kz>"
    msg["To"] = to
    msg["Subject"] = "Травля в школе"
    msg["Message-ID"] = msgid
    msg.set_content("Моего сына каждый день бьют старшеклассники у школы после уроков.")
    if attach is not None:
        msg.add_attachment(attach, maintype="application", subtype="octet-stream", filename=name)
    return msg


def send(listener: Any, msg: EmailMessage, rcpt: str | None = None) -> None:
    with smtplib.SMTP(listener.hostname, listener.port, timeout=10) as client:
        client.send_message(msg, to_addrs=[rcpt or str(msg["To"])])


def test_real_smtp_session_creates_report_with_attachment_and_replies(
    listener: Any, smtp_server: SmtpPeer
) -> None:
    world = build_world()
    address = f"report+{world.a.school.code}@{DOMAIN}"
    send(listener, message(address, attach=png_with_location()))
    report = Report.objects.get()
    assert report.channel == Channel.EMAIL
    assert report.school == world.a.school
    assert report.received_by == world.helpline
    assert report.channel_ref == channel_ref(Channel.EMAIL, "parent@example.kz")
    assert "Травля в школе" in report.narrative
    attachment = ReportAttachment.objects.get(report=report)
    assert attachment.content_type == "image/png"
    assert b"PhoneMaker" not in bytes(attachment.content)
    assert InboundMail.objects.get().sender == "parent@example.kz"
    # the reply goes through the outbox to a real SMTP peer
    run_sweeps()
    replies = [m for m in smtp_server.received if "parent@example.kz" in m.rcpt_tos]
    assert len(replies) == 1
    part = replies[0].message.get_body()
    assert part is not None
    body = part.get_content()
    assert "Твой код:" in body and "Сенің кодың:" in body and "Your code:" in body


def test_same_message_id_twice_creates_one_report(listener: Any) -> None:
    world = build_world()
    address = f"report+{world.a.region.code.lower()}@{DOMAIN}"
    send(listener, message(address))
    send(listener, message(address))
    report = Report.objects.get()
    assert report.school is None and report.region == world.a.region
    assert Notification.objects.filter(template="mail_reply").count() == 1


def test_unknown_mailbox_is_refused(listener: Any) -> None:
    build_world()
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(listener, message(f"report+no-such-school@{DOMAIN}"))
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(listener, message(f"someone@{DOMAIN}"))
    assert not Report.objects.exists()


def test_disguised_attachment_refuses_the_message(listener: Any) -> None:
    world = build_world()
    address = f"report+{world.a.school.code}@{DOMAIN}"
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(listener, message(address, attach=b"MZ\x90\x00 not a picture", name="photo.jpg"))
    assert refused.value.smtp_code == 554
    assert b"photo.jpg" in refused.value.smtp_error
    assert not Report.objects.exists()


def test_registration_notice_goes_to_the_sender(listener: Any) -> None:
    from django.db import transaction

    from qamqor.intake.services import reporter_notice

    world = build_world()
    send(listener, message(f"report+{world.a.school.code}@{DOMAIN}"))
    report = Report.objects.get()
    with transaction.atomic():
        reporter_notice(report, "Ваше обращение зарегистрировано: KZ-75-2026-000001.")
    notice = Notification.objects.get(template="mail_notice")
    assert notice.recipient_address == "parent@example.kz"
    assert "KZ-75-2026-000001" in notice.body
