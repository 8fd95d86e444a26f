"""A small SMSC that speaks enough SMPP 3.4 for the SMS transport's tests.

Written from the specification with ``struct``, not with the client library, so an
encoding mistake on the client side is not mirrored here: bind_transceiver (with a
password check), submit_sm → submit_sm_resp with a message id, deliver_sm delivery
receipts (``receipted_message_id`` and ``message_state`` TLVs plus the Appendix B text),
enquire_link and unbind. Every submit_sm is recorded with its decoded fields.
"""

from __future__ import annotations

import itertools
import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Any

BIND_TRANSCEIVER = 0x00000009
BIND_TRANSCEIVER_RESP = 0x80000009
SUBMIT_SM = 0x00000004
SUBMIT_SM_RESP = 0x80000004
DELIVER_SM = 0x00000005
DELIVER_SM_RESP = 0x80000005
UNBIND = 0x00000006
UNBIND_RESP = 0x80000006
ENQUIRE_LINK = 0x00000015
ENQUIRE_LINK_RESP = 0x80000015
GENERIC_NACK = 0x80000000
ESME_RINVPASWD = 0x0000000E
ESME_RSUBMITFAIL = 0x00000045
ESME_RINVBNDSTS = 0x00000004


def _cstring(data: bytes, pos: int) -> tuple[str, int]:
    end = data.index(b"\x00", pos)
    return data[pos:end].decode("latin-1"), end + 1


@dataclass
class Submitted:
    """One submit_sm as the SMSC received it."""

    message_id: str
    system_id: str
    source_addr_ton: int
    source_addr: str
    dest_addr_ton: int
    destination_addr: str
    esm_class: int
    registered_delivery: int
    data_coding: int
    short_message: bytes
    tlvs: dict[int, bytes] = field(default_factory=dict)

    @property
    def udh(self) -> bytes:
        if self.esm_class & 0x40:
            return self.short_message[: self.short_message[0] + 1]
        return b""

    @property
    def text(self) -> str:
        """The part's text, decoded as the phone would (UCS-2 when data_coding is 8)."""
        payload = self.short_message[len(self.udh) :]
        return payload.decode("utf-16-be" if self.data_coding == 8 else "latin-1")


class FakeSMSC:
    """Run with ``with FakeSMSC(...) as smsc:``; ``smsc.port`` is where it listens.

    ``receipts``: "immediate" sends a DELIVRD receipt on the session right after the
    submit_sm_resp; "deferred" holds them until the next bind (a receipt arriving on a
    later session, as real gateways do); "none" sends none. ``fail_next`` submissions are
    answered with ESME_RSUBMITFAIL; on the next ``drop_next`` ones the SMSC keeps the
    message and closes the connection without answering.
    """

    def __init__(
        self,
        *,
        system_id: str = "qamqor",
        password: str = "secret",  # noqa: S107  a test gateway's password
        receipts: str = "immediate",
        receipt_state: int = 2,
    ) -> None:
        self.system_id = system_id
        self.password = password
        self.receipts = receipts
        self.receipt_state = receipt_state
        self.fail_next = 0
        self.drop_next = 0  # close the connection on a submit_sm without answering
        self.submitted: list[Submitted] = []
        self.binds: list[tuple[str, str]] = []
        self._held: list[Submitted] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(8)
        self._server.settimeout(0.1)  # accept() wakes up to see the stop flag
        self.port = self._server.getsockname()[1]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FakeSMSC:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._server.close()
        self._thread.join(timeout=5)

    # --- server ---------------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _addr = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> tuple[int, int, int, bytes] | None:
        header = b""
        while len(header) < 16:
            chunk = conn.recv(16 - len(header))
            if not chunk:
                return None
            header += chunk
        length, command, status, sequence = struct.unpack(">IIII", header)
        body = b""
        while len(body) < length - 16:
            chunk = conn.recv(length - 16 - len(body))
            if not chunk:
                return None
            body += chunk
        return command, status, sequence, body

    @staticmethod
    def _send(conn: socket.socket, command: int, status: int, sequence: int, body: bytes) -> None:
        conn.sendall(struct.pack(">IIII", 16 + len(body), command, status, sequence) + body)

    def _session(self, conn: socket.socket) -> None:
        bound_as = ""
        out_sequence = itertools.count(1000)
        with conn:
            while True:
                try:
                    pdu = self._read(conn)
                except OSError:
                    return
                if pdu is None:
                    return
                command, _status, sequence, body = pdu
                if command == BIND_TRANSCEIVER:
                    system_id, pos = _cstring(body, 0)
                    password, pos = _cstring(body, pos)
                    self.binds.append((system_id, password))
                    ok = (system_id, password) == (self.system_id, self.password)
                    status = 0 if ok else ESME_RINVPASWD
                    self._send(conn, BIND_TRANSCEIVER_RESP, status, sequence, b"FakeSMSC\x00")
                    if not ok:
                        return
                    bound_as = system_id
                    with self._lock:
                        held, self._held = self._held, []
                    for item in held:
                        self._receipt(conn, item, next(out_sequence))
                elif command == SUBMIT_SM:
                    if not bound_as:
                        self._send(conn, SUBMIT_SM_RESP, ESME_RINVBNDSTS, sequence, b"\x00")
                        continue
                    if self.drop_next:
                        self.drop_next -= 1
                        self.submitted.append(self._parse_submit(body, bound_as))
                        return
                    if self.fail_next:
                        self.fail_next -= 1
                        self._send(conn, SUBMIT_SM_RESP, ESME_RSUBMITFAIL, sequence, b"\x00")
                        continue
                    item = self._parse_submit(body, bound_as)
                    self.submitted.append(item)
                    self._send(
                        conn, SUBMIT_SM_RESP, 0, sequence, item.message_id.encode() + b"\x00"
                    )
                    if item.registered_delivery & 1:
                        if self.receipts == "immediate":
                            self._receipt(conn, item, next(out_sequence))
                        elif self.receipts == "deferred":
                            with self._lock:
                                self._held.append(item)
                elif command == ENQUIRE_LINK:
                    self._send(conn, ENQUIRE_LINK_RESP, 0, sequence, b"")
                elif command == UNBIND:
                    self._send(conn, UNBIND_RESP, 0, sequence, b"")
                    return
                elif command == DELIVER_SM_RESP:
                    continue
                else:
                    self._send(conn, GENERIC_NACK, 0x00000003, sequence, b"")

    def _parse_submit(self, body: bytes, system_id: str) -> Submitted:
        _service_type, pos = _cstring(body, 0)
        source_ton, _source_npi = body[pos], body[pos + 1]
        source_addr, pos = _cstring(body, pos + 2)
        dest_ton, _dest_npi = body[pos], body[pos + 1]
        destination_addr, pos = _cstring(body, pos + 2)
        esm_class, _protocol_id, _priority = body[pos], body[pos + 1], body[pos + 2]
        _schedule, pos = _cstring(body, pos + 3)
        _validity, pos = _cstring(body, pos)
        registered_delivery, _replace, data_coding, _default_id, sm_length = body[pos : pos + 5]
        pos += 5
        short_message = body[pos : pos + sm_length]
        pos += sm_length
        tlvs: dict[int, bytes] = {}
        while pos + 4 <= len(body):
            tag, length = struct.unpack(">HH", body[pos : pos + 4])
            tlvs[tag] = body[pos + 4 : pos + 4 + length]
            pos += 4 + length
        return Submitted(
            message_id=f"SMSC{next(self._ids):06d}",
            system_id=system_id,
            source_addr_ton=source_ton,
            source_addr=source_addr,
            dest_addr_ton=dest_ton,
            destination_addr=destination_addr,
            esm_class=esm_class,
            registered_delivery=registered_delivery,
            data_coding=data_coding,
            short_message=short_message,
            tlvs=tlvs,
        )

    def _receipt(self, conn: socket.socket, item: Submitted, sequence: int) -> None:
        stat = {2: "DELIVRD", 5: "UNDELIV", 3: "EXPIRED", 8: "REJECTD"}.get(
            self.receipt_state, "UNKNOWN"
        )
        err = "000" if self.receipt_state == 2 else "001"
        text = (
            f"id:{item.message_id} sub:001 dlvrd:{'001' if stat == 'DELIVRD' else '000'} "
            f"submit date:2612041200 done date:2612041201 stat:{stat} err:{err} text:"
        ).encode()
        body = (
            b"\x00"  # service_type
            + bytes([item.dest_addr_ton, 1])
            + item.destination_addr.encode()
            + b"\x00"
            + bytes([item.source_addr_ton, 0])
            + item.source_addr.encode()
            + b"\x00"
            + bytes([0x04, 0, 0])  # esm_class: delivery receipt; protocol_id; priority
            + b"\x00\x00"  # schedule_delivery_time, validity_period
            + bytes([0, 0, 0, 0, len(text)])
            + text
            + struct.pack(">HH", 0x001E, len(item.message_id) + 1)
            + item.message_id.encode()
            + b"\x00"
            + struct.pack(">HHB", 0x0427, 1, self.receipt_state)
        )
        self._send(conn, DELIVER_SM, 0, sequence, body)

    def messages(self) -> list[str]:
        """Each recorded message's text, concatenated parts joined by their UDH reference."""
        joined: dict[Any, list[tuple[int, str]]] = {}
        order: list[Any] = []
        for item in self.submitted:
            udh = item.udh
            key = (item.destination_addr, udh[3]) if udh else (item.message_id,)
            number = udh[5] if udh else 1
            if key not in joined:
                joined[key] = []
                order.append(key)
            joined[key].append((number, item.text))
        return ["".join(text for _n, text in sorted(joined[key])) for key in order]
