"""Who reads and who keeps training records (registered with ``accounts.access``).

- The catalogue (brief 2.3.4) is read by every member of staff and kept by the
  coordinating body's staff (national coordinators).
- A specialist's record (enrolments, certificates, hours) is seen by the specialist, the
  head of their organisation (a school's head or coordinator, a PSC's head for the PSC and its
  branches), the coordinator of its region and the national coordinator; anyone else gets
  a 404 (DESIGN §5.2).
- A PSC's methodological days (2.3.5) are seen by its staff and the coordinators above
  it, and scheduled and marked by those coordinators.
- The coverage figures (2.3.9) are aggregates: the coordinators (their regions) and
  monitors read them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from qamqor.accounts import access
from qamqor.accounts.models import Membership
from qamqor.accounts.policy import NOTHING, Scope
from qamqor.training.models import SPECIALIST_ROLES


def keeps_catalogue(scope: Scope) -> bool:
    """The coordinating body's staff keep the catalogue (brief 2.3.4: "managed by the
    coordination center")."""
    return bool(scope.coordinating_body_ids)


def heads_ids(scope: Scope) -> frozenset[int]:
    """Organisations whose staff's records the user sees as their head: the schools they
    head or coordinate, the PSC they head and its branches."""
    return scope.coordinated_school_ids | scope.headed_school_ids | scope.supervised_ids


def reaches_staff(scope: Scope) -> bool:
    return bool(heads_ids(scope) or scope.region_ids or scope.national)


def reachable_memberships(scope: Scope) -> Any:
    """The active specialist memberships the user reaches (heads: their organisations'; a
    regional coordinator: the region's; the national coordinator: all), or None."""
    if not reaches_staff(scope):
        return None
    memberships = Membership.objects.filter(active=True, role__in=SPECIALIST_ROLES)
    if not scope.national:
        memberships = memberships.filter(
            scope.where(region="organisation__region_id", organisation_id=heads_ids(scope))
        )
    return memberships


def _specialists(scope: Scope, user: Any, field: str) -> Q:
    """``field`` names the user themselves or a specialist they reach."""
    found = NOTHING
    if getattr(user, "is_authenticated", False):
        found = Q(**{field: user.pk})
    memberships = reachable_memberships(scope)
    if memberships is not None:
        found |= Q(**{f"{field}__in": memberships.values("user_id")})
    return found


@access.gate("training")
def training_gate(scope: Scope) -> bool:
    """The catalogue: every member of staff."""
    return bool(scope.roles)


@access.gate("training_manage")
def training_manage_gate(scope: Scope) -> bool:
    """Creating, editing and retiring programmes."""
    return keeps_catalogue(scope)


@access.gate("training_own")
def training_own_gate(scope: Scope) -> bool:
    """One's own record: those whose training is counted."""
    return bool(scope.roles & set(SPECIALIST_ROLES))


@access.gate("training_staff")
def training_staff_gate(scope: Scope) -> bool:
    """The records of one's staff: heads and coordinators."""
    return reaches_staff(scope)


@access.gate("training_days")
def training_days_gate(scope: Scope) -> bool:
    """Methodological days: PSC staff and the coordinators above them."""
    return bool(scope.psc_ids or scope.region_ids or scope.national)


@access.gate("training_days_manage")
def training_days_manage_gate(scope: Scope) -> bool:
    """Scheduling a day and recording attendance: regional and national coordinators."""
    return bool(scope.region_ids or scope.national)


@access.gate("training_coverage")
def training_coverage_gate(scope: Scope) -> bool:
    """The coverage figures: coordinators and monitors (aggregates only)."""
    return scope.sees_statistics


@access.rule("training.Programme", "view")
def programme_view(scope: Scope, user: Any) -> Q:
    """Every programme: the catalogue holds nothing personal."""
    return Q()


@access.rule("training.Programme", "manage")
def programme_manage(scope: Scope, user: Any) -> Q:
    return Q() if keeps_catalogue(scope) else NOTHING


@access.check("training.Programme", "manage")
def programme_manage_check(scope: Scope, user: Any, programme: Any) -> bool:
    return keeps_catalogue(scope)


@access.rule("accounts.User", "training_record")
def record_view(scope: Scope, user: Any) -> Q:
    """Whose training record the user opens: their own, and the specialists they reach."""
    return _specialists(scope, user, "pk")


@access.rule("training.Enrolment", "view")
def enrolment_view(scope: Scope, user: Any) -> Q:
    """The enrolments of the records the user opens."""
    return _specialists(scope, user, "specialist_id")


@access.rule("training.MethodologicalDay", "view")
def day_view(scope: Scope, user: Any) -> Q:
    """The days of the PSCs the user works at (a head: also the branches'), and of the
    PSCs of the regions they coordinate."""
    return scope.where(region="psc__region_id", psc_id=scope.psc_ids)


@access.rule("training.MethodologicalDay", "manage")
def day_manage(scope: Scope, user: Any) -> Q:
    return scope.where(region="psc__region_id")


access.operations(
    {
        "GET /training/programmes": access.Guard(
            model="training.Programme", action="view", gate="training"
        ),
        "POST /training/programmes": access.Guard(
            model="training.Programme", action="manage", gate="training_manage"
        ),
        "GET /training/programmes/{code}": access.Guard(
            model="training.Programme", action="view", gate="training"
        ),
        "PATCH /training/programmes/{code}": access.Guard(
            model="training.Programme", action="manage", gate="training_manage"
        ),
        "POST /training/programmes/{code}/retire": access.Guard(
            model="training.Programme", action="manage", gate="training_manage"
        ),
        "GET /training/me": access.Guard(gate="training_own"),
        "POST /training/me/enrolments": access.Guard(gate="training_own"),
        "GET /training/specialists": access.Guard(
            model="accounts.User", action="training_record", gate="training_staff"
        ),
        "GET /training/specialists/{specialist}": access.Guard(
            model="accounts.User", action="training_record"
        ),
        "GET /training/days": access.Guard(
            model="training.MethodologicalDay", action="view", gate="training_days"
        ),
        "POST /training/days": access.Guard(
            model="training.MethodologicalDay", action="manage", gate="training_days_manage"
        ),
        "POST /training/days/{public_id}/attendance": access.Guard(
            model="training.MethodologicalDay", action="manage", gate="training_days_manage"
        ),
        "GET /training/coverage": access.Guard(gate="training_coverage"),
    }
)
