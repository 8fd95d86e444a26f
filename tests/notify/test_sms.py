"""SMS over SMPP 3.4 behind the outbox, against a local fake SMSC (brief 1.3.5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from qamqor.notify import services, sms
from qamqor.notify.models import Notification, SmsPart
from tests.notify.fake_smsc import FakeSMSC

pytestmark = pytest.mark.django_db

KAZAKH = "Мектеп: балаңызға қатысты әңгімеге шақырамыз, 05.12 сағ. 15:00."
RUSSIAN_SHORT = "Школа №7: приглашаем на беседу 05.12 в 15:00, каб. 12."


@pytest.fixture
def smsc() -> Iterator[FakeSMSC]:
    with (
        FakeSMSC() as gateway,
        override_settings(
            SMS_SMPP_HOST="127.0.0.1",
            SMS_SMPP_PORT=gateway.port,
            SMS_SMPP_SYSTEM_ID="qamqor",
            SMS_SMPP_PASSWORD="secret",
            SMS_SMPP_SOURCE_ADDR="Qamqor",
            SMS_SMPP_TIMEOUT=5,
        ),
    ):
        yield gateway


def queue_sms(text: str, *, key: str = "sms-1", phone: str = "+77011234567") -> Notification:
    assert services.queue_message(
        channel=Notification.Channel.SMS,
        address=phone,
        language="kk",
        subject="",
        body=text,
        key=key,
        template="test_sms",
    )
    return Notification.objects.get(dedupe_key=key)


# --- splitting -----------------------------------------------------------------------------


def test_seventy_ucs2_characters_fit_one_sms_and_seventy_one_need_two_parts_of_67() -> None:
    assert sms.split_text("қ" * 70) == ["қ" * 70]
    parts = sms.split_text("қ" * 71)
    assert [len(p) for p in parts] == [67, 4]
    encoded = sms.encode_parts("ә" * 140, reference=9)
    assert len(encoded) == 3
    assert [p[:6] for p in encoded] == [bytes([5, 0, 3, 9, 3, n]) for n in (1, 2, 3)]
    assert all(len(p) <= 140 for p in encoded)  # UDH 6 bytes + 67 characters of 2 bytes


def test_a_text_too_long_for_six_parts_is_refused_not_cut() -> None:
    with pytest.raises(sms.MessageTooLong):
        sms.split_text("ы" * (67 * 6 + 1))


def test_emoji_that_ucs2_cannot_carry_are_dropped_and_spaces_collapsed() -> None:
    assert sms.split_text("Сәлем  🙂\nәлем") == ["Сәлем әлем"]


# --- sending ---------------------------------------------------------------------------------


def test_a_short_kazakh_message_goes_as_one_ucs2_sms_and_its_receipt_is_stored(
    smsc: FakeSMSC,
) -> None:
    notification = queue_sms(KAZAKH)
    assert services.deliver(notification.pk) is True

    assert smsc.binds == [("qamqor", "secret")]
    [submitted] = smsc.submitted
    assert submitted.destination_addr == "77011234567" and submitted.dest_addr_ton == 1
    assert submitted.source_addr == "Qamqor" and submitted.source_addr_ton == 5
    assert submitted.data_coding == 8 and submitted.esm_class == 0
    assert submitted.registered_delivery == 1
    assert submitted.text == KAZAKH
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    [part] = notification.sms_parts.all()
    assert part.message_id == submitted.message_id
    # the fake SMSC sent the receipt on the same session; it was read before unbinding
    assert part.state == SmsPart.State.DELIVERED and part.receipt_at is not None


def test_a_long_message_is_split_with_a_udh_and_joined_back(smsc: FakeSMSC) -> None:
    text = (RUSSIAN_SHORT + " ") * 3
    notification = queue_sms(text)
    assert services.deliver(notification.pk)
    assert len(smsc.submitted) == 3
    assert all(item.esm_class & 0x40 for item in smsc.submitted)
    assert len({item.udh[3] for item in smsc.submitted}) == 1  # one reference
    assert smsc.messages() == [sms.normalise_text(text)]
    parts = list(notification.sms_parts.order_by("part"))
    assert [(p.part, p.parts) for p in parts] == [(1, 3), (2, 3), (3, 3)]
    assert [p.message_id for p in parts] == [item.message_id for item in smsc.submitted]


def test_a_refused_submission_is_retried_by_the_outbox_like_an_email(smsc: FakeSMSC) -> None:
    smsc.fail_next = 1
    notification = queue_sms(RUSSIAN_SHORT)
    assert services.deliver(notification.pk) is False
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1
    assert "refused" in notification.last_error
    assert notification.next_attempt_at > timezone.now() + timedelta(seconds=20)  # backoff
    assert not notification.sms_parts.exists()

    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now())
    assert services.sweep_outbox() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT and notification.attempts == 2
    assert [p.attempt for p in notification.sms_parts.all()] == [2]
    assert len(smsc.submitted) == 1


def test_a_connection_lost_after_submitting_is_unconfirmed_not_sent_twice(
    smsc: FakeSMSC,
) -> None:
    smsc.drop_next = 1
    notification = queue_sms(RUSSIAN_SHORT)
    assert services.deliver(notification.pk) is False
    notification.refresh_from_db()
    assert notification.status == Notification.Status.UNCONFIRMED
    assert services.sweep_outbox() == 0  # not retried on its own: the phone may have it
    assert len(smsc.submitted) == 1


def test_a_wrong_password_keeps_the_message_waiting_with_the_reason(smsc: FakeSMSC) -> None:
    notification = queue_sms(RUSSIAN_SHORT)
    with override_settings(SMS_SMPP_PASSWORD="wrong"):
        assert services.deliver(notification.pk) is False
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert "cannot bind" in notification.last_error
    assert smsc.submitted == []


def test_without_a_configured_gateway_the_row_waits_visibly() -> None:
    notification = queue_sms(RUSSIAN_SHORT)
    with override_settings(SMS_SMPP_HOST=""):
        assert services.deliver(notification.pk) is False
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert "QAMQOR_SMS_SMPP_HOST" in notification.last_error


def test_receipts_arriving_on_a_later_session_are_stored_by_the_listener() -> None:
    with (
        FakeSMSC(receipts="deferred", receipt_state=5) as gateway,
        override_settings(
            SMS_SMPP_HOST="127.0.0.1",
            SMS_SMPP_PORT=gateway.port,
            SMS_SMPP_SYSTEM_ID="qamqor",
            SMS_SMPP_PASSWORD="secret",
            SMS_SMPP_TIMEOUT=5,
        ),
    ):
        notification = queue_sms(RUSSIAN_SHORT)
        assert services.deliver(notification.pk)
        part = notification.sms_parts.get()
        assert part.state == SmsPart.State.ACCEPTED and part.receipt_at is None
        call_command("sms_receipts", seconds=1.0)  # the service that stays bound
    part.refresh_from_db()
    assert part.state == SmsPart.State.UNDELIVERABLE
    assert part.error_code == "001"


def test_a_receipt_is_read_from_the_text_when_the_tlvs_are_missing() -> None:
    class Pdu:
        esm_class = 0x04
        short_message = b"id:ABC123 sub:001 dlvrd:001 submit date:2612041200 stat:DELIVRD err:000"
        receipted_message_id = None
        message_state = None

    assert sms.read_receipt(Pdu()) == ("ABC123", SmsPart.State.DELIVERED, "000")
    Pdu.esm_class = 0
    assert sms.read_receipt(Pdu()) is None  # a message from a phone, not a receipt
