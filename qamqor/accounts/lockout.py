"""Locked sign-ins (django-axes) as coordinators see and lift them.

django-axes counts wrong passwords per account and per address separately
(``AXES_LOCKOUT_PARAMETERS``): a guesser who tries one account from many addresses and
one who tries many accounts from one address are both stopped. Locking per account lets
anyone lock a colleague out for the cool-off; a regional coordinator (for the accounts
of the region's organisations) and the national coordinator (for every account) can lift
it at once on the "Locked accounts" page or with ``qamqor manage unlock_login``. Every
unlock is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

from qamqor.accounts.models import Role, User
from qamqor.accounts.policy import scope_for
from qamqor.audit import services as audit


@dataclass(frozen=True)
class LockedAccount:
    user: User
    failures: int
    last_attempt: datetime
    unlocks_at: datetime | None


def unlockable_users(actor: User) -> QuerySet[User] | None:
    """The accounts ``actor`` may unlock, or None if ``actor`` coordinates nothing."""
    scope = scope_for(actor)
    if scope.national:
        return User.objects.all()
    if Role.REGIONAL_COORDINATOR in scope.roles and scope.region_ids:
        return User.objects.filter(
            memberships__active=True,
            memberships__organisation__region_id__in=scope.region_ids,
        ).distinct()
    return None


def failure_limit() -> int:
    return int(get_failure_limit(HttpRequest(), {}))


def locked_accounts(users: QuerySet[User]) -> list[LockedAccount]:
    """Accounts among ``users`` whose failures reached the limit within the cool-off."""
    cool_off = get_cool_off()
    attempts = AccessAttempt.objects.all()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    totals = {
        row["username"]: row
        for row in attempts.values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=failure_limit())
    }
    found = users.filter(username__in=list(totals)).order_by("username")
    return [
        LockedAccount(
            user=user,
            failures=totals[user.username]["failures"],
            last_attempt=totals[user.username]["last"],
            unlocks_at=(totals[user.username]["last"] + cool_off) if cool_off else None,
        )
        for user in found
    ]


def unlock(user: User, *, actor: User | None) -> int:
    """Forget the failed sign-ins of ``user``'s account (all addresses); audited."""
    removed = int(axes_reset(username=user.username))
    audit.record(
        actor=actor,
        action="account.unlock",
        object_type="user",
        object_id=user.pk,
        changes={"username": user.username, "attempts_removed": removed},
    )
    return removed
