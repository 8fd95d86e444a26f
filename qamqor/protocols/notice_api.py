"""Notices to the legal representatives of a case: read, review, confirm (brief 1.3.5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from qamqor.cases import selectors as case_selectors
from qamqor.notify.models import Notification
from qamqor.protocols import notices
from qamqor.protocols.models import RepresentativeNotice

router = Router(tags=["cases"])


class SmsPartOut(Schema):
    part: int
    parts: int
    attempt: int
    message_id: str
    state: str
    error_code: str
    receipt_at: datetime | None


class DeliveryOut(Schema):
    """One message a notice became: an email or an SMS, with its receipts."""

    id: int
    channel: str
    address: str
    language: str
    status: str
    attempts: int
    last_error: str
    sent_at: datetime | None
    sms_parts: list[SmsPartOut]

    @staticmethod
    def resolve_address(obj: Notification) -> str:
        return obj.recipient_address

    @staticmethod
    def resolve_sms_parts(obj: Notification) -> list[Any]:
        return list(obj.sms_parts.all())


class NoticeText(Schema):
    subject: str
    body: str
    sms: str


class NoticeOut(Schema):
    id: int
    step: str
    template: str
    trigger: str
    review: bool
    status: str
    edited: bool
    texts: dict[str, NoticeText]
    created_at: datetime
    confirmed_at: datetime | None
    confirmed_by: str | None
    deliveries: list[DeliveryOut]

    @staticmethod
    def resolve_step(obj: RepresentativeNotice) -> str:
        return obj.step.key

    @staticmethod
    def resolve_confirmed_by(obj: RepresentativeNotice) -> str | None:
        user = obj.confirmed_by
        if user is None:
            return None
        return user.get_full_name() or user.username

    @staticmethod
    def resolve_deliveries(obj: RepresentativeNotice) -> list[Notification]:
        return notices.deliveries(obj)


class ConfirmIn(Schema):
    """Corrections before the notice goes: per language, any of subject, body, sms."""

    texts: dict[str, dict[str, str]] = {}


class CancelIn(Schema):
    reason: str


@router.get(
    "cases/{number}/notices",
    response=list[NoticeOut],
    summary="Notices to the case's legal representatives, their deliveries and SMS receipts",
)
def list_notices(request: HttpRequest, number: str) -> list[RepresentativeNotice]:
    case = case_selectors.get_case_for_user(request.user, number, audit_read=True)  # type: ignore[arg-type]
    return list(
        RepresentativeNotice.objects.filter(case=case).select_related("step", "confirmed_by")
    )


def _notice(request: HttpRequest, number: str, notice_id: int) -> RepresentativeNotice:
    """A notice of a case the user sees (404 otherwise), to act on: not a read of the case."""
    case = case_selectors.get_case_for_user(request.user, number, audit_read=False)  # type: ignore[arg-type]
    return notices.notice_on_case(case, notice_id)


@router.post(
    "cases/{number}/notices/{notice_id}/confirm",
    response=NoticeOut,
    summary="Confirm a notice waiting for review, with corrections; it is sent",
)
def confirm_notice(
    request: HttpRequest, number: str, notice_id: int, payload: ConfirmIn
) -> RepresentativeNotice:
    notice = _notice(request, number, notice_id)
    return notices.confirm(notice=notice, actor=request.user, texts=payload.texts)  # type: ignore[arg-type]


@router.post(
    "cases/{number}/notices/{notice_id}/cancel",
    response=NoticeOut,
    summary="Decide a notice waiting for review is not sent, saying why",
)
def cancel_notice(
    request: HttpRequest, number: str, notice_id: int, payload: CancelIn
) -> RepresentativeNotice:
    notice = _notice(request, number, notice_id)
    return notices.cancel(notice=notice, actor=request.user, reason=payload.reason)  # type: ignore[arg-type]
