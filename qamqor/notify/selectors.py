"""Reads of the outbox scoped by the access policy (qamqor.accounts.policy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from qamqor.accounts import policy
from qamqor.notify import kinds
from qamqor.notify.models import NO_CASE, Notification, NotificationQuerySet, undelivered_filter


def undelivered_for(user: object) -> QuerySet[Notification]:
    """Failed and unconfirmed notifications within the user's coordination (brief 1.3.3):
    a school coordinator's school, a regional coordinator's region, all for the national
    coordinator; nothing for anyone else."""
    scope = policy.scope_for(user)
    rows = Notification.objects.filter(undelivered_filter())
    if scope.national:
        return rows
    q = policy.NOTHING
    if scope.coordinated_school_ids:
        q |= Q(case__school_id__in=scope.coordinated_school_ids)
        q |= Q(organisation_id__in=scope.coordinated_school_ids)
    if scope.region_ids:
        q |= Q(case__region_id__in=scope.region_ids)
        q |= Q(organisation__region_id__in=scope.region_ids)
    return rows.filter(q)


# --- a reader's in-app list (brief 1.3.5: what needs the reader first is seen first) ----

URGENT_LIMIT = 20


@dataclass
class Group:
    """One case's notifications in the list (``case`` None: those without a case)."""

    case: Any  # the Case (notify sits below cases), None: notifications without a case
    total: int
    unread: int
    newest: Notification | None

    @property
    def key(self) -> str:
        return self.case.number if self.case is not None else NO_CASE


@dataclass
class KindCount:
    code: str
    label: str
    unread: int


def inbox(user: object, *, kind: str = "", case: str = "") -> NotificationQuerySet:
    """The user's own in-app notifications, of one kind and/or one group, newest first."""
    return (
        Notification.objects.in_app_of(user)
        .of_kind(kind)
        .of_case(case)
        .select_related("case")
        .order_by("-created_at", "-pk")
    )


def groups(user: object, *, kind: str = "") -> list[Group]:
    """The user's notifications grouped by case, the group with the newest first; two
    queries however many notifications and cases there are (counts, then the newest of
    each group)."""
    rows = list(
        Notification.objects.in_app_of(user)
        .of_kind(kind)
        .values("case_id")
        .annotate(
            total=Count("pk"),
            unread=Count("pk", filter=Q(read_at__isnull=True)),
            newest_at=Max("created_at"),
        )
        .order_by("-newest_at", "case_id")
    )
    if not rows:
        return []
    newest_at = {row["case_id"]: row["newest_at"] for row in rows}
    case_ids = [case_id for case_id in newest_at if case_id is not None]
    in_groups = Q(case_id__in=case_ids)
    if None in newest_at:
        in_groups |= Q(case__isnull=True)
    newest: dict[int | None, Notification] = {}
    candidates = (
        Notification.objects.in_app_of(user)
        .of_kind(kind)
        .filter(in_groups, created_at__in=set(newest_at.values()))
        .select_related("case")
        .order_by("-created_at", "-pk")
    )
    for item in candidates:
        if item.created_at == newest_at.get(item.case_id) and item.case_id not in newest:
            newest[item.case_id] = item
    return [
        Group(
            case=newest[row["case_id"]].case if row["case_id"] in newest else None,
            total=row["total"],
            unread=row["unread"],
            newest=newest.get(row["case_id"]),
        )
        for row in rows
    ]


def pinned(user: object, *, kind: str = "") -> list[Notification]:
    """Unread urgent notifications (life safety, overdue), pinned at the top until read."""
    return list(
        Notification.objects.in_app_of(user)
        .of_kind(kind)
        .urgent()
        .filter(read_at__isnull=True)
        .select_related("case")
        .order_by("-created_at", "-pk")[:URGENT_LIMIT]
    )


def kind_counts(user: object) -> list[KindCount]:
    """Every kind with the user's unread notifications of it (one query)."""
    unread: dict[str, int] = {}
    for template, count in (
        Notification.objects.in_app_of(user)
        .filter(read_at__isnull=True)
        .values_list("template")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        code = kinds.kind_of(template)
        unread[code] = unread.get(code, 0) + count
    return [KindCount(kind.code, kind.name, unread.get(kind.code, 0)) for kind in kinds.KINDS]
