"""Reads of the outbox scoped by the access policy (qamqor.accounts.policy)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from qamqor.accounts import policy
from qamqor.notify.models import Notification


def undelivered_for(user: object) -> QuerySet[Notification]:
    """Failed and unconfirmed notifications within the user's coordination (brief 1.3.3):
    a school coordinator's school, a regional coordinator's region, all for the national
    coordinator; nothing for anyone else."""
    scope = policy.scope_for(user)
    rows = Notification.objects.filter(status__in=Notification.UNDELIVERED)
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
