"""What the care services share: the provider (a PSC and its branches), who is told,
the week and the day in Almaty, and the lock that serialises decisions about one child."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from qamqor.accounts import policy
from qamqor.accounts.models import User
from qamqor.care.models import CareClient
from qamqor.cases.models import Child
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.errors import InvalidInput
from qamqor.protocols.workdays import ALMATY

MIN_JUSTIFICATION = 20
MIN_REASON = 20
CLOCK_SKEW = timedelta(minutes=10)
PSC_KINDS = {OrganisationKind.PSC, OrganisationKind.PSC_BRANCH}


def provider_ids(organisation: Organisation) -> set[int]:
    """A PSC and its branches are one provider: consent given to one covers the others,
    and crisis sessions at any of them count to the same limit."""
    if organisation.kind not in PSC_KINDS:
        return {organisation.pk}
    root_id = (
        organisation.parent_id
        if organisation.kind == OrganisationKind.PSC_BRANCH and organisation.parent_id
        else organisation.pk
    )
    branches = Organisation.objects.filter(parent_id=root_id, kind=OrganisationKind.PSC_BRANCH)
    return {root_id, *branches.values_list("pk", flat=True)}


def regional_coordinators(region_id: int | None) -> QuerySet[User]:
    """The region's coordinators (the access policy's list), none without a region."""
    if region_id is None:
        return User.objects.none()
    return policy.regional_coordinators(region_id)


national_coordinators = policy.national_coordinators


def staff_of(organisation_ids: Iterable[int], roles: Iterable[str]) -> QuerySet[User]:
    """Active users holding one of ``roles`` at one of the organisations."""
    return User.objects.filter(
        memberships__organisation_id__in=list(organisation_ids),
        memberships__role__in=list(roles),
        memberships__active=True,
        is_active=True,
    ).distinct()


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def local_today(now: datetime | None = None) -> date:
    """Today in Kazakhstan (Almaty), where weeks and deadlines are counted."""
    return (now or timezone.now()).astimezone(ALMATY).date()


def lock_child(child: Child) -> Child:
    """Serialise decisions about one child's care (a row lock on PostgreSQL; SQLite's
    IMMEDIATE transactions already serialise writers)."""
    return Child.objects.select_for_update().get(pk=child.pk)


def ensure_client(child: Child, organisation: Organisation, via: str) -> None:
    """Make the child a client of ``organisation``: its staff then see the child."""
    CareClient.objects.get_or_create(
        child=child, organisation=organisation, defaults={"via": via, "since": timezone.now()}
    )


def require_text(field: str, text: str, minimum: int, message: Any) -> str:
    """The stripped text, or a 422 on ``field`` when shorter than ``minimum``."""
    text = (text or "").strip()
    if len(text) < minimum:
        raise InvalidInput.on(field, message)
    return text
