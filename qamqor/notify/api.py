"""Notifications through the API.

- The reader's own in-app notifications, as on ``/notifications/``: a list filtered by
  kind, group (case) and urgency, the groups by case, marking one, a group or a kind read,
  and the daily-digest preference; the same selectors, forms and services as the page.
  Nobody reads or marks another user's notifications (404).
- Undelivered notifications: the coordinators' page (``/notifications/undelivered/``) for
  integrations, with the same selector, the same service and the same audit (brief
  1.3.3). Outsiders get 404, as on the page."""

from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from qamqor.accounts import access
from qamqor.apikit import AuditedPagination, Pagination, errors, validated
from qamqor.apikit import request_user as _user
from qamqor.notify import kinds, selectors, services
from qamqor.notify.forms import DigestForm, MarkReadForm
from qamqor.notify.models import Notification
from qamqor.translation import active_language

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


# --- the reader's own notifications ------------------------------------------------------


class NotificationOut(Schema):
    id: int
    template: str
    kind: str
    urgent: bool
    subject: str
    body: str
    link: str
    case: str | None
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_kind(obj: Notification) -> str:
        return kinds.kind_of(obj.template)

    @staticmethod
    def resolve_urgent(obj: Notification) -> bool:
        return kinds.is_urgent(obj.template)

    @staticmethod
    def resolve_subject(obj: Notification) -> str:
        """In the caller's language (``Accept-Language``) where the row holds every one."""
        return obj.text_in(active_language())[0]

    @staticmethod
    def resolve_body(obj: Notification) -> str:
        return obj.text_in(active_language())[1]

    @staticmethod
    def resolve_case(obj: Notification) -> str | None:
        return obj.case.number if obj.case else None


class GroupOut(Schema):
    case: str = Field(description='a case number, or "none" for notifications without a case')
    total: int
    unread: int
    newest: NotificationOut | None


class InboxFilter(Schema):
    kind: str = Field("", description="one of " + ", ".join(kinds.KIND_CODES) + "; empty: all")
    case: str = Field("", description='a case number, "none", or empty: every group')
    urgent: bool = Field(False, description="only unread urgent ones (life safety, overdue)")
    unread: bool = False


class MarkReadIn(Schema):
    case: str = ""
    kind: str = ""


class MarkedOut(Schema):
    marked: int


class PreferenceIn(Schema):
    daily_digest: bool


class PreferenceOut(Schema):
    daily_digest: bool


def _kind(kind: str) -> str:
    return str(validated(MarkReadForm, {"kind": kind})["kind"])


@router.get(
    "",
    response={200: list[NotificationOut], **errors(422)},
    summary="Your in-app notifications: by kind, group (case) or urgency, newest first",
)
@paginate(Pagination)
def list_notifications(request: HttpRequest, filters: Query[InboxFilter]) -> object:
    rows = selectors.inbox(_user(request), kind=_kind(filters.kind), case=filters.case)
    if filters.urgent:
        rows = rows.urgent().filter(read_at__isnull=True)
    if filters.unread:
        rows = rows.filter(read_at__isnull=True)
    return rows


@router.get(
    "/groups",
    response={200: list[GroupOut], **errors(422)},
    summary="Your in-app notifications grouped by case: counts and the newest message",
)
@paginate(Pagination)
def notification_groups(request: HttpRequest, kind: str = "") -> object:
    return [
        {"case": group.key, "total": group.total, "unread": group.unread, "newest": group.newest}
        for group in selectors.groups(_user(request), kind=_kind(kind))
    ]


@router.post(
    "/read",
    response={200: MarkedOut, **errors(422)},
    summary="Mark your unread notifications read: all, one group and/or one kind",
)
def mark_notifications_read(request: HttpRequest, payload: MarkReadIn) -> dict[str, int]:
    data = validated(MarkReadForm, payload.dict())
    return {"marked": services.mark_all_read(_user(request), **data)}


@router.post(
    "/{notification_id}/read",
    response={200: NotificationOut, **errors(404)},
    summary="Mark one of your notifications read (another user's: 404)",
)
def mark_notification_read(request: HttpRequest, notification_id: int) -> Notification:
    user = _user(request)
    if not services.mark_read(user, notification_id):
        raise Http404("no such notification")
    return selectors.inbox(user).get(pk=notification_id)


@router.get(
    "/preference",
    response=PreferenceOut,
    summary="Your email preference: one daily digest, or each notification at once",
)
def get_notification_preference(request: HttpRequest) -> dict[str, bool]:
    return {"daily_digest": services.wants_digest(_user(request))}


@router.put(
    "/preference",
    response={200: PreferenceOut, **errors(422)},
    summary="Turn the daily email digest on or off (urgent ones are always sent at once)",
)
def set_notification_preference(request: HttpRequest, payload: PreferenceIn) -> dict[str, bool]:
    data = validated(DigestForm, payload.dict())
    return {"daily_digest": services.set_daily_digest(_user(request), **data)}
