"""The user's ``Scope``: what their memberships open, computed from one query per request.

``accounts.access`` is the one door (``Model.objects.restrict(user, action)``, page gates)
and the apps' ``rules.py`` turn a Scope into filters; this module only reads memberships
and offers the Scope-level predicates the rules share (triage, closure, task list). It
imports no other app. An object outside a user's scope is reported as 404, never 403, so
its existence is not confirmed (DESIGN §5.2).

- school staff see the cases of their school;
- PSC staff see the cases where their PSC (a PSC head: also its branches) has a step;
- an agency (police, guardianship, clinic, education department) sees the cases where it
  has a step; the 111 center also sees the cases it received;
- a regional coordinator sees the region's cases, the national coordinator all;
- a monitor sees aggregates only, never a case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from qamqor.accounts.models import Membership, Role, User
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

# A filter that matches no row (``Q()`` matches every row).
NOTHING = Q(pk__in=[])


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
    # Psychological support and screenings read the same memberships (no second query):
    school_psychologist_ids: frozenset[int] = frozenset()  # schools where they are one
    psc_ids: frozenset[int] = frozenset()  # PSCs they work at (a head: also its branches)
    supervised_ids: frozenset[int] = frozenset()  # a PSC head's PSC and its branches
    # The organisations a coordinator acts for: an education department, the coordinating body
    regional_department_ids: frozenset[int] = frozenset()
    coordinating_body_ids: frozenset[int] = frozenset()
    # The schools a user heads (Order No. 506 p. 3: the head approves the prevention plan);
    # a head is not school staff for cases: ``school_ids`` does not include these.
    headed_school_ids: frozenset[int] = frozenset()

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

    def where(self, region: str | None = "region_id", **fields: Iterable[int]) -> Q:
        """Rows whose ``field`` is among the given ids, for each non-empty set, or (when
        ``region`` names a field) in a region the user coordinates; the national
        coordinator: every row. ``NOTHING`` when no set applies.

        The one shape of the rules: ``scope.where(school_id=scope.school_ids)``.
        """
        if region is not None and self.national:
            return Q()
        q = NOTHING
        for name, ids in fields.items():
            if ids := frozenset(ids):
                q |= Q(**{f"{name}__in": ids})
        if region is not None and self.region_ids:
            q |= Q(**{f"{region}__in": self.region_ids})
        return q

    def placed_q(self, action: str) -> Q:
        """Records that stand where a report does (``school_id``, ``received_by_id``,
        ``region_id``: a report, a case) the user may ``action``: "view" (the school's
        staff, the 111 center that received it, the region's coordinator, the national
        one), "triage" (of the school only its coordinator) or "close" (the school
        coordinator or a coordinator above it)."""
        schools, received = self._placed_reach(action)
        return self.where(school_id=schools, received_by_id=received)

    def reaches(self, action: str, record: Any) -> bool:
        """``placed_q(action)`` for one record in memory."""
        schools, received = self._placed_reach(action)
        return (
            self.national
            or record.region_id in self.region_ids
            or record.school_id in schools
            or getattr(record, "received_by_id", None) in received
        )

    def _placed_reach(self, action: str) -> tuple[frozenset[int], frozenset[int]]:
        if action == "view":
            return self.school_ids, self.received_by_ids
        if action == "triage":
            return self.coordinated_school_ids, self.received_by_ids
        if action == "close":
            return self.coordinated_school_ids, frozenset()
        raise LookupError(f"No placed-record action {action!r}.")


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
    departments: set[int] = set()
    coordinating_bodies: set[int] = set()
    psc_heads: set[int] = set()
    school_psychologists: set[int] = set()
    pscs: set[int] = set()
    headed: set[int] = set()
    for membership in memberships:
        org = membership.organisation
        roles.add(membership.role)
        if membership.role in SCHOOL_ROLES:
            schools.add(org.pk)
            if membership.role == Role.SCHOOL_COORDINATOR:
                coordinated.add(org.pk)
            else:
                school_psychologists.add(org.pk)
        elif membership.role in PSC_ROLES:
            step_orgs.add(org.pk)
            pscs.add(org.pk)
            if membership.role == Role.PSC_HEAD:
                psc_heads.add(org.pk)
        elif membership.role in AGENCY_ROLES:
            step_orgs.add(org.pk)
            if membership.role == Role.OPERATOR_111:
                received.add(org.pk)
        elif membership.role == Role.REGIONAL_COORDINATOR and org.region_id:
            regions.add(org.region_id)
            step_orgs.add(org.pk)  # the education department's own protocol steps
            departments.add(org.pk)
        elif membership.role == Role.NATIONAL_COORDINATOR:
            national = True
            coordinating_bodies.add(org.pk)
        elif membership.role == Role.SCHOOL_HEAD:
            headed.add(org.pk)
    supervised = set(psc_heads)
    if psc_heads:
        supervised.update(
            Organisation.objects.filter(
                parent_id__in=psc_heads, kind=OrganisationKind.PSC_BRANCH
            ).values_list("pk", flat=True)
        )
        step_orgs.update(supervised)
        pscs.update(supervised)
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
        school_psychologist_ids=frozenset(school_psychologists),
        psc_ids=frozenset(pscs),
        supervised_ids=frozenset(supervised),
        regional_department_ids=frozenset(departments),
        coordinating_body_ids=frozenset(coordinating_bodies),
        headed_school_ids=frozenset(headed),
    )
    user._qamqor_scope = scope
    return scope


def task_organisation_ids(scope: Scope) -> frozenset[int]:
    """Organisations whose protocol steps are on the user's task list (a PSC head: also
    the branches'), and so whose steps the user completes."""
    return scope.step_organisation_ids | scope.school_ids


def regional_coordinators(region_id: int) -> QuerySet[User]:
    """Active users coordinating ``region_id``: they receive its escalations (1.3.3)."""
    return User.objects.filter(
        memberships__role=Role.REGIONAL_COORDINATOR,
        memberships__active=True,
        memberships__organisation__region_id=region_id,
        is_active=True,
    ).distinct()


def national_coordinators() -> QuerySet[User]:
    """Active national coordinators: the last level of escalation."""
    return User.objects.filter(
        memberships__role=Role.NATIONAL_COORDINATOR, memberships__active=True, is_active=True
    ).distinct()


def statistics_region_ids(user: object) -> frozenset[int] | None:
    """Regions whose aggregates the user may see; None means the whole country."""
    scope = scope_for(user)
    if scope.statistics_national:
        return None
    return scope.statistics_region_ids


# --- psychological support: referrals, care records, supervision, appeals -----
#
# Added for qamqor.referrals and qamqor.care (docs/psychological-support.md). A child
# referred or shared to an organisation, or in that organisation's own care records, is
# visible to its staff: ``care.rules`` adds that to the children a user sees.

PSYCHOLOGIST_ROLES = {Role.SCHOOL_PSYCHOLOGIST, Role.PSC_PSYCHOLOGIST, Role.PSC_HEAD}


@dataclass(frozen=True)
class CareScope:
    """What a user's memberships open in psychological support, computed once per request."""

    psychologist_org_ids: frozenset[int] = frozenset()  # a school or PSC they work at as one
    psc_org_ids: frozenset[int] = frozenset()  # PSCs and branches (a head: also the branches)
    supervised_org_ids: frozenset[int] = frozenset()  # a PSC head's PSC and its branches
    referral_org_ids: frozenset[int] = frozenset()  # organisations they refer from or to
    region_ids: frozenset[int] = frozenset()  # regional coordinator
    national: bool = False
    monitor: bool = False


def care_scope_for(user: Any) -> CareScope:
    """The user's scope in psychological support, read from the request's one ``Scope``
    (no query of its own); anonymous users get the empty one."""
    return care_scope_for_scope(scope_for(user))


def care_scope_for_scope(scope: Scope) -> CareScope:
    """``care_scope_for`` of a Scope already at hand."""
    psc = scope.psc_ids
    return CareScope(
        psychologist_org_ids=scope.school_psychologist_ids | psc,
        psc_org_ids=psc,
        supervised_org_ids=scope.supervised_ids,
        referral_org_ids=scope.step_organisation_ids | scope.school_ids,
        region_ids=scope.region_ids,
        national=scope.national,
        monitor=Role.MONITOR in scope.roles,
    )


# --- screenings: standardized instruments ---------------------------------------------
#
# Added for qamqor.instruments (docs/instruments.md). Answers and results of a screening
# are seen by psychologists only: a school psychologist for the pupils of the school, PSC
# staff for the children visible to them (cases, referrals) and for alerts escalated to
# their PSC. Coordinators see campaign progress and, like monitors, suppressed aggregates
# only (``statistics_region_ids``); nobody else sees a result.


@dataclass(frozen=True)
class ScreeningScope:
    """Where a user may screen children or watch campaigns, computed once per request."""

    school_ids: frozenset[int] = frozenset()  # schools where they are the psychologist
    psc_ids: frozenset[int] = frozenset()  # PSCs they work at (a head: also the branches)
    region_ids: frozenset[int] = frozenset()  # regions they coordinate
    national: bool = False

    @property
    def administers(self) -> bool:
        return bool(self.school_ids or self.psc_ids)

    @property
    def organisation_ids(self) -> frozenset[int]:
        return self.school_ids | self.psc_ids


def screening_scope_for(user: Any) -> ScreeningScope:
    """The user's screening scope, read from the request's one ``Scope`` (no query of its
    own); anonymous and inactive users get the empty one."""
    scope = scope_for(user)
    return ScreeningScope(
        school_ids=scope.school_psychologist_ids,
        psc_ids=scope.psc_ids,
        region_ids=scope.region_ids,
        national=scope.national,
    )
