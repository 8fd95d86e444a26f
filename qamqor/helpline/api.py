"""The telephony system's API: open and close call records (token auth, idempotent).

Only a token of an operator_111 member of a contact center works; anyone else gets 404,
as if the endpoint held nothing for them."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from qamqor.accounts.models import User
from qamqor.apikit import TokenAuth, errors, session_or_token
from qamqor.errors import InvalidInput
from qamqor.helpline import selectors, services
from qamqor.helpline.models import CallRecord

router = Router(tags=["helpline"])


class CallOpenIn(Schema):
    external_id: str
    started_at: datetime
    caller_number: str = ""


class CallCloseIn(Schema):
    ended_at: datetime
    duration_seconds: int | None = None


class CallOut(Schema):
    external_id: str
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int | None
    repeat_caller: bool = False
    card: str | None = None


def _operator(request: HttpRequest) -> User:
    user = request.user
    if not selectors.helplines_of(user):
        raise Http404("helpline")
    assert isinstance(user, User)  # noqa: S101 - authenticated by the router
    return user


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise InvalidInput.on(field, _("Give the time with its offset, e.g. +05:00."))
    return value


def _out(record: CallRecord, *, repeat: bool = False) -> CallOut:
    try:
        card = record.card
    except CallRecord.card.RelatedObjectDoesNotExist:
        card = None
    return CallOut(
        external_id=record.external_id,
        started_at=record.started_at,
        ended_at=record.ended_at,
        duration_seconds=record.duration_seconds,
        repeat_caller=repeat,
        card=str(card.public_id) if card is not None else None,
    )


# 404: the token's user is not an operator of a 111 center
@router.post("/calls", response={200: CallOut, 201: CallOut, **errors(404)}, auth=[TokenAuth()])
def open_call(request: HttpRequest, payload: CallOpenIn) -> Status[CallOut]:
    """Open a call record; the same ``external_id`` again returns the first record (200)."""
    user = _operator(request)
    if len(payload.external_id) > 100:
        raise InvalidInput.on("external_id", _("Enter a text value of the allowed length."))
    record, created = services.open_call(
        actor=user,
        external_id=payload.external_id,
        started_at=_aware(payload.started_at, "started_at"),
        caller_number=payload.caller_number,
    )
    repeat = bool(record.caller_ref) and (
        CallRecord.objects.filter(helpline_id=record.helpline_id, caller_ref=record.caller_ref)
        .exclude(pk=record.pk)
        .exists()
    )
    return Status(201 if created else 200, _out(record, repeat=repeat))


@router.post("/calls/{external_id}/close", response=CallOut, auth=[TokenAuth()])
def close_call(request: HttpRequest, external_id: str, payload: CallCloseIn) -> CallOut:
    """Close a call record: its end and duration (computed from the times if not given)."""
    user = _operator(request)
    record = services.close_call(
        actor=user,
        external_id=external_id,
        ended_at=_aware(payload.ended_at, "ended_at"),
        duration_seconds=payload.duration_seconds,
    )
    return _out(record)


@router.get("/calls", response={200: list[CallOut], **errors(404)}, auth=session_or_token)
def list_calls(request: HttpRequest, limit: int = 50) -> list[CallOut]:
    """The center's latest calls, newest first (operators of the center only)."""
    _operator(request)
    if not 1 <= limit <= 500:
        raise InvalidInput.on("limit", _("Enter a number from 1 to 500."))
    return [_out(record) for record in selectors.latest_calls(request.user, limit)]
