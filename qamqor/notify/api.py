"""Undelivered notifications through the API: the coordinators' page
(``/notifications/undelivered/``) for integrations, with the same selector, the same
service and the same audit (brief 1.3.3). Outsiders get 404, as on the page."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from qamqor.accounts import access
from qamqor.apikit import AuditedPagination, errors
from qamqor.apikit import request_user as _user
from qamqor.notify import selectors, services
from qamqor.notify.models import Notification

router = Router(tags=["notifications"])


class UndeliveredOut(Schema):
    id: int
    channel: str
    status: str
    template: str
    subject: str
    recipient: str
    case: str | None
    attempts: int
    last_error: str
    created_at: datetime
    updated_at: datetime | None

    @staticmethod
    def resolve_recipient(obj: Notification) -> str:
        """What the page shows: the address, else the recipient user's name."""
        return obj.recipient_address or (str(obj.recipient) if obj.recipient else "")

    @staticmethod
    def resolve_case(obj: Notification) -> str | None:
        return obj.case.number if obj.case else None

    @staticmethod
    def resolve_updated_at(obj: Notification) -> datetime | None:
        """The last delivery event: sent, else the last try's hand-over, else the claim."""
        return obj.sent_at or obj.handed_over_at or obj.claimed_at


def _rows(request: HttpRequest) -> QuerySet[Notification]:
    user = _user(request)
    if not access.allows(user, "undelivered"):
        raise Http404("undelivered notifications")
    return selectors.undelivered_for(user)


@router.get(
    "/undelivered",
    response={200: list[UndeliveredOut], **errors(404)},
    summary="Failed and unconfirmed notifications in your scope (the read is audited)",
)
@paginate(AuditedPagination, audit_as="notify.Notification")
def list_undelivered(request: HttpRequest) -> object:
    rows = _rows(request)
    return rows.select_related("case", "recipient").order_by("-created_at", "-pk")


@router.post(
    "/{notification_id}/resend",
    response={200: UndeliveredOut, **errors(404)},
    summary="Send an undelivered notification again (the same Message-ID)",
)
def resend(request: HttpRequest, notification_id: int) -> Notification:
    """As the page's resend: queued again with its Message-ID and a fresh retry horizon;
    404 outside the caller's scope or when it is no longer undelivered."""
    rows = _rows(request)
    found = get_object_or_404(rows, pk=notification_id)
    services.resend(rows.filter(pk=found.pk), actor=_user(request))
    return Notification.objects.select_related("case", "recipient").get(pk=found.pk)
