"""SMS to legal representatives who have only a phone, over SMPP 3.4 (brief 1.3.5).

SMPP is what Kazakhstan's operators (Beeline, Kcell/Activ, Tele2/Altel) and SMS
aggregators offer a sender that has a contract and a registered sender name: the
application binds to the operator's SMSC as a transceiver, submits each message with
``submit_sm`` (the SMSC answers with a message id per part) and later receives a
``deliver_sm`` delivery receipt for each id. Settings: ``QAMQOR_SMS_SMPP_*``
(docs/deploy.md, docs/notifications.md).

The transport sits behind the outbox (``notify.services.register_transport("sms", …)``):
an SMS row is claimed, sent and retried with backoff exactly as an email is; every part
the gateway accepted is kept as an ``SmsPart`` with its message id, and its receipt
updates the part's state, shown on the notification.

Texts are sent in UCS-2 (data coding 8): Kazakh letters (ә, ғ, қ, ң, ө, ұ and the others) are
not in the GSM 7-bit alphabet, so every kk/ru message is UCS-2, 70 characters in one SMS
and 67 per part of a longer one, joined on the phone by a user data header (UDH).
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import select
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from qamqor.notify.models import Notification, SmsPart
from qamqor.notify.services import DeliveryUncertain

logger = logging.getLogger(__name__)

UCS2 = 8  # data_coding: ISO/IEC 10646 (UCS-2)
SINGLE_LIMIT = 70  # UCS-2 characters in one SMS
PART_LIMIT = 67  # UCS-2 characters per part once a 6-byte UDH takes its room
MAX_PARTS = 6  # a notice longer than this is a template to shorten, not an SMS to send
ESM_UDHI = 0x40  # esm_class: the short message starts with a user data header
ESM_DELIVERY_RECEIPT = 0x04  # esm_class of a deliver_sm that is a receipt

# SMPP 3.4 §5.2.28 message_state, and the "stat:" words of the receipt text (Appendix B)
MESSAGE_STATES = {
    1: SmsPart.State.ACCEPTED,  # ENROUTE
    2: SmsPart.State.DELIVERED,
    3: SmsPart.State.EXPIRED,
    4: SmsPart.State.DELETED,
    5: SmsPart.State.UNDELIVERABLE,
    6: SmsPart.State.ACCEPTED,
    7: SmsPart.State.UNKNOWN,
    8: SmsPart.State.REJECTED,
}
STAT_WORDS = {
    "ENROUTE": SmsPart.State.ACCEPTED,
    "DELIVRD": SmsPart.State.DELIVERED,
    "EXPIRED": SmsPart.State.EXPIRED,
    "DELETED": SmsPart.State.DELETED,
    "UNDELIV": SmsPart.State.UNDELIVERABLE,
    "ACCEPTD": SmsPart.State.ACCEPTED,
    "UNKNOWN": SmsPart.State.UNKNOWN,
    "REJECTD": SmsPart.State.REJECTED,
}


class SmsError(Exception):
    """The gateway refused or could not be reached; the outbox retries with backoff."""


class MessageTooLong(ValueError):
    """A text needing more than MAX_PARTS parts: shorten the template, do not send it."""


@dataclass(frozen=True)
class Gateway:
    host: str
    port: int
    system_id: str
    password: str
    system_type: str
    source_addr: str
    timeout: int


def gateway() -> Gateway:
    """The configured SMSC; ImproperlyConfigured (kept on the row as its error) if none."""
    if not settings.SMS_SMPP_HOST or not settings.SMS_SMPP_SYSTEM_ID:
        raise ImproperlyConfigured(
            "SMS gateway not configured: set QAMQOR_SMS_SMPP_HOST and QAMQOR_SMS_SMPP_SYSTEM_ID"
        )
    return Gateway(
        host=settings.SMS_SMPP_HOST,
        port=settings.SMS_SMPP_PORT,
        system_id=settings.SMS_SMPP_SYSTEM_ID,
        password=settings.SMS_SMPP_PASSWORD,
        system_type=settings.SMS_SMPP_SYSTEM_TYPE,
        source_addr=settings.SMS_SMPP_SOURCE_ADDR,
        timeout=settings.SMS_SMPP_TIMEOUT,
    )


# --- text --------------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """One line of plain text that UCS-2 can carry: whitespace collapsed, characters
    outside the Basic Multilingual Plane (emoji) dropped, as UCS-2 cannot hold them."""
    return " ".join("".join(ch for ch in text if ord(ch) <= 0xFFFF).split())


def split_text(text: str) -> list[str]:
    """The text as the parts it is sent in: one up to 70 characters, else parts of 67."""
    text = normalise_text(text)
    if len(text) <= SINGLE_LIMIT:
        return [text]
    parts = [text[i : i + PART_LIMIT] for i in range(0, len(text), PART_LIMIT)]
    if len(parts) > MAX_PARTS:
        raise MessageTooLong(f"{len(text)} characters need {len(parts)} SMS parts")
    return parts


def encode_parts(text: str, *, reference: int | None = None) -> list[bytes]:
    """The short_message bytes of each part: UCS-2 big-endian, with a concatenation UDH
    (IEI 0x00, 8-bit reference, total, sequence number) when there is more than one."""
    parts = split_text(text)
    if len(parts) == 1:
        return [parts[0].encode("utf-16-be")]
    ref = random.randint(0, 255) if reference is None else reference  # noqa: S311  not a secret
    total = len(parts)
    return [
        bytes([0x05, 0x00, 0x03, ref, total, number]) + chunk.encode("utf-16-be")
        for number, chunk in enumerate(parts, start=1)
    ]


def destination(phone: str) -> str:
    """An E.164 number as SMPP wants it with TON 1 (international): digits only."""
    digits = phone.lstrip("+")
    if not digits.isdigit():
        raise SmsError(f"not an E.164 number: {phone!r}")
    return digits


# --- receipts ----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("latin-1").rstrip("\x00")
    return str(value)


def read_receipt(pdu: Any) -> tuple[str, str, str] | None:
    """(message id, state, error code) of a deliver_sm that is a delivery receipt."""
    if not (int(getattr(pdu, "esm_class", 0) or 0) & ESM_DELIVERY_RECEIPT):
        return None
    body = _text(getattr(pdu, "short_message", b""))
    fields = dict(re.findall(r"(\w+(?: date)?):(\S*)", body))
    message_id = _text(getattr(pdu, "receipted_message_id", None)) or fields.get("id", "")
    state_code = getattr(pdu, "message_state", None)
    if state_code:
        state = MESSAGE_STATES.get(int(state_code), SmsPart.State.UNKNOWN)
    else:
        state = STAT_WORDS.get(fields.get("stat", "").upper(), SmsPart.State.UNKNOWN)
    if not message_id:
        return None
    return message_id, state, fields.get("err", "")[:10]


def store_receipt(message_id: str, state: str, error_code: str = "") -> int:
    """Record a receipt on the part with this message id; returns how many parts matched
    (0 for a receipt of a message this installation did not send)."""
    return SmsPart.objects.filter(message_id=message_id).update(
        state=state, error_code=error_code, receipt_at=timezone.now()
    )


def _on_deliver_sm(pdu: Any) -> None:
    receipt = read_receipt(pdu)
    if receipt is None:
        logger.info("SMS gateway sent a message that is not a receipt; ignored")
        return
    if not store_receipt(*receipt):
        logger.warning("receipt for unknown SMS message id %s", receipt[0])


# --- the SMPP session --------------------------------------------------------------------


def _client(config: Gateway) -> Any:
    import smpplib.client
    import smpplib.exceptions

    client = smpplib.client.Client(
        config.host, config.port, timeout=config.timeout, allow_unknown_opt_params=True
    )
    client.set_message_received_handler(lambda pdu, **_: _on_deliver_sm(pdu))
    try:
        client.connect()
        client.bind_transceiver(
            system_id=config.system_id, password=config.password, system_type=config.system_type
        )
    except (OSError, smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError) as error:
        _close(client)
        raise SmsError(f"cannot bind to {config.host}:{config.port}: {error}") from error
    return client


def _close(client: Any) -> None:
    """Unbind and disconnect. Receipts the gateway sends before its unbind_resp are
    stored and acknowledged, so the gateway does not have to send them again."""
    from smpplib import consts, smpp

    try:
        if client.state == consts.SMPP_CLIENT_STATE_BOUND_TRX:
            client.send_pdu(smpp.make_pdu("unbind", client=client))
            for _ in range(100):
                pdu = client.read_pdu()
                if pdu.command == "unbind_resp":
                    break
                if pdu.command == "deliver_sm":
                    client._message_received(pdu)
                elif pdu.command == "enquire_link":
                    client._enquire_link_received(pdu)
            client.state = consts.SMPP_CLIENT_STATE_OPEN
    except Exception:  # noqa: S110  closing a session that already broke
        pass
    with contextlib.suppress(Exception):
        client.disconnect()


def _source(address: str) -> tuple[int, int]:
    """TON and NPI of the sender: a number (international) or an alphanumeric name."""
    if address.lstrip("+").isdigit():
        return 1, 1
    return 5, 0


def send(notification: Notification) -> None:
    """The outbox transport for ``channel == "sms"``: submit every part, keep its id.

    Raises SmsError (or ImproperlyConfigured) when nothing was handed over or the gateway
    refused it, so the outbox retries; DeliveryUncertain when the connection broke after a
    part was submitted and before its answer (the phone may get it: the row becomes
    "unconfirmed", not sent twice on its own).
    """
    import smpplib.exceptions

    config = gateway()
    number = destination(notification.recipient_address)
    try:
        parts = encode_parts(notification.body)
    except MessageTooLong as error:
        raise SmsError(str(error)) from error
    attempt = notification.attempts + 1
    ton, npi = _source(config.source_addr)
    client = _client(config)
    total = len(parts)
    accepted: dict[int, str] = {}
    sequences: dict[int, int] = {}

    def on_sent(pdu: Any, **_: Any) -> None:
        # stored at once: the part's receipt may follow on the same session
        part = sequences.get(pdu.sequence)
        if part is None or part in accepted:
            return
        accepted[part] = _text(pdu.message_id)
        SmsPart.objects.create(
            notification=notification,
            attempt=attempt,
            part=part,
            parts=total,
            message_id=accepted[part],
        )

    client.set_message_sent_handler(on_sent)
    submitted = False
    try:
        for part, short_message in enumerate(parts, start=1):
            pdu = client.send_message(
                source_addr_ton=ton,
                source_addr_npi=npi,
                source_addr=config.source_addr.lstrip("+"),
                dest_addr_ton=1,
                dest_addr_npi=1,
                destination_addr=number,
                short_message=short_message,
                data_coding=UCS2,
                esm_class=ESM_UDHI if total > 1 else 0,
                registered_delivery=1,
            )
            sequences[pdu.sequence] = part
            submitted = True
        deadline = time.monotonic() + config.timeout
        while len(accepted) < total:
            if time.monotonic() > deadline:
                raise DeliveryUncertain("the SMS gateway did not answer every part in time")
            client.read_once(auto_send_enquire_link=False)
    except smpplib.exceptions.PDUError as error:
        # an explicit refusal: the gateway did not take that part, so trying again is safe
        raise SmsError(f"the gateway refused the message: {error}") from error
    except (OSError, smpplib.exceptions.ConnectionError) as error:
        if submitted:
            # the gateway may have the message: sending again could reach the phone twice
            raise DeliveryUncertain(f"connection to the SMS gateway broke: {error}") from error
        raise SmsError(f"connection to the gateway broke: {error}") from error
    finally:
        # parts the gateway accepted stay recorded even if a later part failed: their
        # receipts will arrive, and the outbox's retry is a new attempt
        _close(client)


def _poll(client: Any) -> None:
    """Handle the PDUs already waiting on the socket, without blocking."""
    while select.select([client._socket], [], [], 0)[0]:
        client.read_once(auto_send_enquire_link=False)


def listen_for_receipts(
    *, seconds: float | None = None, should_stop: Callable[[], bool] = lambda: False
) -> None:
    """Stay bound and store the receipts the gateway sends (``manage.py sms_receipts``).

    Receipts arrive on any transceiver session of our system id, often minutes after the
    submission; this keeps one session open. ``seconds`` bounds it (tests, cron).
    """
    import smpplib.exceptions

    config = gateway()
    client = _client(config)
    end = time.monotonic() + seconds if seconds is not None else None
    try:
        while not should_stop() and (end is None or time.monotonic() < end):
            wait = 1.0 if end is None else max(min(1.0, end - time.monotonic()), 0)
            if select.select([client._socket], [], [], wait)[0]:
                client.read_once()
    except (OSError, smpplib.exceptions.ConnectionError) as error:
        raise SmsError(f"connection to the gateway broke: {error}") from error
    finally:
        _close(client)


def register() -> None:
    """Put SMS behind the outbox (called from NotifyConfig.ready)."""
    from qamqor.notify.services import register_transport

    register_transport(Notification.Channel.SMS, send)


def render_notice(template: str, language: str, context: dict[str, Any]) -> dict[str, str]:
    """A notice's subject and body (email) and its SMS text (``<template>.sms.txt``),
    in ``language``; {kk, ru, en} texts in the context are picked."""
    from django.template import Context
    from django.utils import translation

    from qamqor.notify.services.outbox import _render, _text_engine
    from qamqor.translation import pick

    subject, body = _render(template, language, context)
    picked = {
        key: pick(value, language) if isinstance(value, dict) and "ru" in value else value
        for key, value in context.items()
    }
    with translation.override(language):
        text = _text_engine().get_template(f"notify/{template}.sms.txt").render(Context(picked))
    return {"subject": subject, "body": body, "sms": normalise_text(text)}
