"""The access policy: the one place that decides who may see and change what.

Every view and API endpoint that touches personal data reads through these filters
(``Case.objects.visible_to(user)`` and friends call them). An object outside a user's
scope is reported as 404, never 403, so its existence is not confirmed (DESIGN §5.2).

- school staff see the cases of their school;
- PSC staff see the cases where their PSC (a PSC head: also its branches) has a step;
- an agency (police, guardianship, clinic, education department) sees the cases where it
  has a step; the 111 center also sees the cases it received;
- a regional coordinator sees the region's cases, the national coordinator all;
- a monitor sees aggregates only, never a case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from qamqor.accounts.models import Membership, Role
from qamqor.directory.models import Organisation, OrganisationKind

SCHOOL_ROLES = {Role.SCHOOL_COORDINATOR, Role.SCHOOL_PSYCHOLOGIST}
PSC_ROLES = {Role.PSC_PSYCHOLOGIST, Role.PSC_HEAD}
AGENCY_ROLES = {
    Role.POLICE_INSPECTOR,
    Role.GUARDIANSHIP_OFFICER,
    Role.HEALTH_WORKER,
    Role.OPERATOR_111,
}
COORDINATOR_ROLES = {Role.REGIONAL_COORDINATOR, Role.NATIONAL_COORDINATOR}
TRIAGE_ROLES = {Role.SCHOOL_COORDINATOR, Role.OPERATOR_111, *COORDINATOR_ROLES}


@dataclass(frozen=True)
class Scope:
    """What one user's memberships open, computed once per request."""

    roles: frozenset[str] = frozenset()
    school_ids: frozenset[int] = frozenset()
    coordinated_school_ids: frozenset[int] = frozenset()
    step_organisation_ids: frozenset[int] = frozenset()
    received_by_ids: frozenset[int] = frozenset()
    region_ids: frozenset[int] = frozenset()
    national: bool = False
    statistics_region_ids: frozenset[int] = frozenset()
    organisation_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def sees_cases(self) -> bool:
        return bool(
            self.national
            or self.school_ids
            or self.step_organisation_ids
            or self.received_by_ids
            or self.region_ids
        )

    @property
    def sees_statistics(self) -> bool:
        return self.national or bool(self.statistics_region_ids) or Role.MONITOR in self.roles

    @property
    def statistics_national(self) -> bool:
        return self.national or Role.MONITOR in self.roles


def scope_for(user: Any) -> Scope:
    """The user's scope; anonymous and inactive users get the empty scope."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Scope()
    cached: Scope | None = getattr(user, "_qamqor_scope", None)
    if cached is not None:
        return cached
    memberships = list(
        Membership.objects.filter(user_id=user.pk, active=True).select_related("organisation")
    )
    roles: set[str] = set()
    schools: set[int] = set()
    coordinated: set[int] = set()
    step_orgs: set[int] = set()
    received: set[int] = set()
    regions: set[int] = set()
    national = False
    psc_heads: set[int] = set()
    for membership in memberships:
        org = membership.organisation
        roles.add(membership.role)
        if membership.role in SCHOOL_ROLES:
            schools.add(org.pk)
            if membership.role == Role.SCHOOL_COORDINATOR:
                coordinated.add(org.pk)
        elif membership.role in PSC_ROLES:
            step_orgs.add(org.pk)
            if membership.role == Role.PSC_HEAD:
                psc_heads.add(org.pk)
        elif membership.role in AGENCY_ROLES:
            step_orgs.add(org.pk)
            if membership.role == Role.OPERATOR_111:
                received.add(org.pk)
        elif membership.role == Role.REGIONAL_COORDINATOR and org.region_id:
            regions.add(org.region_id)
        elif membership.role == Role.NATIONAL_COORDINATOR:
            national = True
    if psc_heads:
        step_orgs.update(
            Organisation.objects.filter(
                parent_id__in=psc_heads, kind=OrganisationKind.PSC_BRANCH
            ).values_list("pk", flat=True)
        )
    scope = Scope(
        roles=frozenset(roles),
        school_ids=frozenset(schools),
        coordinated_school_ids=frozenset(coordinated),
        step_organisation_ids=frozenset(step_orgs),
        received_by_ids=frozenset(received),
        region_ids=frozenset(regions),
        national=national,
        statistics_region_ids=frozenset(regions),
        organisation_ids=frozenset(m.organisation_id for m in memberships),
    )
    user._qamqor_scope = scope
    return scope


NOTHING = Q(pk__in=[])


def case_filter(user: object) -> Q:
    """A filter on ``cases.Case`` for the cases the user may see."""
    scope = scope_for(user)
    if scope.national:
        return Q()
    if not scope.sees_cases:
        return NOTHING
    q = NOTHING
    if scope.school_ids:
        q |= Q(school_id__in=scope.school_ids)
    if scope.received_by_ids:
        q |= Q(received_by_id__in=scope.received_by_ids)
    if scope.region_ids:
        q |= Q(region_id__in=scope.region_ids)
    if scope.step_organisation_ids:
        step = apps.get_model("protocols", "Step")
        q |= Q(
            Exists(
                step.objects.filter(
                    case_id=OuterRef("pk"), organisation_id__in=scope.step_organisation_ids
                )
            )
        )
    return q


def child_filter(user: object) -> Q:
    """A filter on ``cases.Child``: pupils of the user's schools, children of the region
    (coordinators), and children of any case the user may see."""
    scope = scope_for(user)
    if scope.national:
        return Q()
    q = NOTHING
    if scope.school_ids:
        q |= Q(school_id__in=scope.school_ids)
    if scope.region_ids:
        q |= Q(region_id__in=scope.region_ids)
    if scope.sees_cases:
        case = apps.get_model("cases", "Case")
        q |= Q(Exists(case.objects.filter(case_filter(user), child_id=OuterRef("pk"))))
    return q


def report_filter(user: object) -> Q:
    """A filter on ``intake.Report``: reports waiting for triage that the user may see."""
    scope = scope_for(user)
    if scope.national:
        return Q()
    q = NOTHING
    if scope.school_ids:
        q |= Q(school_id__in=scope.school_ids)
    if scope.received_by_ids:
        q |= Q(received_by_id__in=scope.received_by_ids)
    if scope.region_ids:
        q |= Q(region_id__in=scope.region_ids)
    return q


def step_filter(user: object) -> Q:
    """A filter on ``protocols.Step``: the steps on the user's organisations' task lists."""
    scope = scope_for(user)
    orgs = scope.step_organisation_ids | scope.school_ids
    return Q(organisation_id__in=orgs) if orgs else NOTHING


def can_triage(
    user: object, *, school_id: int | None, region_id: int | None, received_by_id: int | None
) -> bool:
    """Triage and registration: the school coordinator, the 111 center or a coordinator."""
    scope = scope_for(user)
    return (
        scope.national
        or region_id in scope.region_ids
        or school_id in scope.coordinated_school_ids
        or received_by_id in scope.received_by_ids
    )


def can_complete_step(user: object, *, organisation_id: int) -> bool:
    """A step is completed by a member of its accountable organisation (or the PSC head)."""
    scope = scope_for(user)
    return organisation_id in scope.step_organisation_ids or organisation_id in scope.school_ids


def can_close_case(user: object, *, school_id: int | None, region_id: int) -> bool:
    """Closure: the school coordinator of the case's school, or a coordinator above it."""
    scope = scope_for(user)
    return (
        scope.national or region_id in scope.region_ids or school_id in scope.coordinated_school_ids
    )


def statistics_region_ids(user: object) -> frozenset[int] | None:
    """Regions whose aggregates the user may see; None means the whole country."""
    scope = scope_for(user)
    if scope.statistics_national:
        return None
    return scope.statistics_region_ids
