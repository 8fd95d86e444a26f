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
from django.db.models import Exists, OuterRef, Q, QuerySet

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
            step_orgs.add(org.pk)  # the education department's own protocol steps
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
    q |= care_child_filter(user)  # referred, shared or in the organisation's care
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
# Added for qamqor.referrals and qamqor.care (docs/psychological-support.md). The one
# change above this section is the last clause of ``child_filter``, which calls
# ``care_child_filter``: a child referred or shared to an organisation, or in that
# organisation's own care records, is visible to its staff.

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
    """The user's scope in psychological support; anonymous users get the empty one."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return CareScope()
    cached: CareScope | None = getattr(user, "_qamqor_care_scope", None)
    if cached is not None:
        return cached
    scope = scope_for(user)
    by_role: dict[str, set[int]] = {}
    for role, organisation_id in Membership.objects.filter(
        user_id=user.pk, active=True
    ).values_list("role", "organisation_id"):
        by_role.setdefault(role, set()).add(organisation_id)
    heads = by_role.get(Role.PSC_HEAD, set())
    supervised = set(heads)
    if heads:
        supervised.update(
            Organisation.objects.filter(
                parent_id__in=heads, kind=OrganisationKind.PSC_BRANCH
            ).values_list("pk", flat=True)
        )
    psc = by_role.get(Role.PSC_PSYCHOLOGIST, set()) | supervised
    care = CareScope(
        psychologist_org_ids=frozenset(by_role.get(Role.SCHOOL_PSYCHOLOGIST, set()) | psc),
        psc_org_ids=frozenset(psc),
        supervised_org_ids=frozenset(supervised),
        referral_org_ids=frozenset(scope.step_organisation_ids | scope.school_ids),
        region_ids=scope.region_ids,
        national=scope.national,
        monitor=Role.MONITOR in scope.roles,
    )
    user._qamqor_care_scope = care
    return care


def care_child_filter(user: object) -> Q:
    """Children an organisation of the user received (an active share or a self-referral)
    or holds its own care records for (consent, crisis basis, consultation)."""
    orgs = care_scope_for(user).referral_org_ids
    if not orgs:
        return NOTHING
    share = apps.get_model("care", "ChildShare")
    client = apps.get_model("care", "CareClient")
    return Q(
        Exists(
            share.objects.filter(
                child_id=OuterRef("pk"), to_organisation_id__in=orgs, revoked_at__isnull=True
            )
        )
    ) | Q(Exists(client.objects.filter(child_id=OuterRef("pk"), organisation_id__in=orgs)))


def referral_filter(user: object) -> Q:
    """A filter on ``referrals.Referral``: the referrer's organisation sees what it sent;
    the receiving organisation sees it while the data-sharing basis holds (a self-referral
    always); coordinators see their region's, the national coordinator all."""
    care = care_scope_for(user)
    if care.national:
        return Q()
    q = NOTHING
    if care.referral_org_ids:
        orgs = care.referral_org_ids
        q |= Q(from_organisation_id__in=orgs)
        q |= Q(to_organisation_id__in=orgs) & (
            Q(kind="self_referral") | Q(share__revoked_at__isnull=True)
        )
    if care.region_ids:
        q |= Q(child__region_id__in=care.region_ids)
    return q


def consultation_filter(user: object) -> Q:
    """A filter on ``care.Consultation``: the psychologist's own, their colleagues' at the
    same organisation (without the notes), and a PSC head's staff's. Coordinators see
    aggregates only."""
    care = care_scope_for(user)
    orgs = care.psychologist_org_ids | care.supervised_org_ids
    q = Q(psychologist_id=getattr(user, "pk", None)) if orgs else NOTHING
    if orgs:
        q |= Q(organisation_id__in=orgs)
    return q


def can_read_consultation_notes(
    user: object, *, psychologist_id: int, organisation_id: int
) -> bool:
    """Confidential notes: the psychologist who wrote them and their supervisor (PSC head)."""
    if psychologist_id == getattr(user, "pk", None):
        return True
    return organisation_id in care_scope_for(user).supervised_org_ids


def can_give_care(user: object, *, organisation_id: int) -> bool:
    """Consent records and consultations: a psychologist of that organisation."""
    return organisation_id in care_scope_for(user).psychologist_org_ids


def can_record_crisis_basis(user: object, *, organisation_id: int) -> bool:
    """The crisis exception is the PSC's (brief 1.5.2): PSC staff of that organisation."""
    return organisation_id in care_scope_for(user).psc_org_ids


def can_act_for(user: object, *, organisation_id: int) -> bool:
    """Referring from, accepting for or sharing from an organisation: one of its staff."""
    return organisation_id in care_scope_for(user).referral_org_ids


def crisis_basis_filter(user: object) -> Q:
    """A filter on ``care.CrisisBasis``: the PSC's staff, its head, and the coordinators,
    to whom every exception is reported (brief 1.5.2)."""
    care = care_scope_for(user)
    if care.national:
        return Q()
    q = NOTHING
    if care.psc_org_ids:
        q |= Q(organisation_id__in=care.psc_org_ids)
    if care.region_ids:
        q |= Q(organisation__region_id__in=care.region_ids)
    return q


def supervision_filter(user: object) -> Q:
    """A filter on ``care.SupervisionSession``: participants, the facilitator, whoever
    recorded it, the host PSC's head, and coordinators (who organise supervision, 2.3.3)."""
    care = care_scope_for(user)
    if care.national:
        return Q()
    pk = getattr(user, "pk", None)
    if pk is None:
        return NOTHING
    q = Q(recorded_by_id=pk) | Q(facilitator_id=pk) | Q(participants__id=pk)
    if care.supervised_org_ids:
        q |= Q(organisation_id__in=care.supervised_org_ids)
    if care.region_ids:
        q |= Q(organisation__region_id__in=care.region_ids)
    return q


def work_log_filter(user: object) -> Q:
    """A filter on ``care.WorkWeek``: one's own weeks, a PSC head's staff's, coordinators'
    regions. School management does not see a psychologist's work log (brief 3.4.2)."""
    care = care_scope_for(user)
    if care.national:
        return Q()
    pk = getattr(user, "pk", None)
    q = Q(user_id=pk) if pk is not None else NOTHING
    if care.supervised_org_ids:
        q |= Q(organisation_id__in=care.supervised_org_ids)
    if care.region_ids:
        q |= Q(organisation__region_id__in=care.region_ids)
    return q


def appeal_filter(user: object) -> Q:
    """A filter on ``care.Appeal``: the coordinating body (national coordinators) only.

    Nobody at the author's organisation, nor the regional education department above it,
    sees an appeal (brief 1.5.4: protection from pressure).
    """
    return Q() if care_scope_for(user).national else NOTHING


def consent_filter(user: object) -> Q:
    """A filter on ``care.ConsentRecord``: the organisation it was given to (a PSC's
    consent also to its branches' staff) and the organisations it names for sharing."""
    orgs = care_scope_for(user).referral_org_ids
    if not orgs:
        return NOTHING
    return (
        Q(organisation_id__in=orgs)
        | Q(organisation__branches__id__in=orgs)
        | Q(share_with__id__in=orgs)
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
    """The user's screening scope; anonymous and inactive users get the empty one."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return ScreeningScope()
    cached: ScreeningScope | None = getattr(user, "_qamqor_screening_scope", None)
    if cached is not None:
        return cached
    scope = scope_for(user)
    schools: set[int] = set()
    pscs: set[int] = set()
    heads: set[int] = set()
    for role, organisation_id in Membership.objects.filter(
        user_id=user.pk, active=True, role__in=[Role.SCHOOL_PSYCHOLOGIST, *PSC_ROLES]
    ).values_list("role", "organisation_id"):
        if role == Role.SCHOOL_PSYCHOLOGIST:
            schools.add(organisation_id)
        else:
            pscs.add(organisation_id)
            if role == Role.PSC_HEAD:
                heads.add(organisation_id)
    if heads:
        pscs.update(
            Organisation.objects.filter(
                parent_id__in=heads, kind=OrganisationKind.PSC_BRANCH
            ).values_list("pk", flat=True)
        )
    screening = ScreeningScope(
        school_ids=frozenset(schools),
        psc_ids=frozenset(pscs),
        region_ids=scope.region_ids,
        national=scope.national,
    )
    user._qamqor_screening_scope = screening
    return screening


def screening_child_filter(user: object) -> Q:
    """A filter on ``cases.Child``: the children the user may screen (and see results of)."""
    screening = screening_scope_for(user)
    q = NOTHING
    if screening.school_ids:
        q |= Q(school_id__in=screening.school_ids)
    if screening.psc_ids:
        alert = apps.get_model("instruments", "Alert")
        q |= child_filter(user)
        q |= Q(
            Exists(
                alert.objects.filter(child_id=OuterRef("pk"), escalated_to_id__in=screening.psc_ids)
            )
        )
    return q


def screening_filter(user: object) -> Q:
    """A filter on ``instruments.Administration``: the answers and results the user may see."""
    screening = screening_scope_for(user)
    if not screening.administers:
        return NOTHING
    q = Q(organisation_id__in=screening.organisation_ids)
    if screening.school_ids:
        q |= Q(child__school_id__in=screening.school_ids)
    if screening.psc_ids:
        child = apps.get_model("cases", "Child")
        alert = apps.get_model("instruments", "Alert")
        q |= Q(child_id__in=child.objects.filter(child_filter(user)).values("pk"))
        q |= Q(
            Exists(
                alert.objects.filter(
                    administration_id=OuterRef("pk"), escalated_to_id__in=screening.psc_ids
                )
            )
        )
    return q


def campaign_filter(user: object) -> Q:
    """A filter on ``instruments.Campaign``: campaigns the user's organisation runs or takes
    part in, and (progress only) those of the regions they coordinate."""
    screening = screening_scope_for(user)
    if screening.national:
        return Q()
    q = NOTHING
    if screening.organisation_ids:
        q |= Q(organisation_id__in=screening.organisation_ids)
    if screening.school_ids:
        pupil = apps.get_model("instruments", "CampaignPupil")
        q |= Q(school_id__in=screening.school_ids)
        q |= Q(
            Exists(
                pupil.objects.filter(campaign_id=OuterRef("pk"), school_id__in=screening.school_ids)
            )
        )
    if screening.region_ids:
        q |= Q(region_id__in=screening.region_ids)
    return q


def can_run_campaign(user: object, *, level: str, region_id: int, school_id: int | None) -> bool:
    """A school campaign: the school's psychologist; a district or region campaign: the
    region's coordinator or the national coordinator."""
    screening = screening_scope_for(user)
    if level == "school":
        return school_id is not None and school_id in screening.school_ids
    return screening.national or region_id in screening.region_ids
