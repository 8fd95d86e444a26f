"""Reading in-app notifications: marking one, a group or all of them read, and those the
reader has just acted on."""

from django.utils import timezone

from qamqor.accounts.models import User
from qamqor.notify.models import Notification
from qamqor.units import entry_point


@entry_point
def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of ``user``'s in-app notifications read; False when ``user`` has no such
    notification (another user's is never touched: the page and the API answer 404)."""
    mine = Notification.objects.in_app_of(user).filter(pk=notification_id)
    if not mine.exists():
        return False
    mine.filter(read_at__isnull=True).update(read_at=timezone.now())
    return True


@entry_point
def mark_all_read(user: User, *, case: str = "", kind: str = "") -> int:
    """Mark ``user``'s unread in-app notifications read, all of them or those of one group
    (``case``: a case number or ``"none"``) and/or one kind; returns how many."""
    return (
        Notification.objects.in_app_of(user)
        .of_case(case)
        .of_kind(kind)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )


def mark_acted_on(user: User | None, *, template: str, link: str) -> int:
    """``user`` has done what the notifications of ``template`` pointing at ``link`` asked
    (a responder acknowledged the life-safety alert they announce): ``user``'s own copies
    are read, so they no longer stay pinned as unread urgent ones. Others' copies stay as
    they are. Runs in the caller's transaction; returns how many were marked."""
    if user is None:
        return 0
    return (
        Notification.objects.in_app_of(user)
        .filter(template=template, link=link, read_at__isnull=True)
        .update(read_at=timezone.now())
    )
