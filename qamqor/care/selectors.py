"""Reads of psychological support, always through the access policy.

A child, a consultation or a crisis basis outside the user's scope is a 404. Reads of a
child's care record are audited. Confidential notes are removed from every consultation
the reader may not read them on (``Consultation.notes_visible``), here, once, so no page
or endpoint can show them by mistake.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from qamqor.accounts import access, policy
from qamqor.accounts.models import Membership, Role, User
from qamqor.audit import services as audit
from qamqor.care import hooks
from qamqor.care.models import (
    NON_SPECIALIST,
    ChildShare,
    ConsentDocument,
    ConsentRecord,
    Consultation,
    ConsultationBasis,
    CrisisBasis,
    SchoolEnrolment,
    SupervisionSession,
    WorkCategory,
    WorkEntry,
    WorkWeek,
)
from qamqor.care.services.common import local_today, week_start
from qamqor.cases.models import Child
from qamqor.directory.models import Organisation, OrganisationKind, Region
from qamqor.protocols.workdays import ALMATY

PSC_KINDS = (OrganisationKind.PSC, OrganisationKind.PSC_BRANCH)
LIST_LIMIT = 200


# --- children -----------------------------------------------------------------------------


def get_child_for_user(user: User, code: str, *, audit_read: bool = True) -> Child:
    """The child, if the policy lets the user see them; otherwise 404. The read is audited."""
    child = (
        Child.objects.restrict(user, "view")
        .select_related("region", "school")
        .filter(code=code.strip().upper())
        .first()
    )
    if child is None:
        raise Http404("child")
    if audit_read:
        audit.record(actor=user, action="child.read", object_type="child", object_id=child.code)
    return child


def mask_notes(user: User, consultations: list[Consultation]) -> list[Consultation]:
    """Blank the confidential notes the user may not read; mark each row accordingly."""
    for consultation in consultations:
        allowed = access.permits(user, "read_notes", consultation)
        consultation.notes_visible = allowed  # type: ignore[attr-defined]
        if not allowed:
            consultation.notes = ""
    return consultations


def consultations_for(user: User) -> QuerySet[Consultation]:
    return Consultation.objects.restrict(user, "view").select_related(
        "organisation", "psychologist", "child", "crisis_basis"
    )


@dataclass
class ChildCare:
    """Everything about one child's psychological support the user may see."""

    child: Child
    consents: list[ConsentRecord]
    crisis_bases: list[CrisisBasis]
    consultations: list[Consultation]
    referrals: list[Any]
    shares: list[ChildShare]
    representatives: list[Any]
    care_organisations: list[Organisation]  # where the user may record care for this child
    crisis_organisations: list[Organisation]  # where the user may open the crisis exception
    crisis_used: dict[int, int] = field(default_factory=dict)  # basis pk → sessions so far


def child_care(user: User, child: Child) -> ChildCare:
    """The child page's content, in a bounded number of queries."""
    care = policy.care_scope_for(user)
    consents = list(
        ConsentRecord.objects.restrict(user, "view")
        .filter(child=child)
        .select_related("organisation", "representative", "recorded_by", "document")
        .defer("document__content")
        .prefetch_related("share_with")
    )
    bases = list(
        CrisisBasis.objects.restrict(user, "view")
        .filter(child=child)
        .select_related("organisation", "recorded_by", "case")
        .annotate(sessions_count=Count("sessions"))
    )
    used = _episode_usage(bases)
    consultations = mask_notes(user, list(consultations_for(user).filter(child=child)[:100]))
    referrals = list(
        hooks.restricted_referrals(user)
        .filter(child=child)
        .select_related("from_organisation", "to_organisation")
    )
    shares = ChildShare.objects.filter(child=child).select_related(
        "from_organisation", "to_organisation", "consent"
    )
    if not (care.national or care.region_ids):  # coordinators oversee every share
        shares = shares.filter(
            Q(from_organisation_id__in=care.referral_org_ids)
            | Q(to_organisation_id__in=care.referral_org_ids)
        )
    organisations = access.organisations(user, "give_care").order_by("pk")
    return ChildCare(
        child=child,
        consents=consents,
        crisis_bases=bases,
        consultations=consultations,
        referrals=referrals,
        shares=list(shares),
        representatives=list(child.representatives.all()) if care.referral_org_ids else [],
        care_organisations=list(organisations),
        crisis_organisations=[
            org for org in organisations if access.acts_for(user, "record_crisis_basis", org.pk)
        ],
        crisis_used=used,
    )


def _episode_usage(bases: list[CrisisBasis]) -> dict[int, int]:
    """For each open basis: crisis sessions of its episode (earlier unsuperseded bases too)."""
    result: dict[int, int] = {}
    by_child_root: dict[tuple[int, int], int] = defaultdict(int)
    for basis in bases:
        if not basis.superseded_by_consent:
            root = basis.organisation.parent_id or basis.organisation_id
            by_child_root[(basis.child_id, root)] += basis.sessions_count  # type: ignore[attr-defined]
    for basis in bases:
        root = basis.organisation.parent_id or basis.organisation_id
        result[basis.pk] = (
            by_child_root[(basis.child_id, root)]
            if not basis.superseded_by_consent
            else basis.sessions_count  # type: ignore[attr-defined]
        )
    return result


def get_consultation_for_user(user: User, public_id: Any) -> Consultation:
    consultation = consultations_for(user).filter(public_id=public_id).first()
    if consultation is None:
        raise Http404("consultation")
    audit.record(
        actor=user,
        action="consultation.read",
        object_type="consultation",
        object_id=str(consultation.public_id),
    )
    return mask_notes(user, [consultation])[0]


def get_crisis_basis_for_user(user: User, public_id: Any) -> CrisisBasis:
    queryset = CrisisBasis.objects.select_related("organisation", "child")
    return access.get_or_404(queryset, user, public_id=public_id)


def get_consent_for_user(user: User, public_id: Any) -> ConsentRecord:
    queryset = ConsentRecord.objects.select_related("organisation", "child")
    return access.get_or_404(queryset, user, public_id=public_id)


def get_consent_document_for_user(user: User, public_id: Any) -> ConsentDocument:
    """The scan of a consent the user may see; the read is audited."""
    consent = get_consent_for_user(user, public_id)
    document = ConsentDocument.objects.filter(consent=consent).first()
    if document is None:
        raise Http404("document")
    audit.record(
        actor=user,
        action="consent.document_read",
        object_type="child",
        object_id=consent.child.code,
        changes={"consent": str(consent.public_id)},
    )
    return document


def crisis_exceptions(user: User) -> list[CrisisBasis]:
    """Crisis exceptions the user oversees, newest first, with sessions used (1.5.2)."""
    bases = list(
        CrisisBasis.objects.restrict(user, "view")
        .select_related("organisation__region", "child", "recorded_by", "case")
        .annotate(sessions_count=Count("sessions"))
        .order_by("-recorded_at", "-pk")[:LIST_LIMIT]
    )
    usage = _episode_usage(bases)
    for basis in bases:
        basis.used = usage[basis.pk]  # type: ignore[attr-defined]
    return bases


# --- caseload -----------------------------------------------------------------------------


@dataclass
class Caseload:
    active: list[dict[str, Any]]
    next_appointments: list[Consultation]
    overdue_follow_ups: list[Consultation]
    crisis: list[CrisisBasis]
    incoming: list[Any]
    assigned: list[Any]
    outgoing: list[Any]


def caseload(user: User, now: datetime | None = None) -> Caseload:
    """A psychologist's caseload: active children, appointments, overdue follow-ups,
    crisis sessions used, and the referrals waiting for them (a fixed number of queries)."""
    now = now or timezone.now()
    care = policy.care_scope_for(user)
    since = now - timedelta(days=settings.CASELOAD_ACTIVE_DAYS)
    mine = Consultation.objects.filter(psychologist=user)
    seen = (
        mine.filter(child__isnull=False, held_at__gte=since)
        .values("child_id")
        .annotate(sessions=Count("pk"))
    )
    sessions = {row["child_id"]: row["sessions"] for row in seen}
    last: dict[int, Consultation] = {}
    for consultation in (
        mine.filter(child_id__in=list(sessions))
        .select_related("child", "organisation")
        .order_by("child_id", "-held_at")
    ):
        if consultation.child_id is not None:
            last.setdefault(consultation.child_id, consultation)
    referrals = hooks.restricted_referrals(user)
    status = referrals.model.Status  # the referral's states, from the app that holds them
    assigned = list(
        referrals.filter(assigned_to=user, status=status.ACCEPTED)
        .select_related("child", "from_organisation", "to_organisation")
        .order_by("respond_by")[:LIST_LIMIT]
    )
    active = [
        {
            "child": consultation.child,
            "last_seen": consultation.held_at,
            "sessions": sessions[child_id],
            "basis": consultation.basis,
            "organisation": consultation.organisation,
            "next_appointment_at": consultation.next_appointment_at,
        }
        for child_id, consultation in last.items()
    ]
    known = set(last)
    for referral in assigned:
        if referral.child_id not in known:
            known.add(referral.child_id)
            active.append(
                {
                    "child": referral.child,
                    "last_seen": None,
                    "sessions": 0,
                    "basis": "",
                    "organisation": referral.to_organisation,
                    "next_appointment_at": None,
                }
            )
    active.sort(key=lambda row: row["last_seen"] or now, reverse=True)
    open_appointments = mine.filter(follow_up_done=False, next_appointment_at__isnull=False)
    crisis = list(
        CrisisBasis.objects.open()
        .filter(organisation_id__in=care.psc_org_ids)
        .select_related("organisation", "child")
        .annotate(sessions_count=Count("sessions"))
        .order_by("recorded_at")[:LIST_LIMIT]
    )
    usage = _episode_usage(crisis)
    for basis in crisis:
        basis.used = usage[basis.pk]  # type: ignore[attr-defined]
    referrals = referrals.select_related("child", "from_organisation", "to_organisation")
    return Caseload(
        active=active[:LIST_LIMIT],
        next_appointments=list(
            open_appointments.filter(next_appointment_at__gte=now)
            .select_related("child", "organisation")
            .order_by("next_appointment_at")[:LIST_LIMIT]
        ),
        overdue_follow_ups=list(
            open_appointments.filter(next_appointment_at__lt=now)
            .select_related("child", "organisation")
            .order_by("next_appointment_at")[:LIST_LIMIT]
        ),
        crisis=crisis,
        incoming=list(
            referrals.filter(
                to_organisation_id__in=care.referral_org_ids, status=status.SENT
            ).order_by("respond_by")[:LIST_LIMIT]
        ),
        assigned=assigned,
        outgoing=list(
            referrals.filter(from_organisation_id__in=care.referral_org_ids)
            .exclude(status__in=[status.CANCELLED])
            .order_by("-sent_at")[:20]
        ),
    )


# --- supervision --------------------------------------------------------------------------


def supervision_sessions(user: User) -> QuerySet[SupervisionSession]:
    return (
        SupervisionSession.objects.restrict(user, "view")
        .select_related("organisation", "facilitator")
        .prefetch_related(Prefetch("participants", queryset=User.objects.order_by("username")))
        .order_by("-held_at", "-pk")
    )


def supervision_hosts(user: User) -> list[Organisation]:
    """The organisations the user records supervision for (2.3.3): where they work in
    care, else the education department or the coordinating body they coordinate from.

    The page offers these and the API falls back to the only one, so both record a
    session for the same organisation (``forms.supervision_arguments``).
    """
    for action in ("refer", "coordinate_region", "coordinate_nationally"):
        hosts = list(access.organisations(user, action).order_by("name_en"))
        if hosts:
            return hosts
    return []


# --- work log -----------------------------------------------------------------------------


def work_week(user: User, organisation: Organisation, week: date) -> dict[str, Decimal]:
    """The hours the user logged for that week, by category (0 where nothing)."""
    entries = WorkEntry.objects.filter(
        week__user=user, week__organisation=organisation, week__week_start=week
    ).values_list("category", "hours")
    hours = dict.fromkeys(WorkCategory.values, Decimal(0))
    hours.update(dict(entries))
    return hours


def suggested_hours(user: User, organisation: Organisation, week: date) -> dict[str, Decimal]:
    """Hours already recorded elsewhere this week (consultations, supervision), offered
    as a starting point so the weekly form takes a minute."""
    start = datetime.combine(week, time(0, 0), tzinfo=ALMATY)
    end = start + timedelta(days=7)
    minutes: dict[str, int] = defaultdict(int)
    for basis, total in (
        Consultation.objects.filter(
            psychologist=user, organisation=organisation, held_at__gte=start, held_at__lt=end
        )
        .values_list("basis")
        .annotate(total=Sum("duration_minutes"))
        .order_by()
    ):
        if basis == ConsultationBasis.GROUP:
            minutes[WorkCategory.GROUP_WORK] += total
        elif basis == ConsultationBasis.CRISIS:
            minutes[WorkCategory.CRISIS_RESPONSE] += total
        else:
            minutes[WorkCategory.CONSULTATION] += total
    supervision = SupervisionSession.objects.filter(
        participants=user, held_at__gte=start, held_at__lt=end
    ).aggregate(total=Sum("duration_minutes"))["total"]
    if supervision:
        minutes[WorkCategory.SUPERVISION] += supervision
    return {
        category: (Decimal(value) / 60 * 4).quantize(Decimal(1), ROUND_HALF_UP) / 4
        for category, value in minutes.items()
    }


# --- the workload report (1.5.4, 1.6.1, 2.3.1, 3.3.2) -------------------------------------

LEVELS = ("region", "psc", "school", "psychologist")
ONE_DECIMAL = Decimal("0.1")


def _ratio(numerator: Decimal | int | None, denominator: Decimal | int | None) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


@dataclass
class WorkloadRow:
    """One line of the report. ``load`` is measured against ``norm``: pupils per school
    psychologist (schools, regions) or active children per PSC psychologist (PSCs)."""

    level: str
    label: str
    region: str = ""
    kind: str = ""
    psychologists: int = 0
    hours: Decimal = Decimal(0)
    non_specialist_hours: Decimal = Decimal(0)
    weeks_logged: int = 0
    pupils: int | None = None
    caseload: int = 0
    load: Decimal | None = None
    norm: int | None = None
    no_psychologist: bool = False
    psc_psychologists: int = 0
    psc_load: Decimal | None = None

    @property
    def non_specialist_percent(self) -> Decimal | None:
        return _ratio(self.non_specialist_hours * 100, self.hours)

    @property
    def share_over_norm(self) -> bool:
        share = self.non_specialist_percent
        return share is not None and share > settings.NON_SPECIALIST_MAX_PERCENT

    @property
    def load_percent(self) -> Decimal | None:
        return _ratio((self.load or 0) * 100, self.norm) if self.load is not None else None

    @property
    def over_norm(self) -> bool:
        if self.no_psychologist:
            return True
        return self.load is not None and self.norm is not None and self.load > self.norm

    @property
    def psc_over_norm(self) -> bool:
        return self.psc_load is not None and self.psc_load > settings.PSC_CASELOAD_NORM


@dataclass
class WorkloadReport:
    level: str
    levels: list[str]
    start: date
    end: date
    rows: list[WorkloadRow]
    pupil_norm: int
    caseload_norm: int
    share_norm: int
    truncated: bool = False

    @property
    def chart(self) -> dict[str, Any]:
        """The chart's data: the same numbers as the table (its accessible source)."""
        return {
            "labels": [row.label for row in self.rows],
            "share": [float(row.non_specialist_percent or 0) for row in self.rows],
            "load": [float(row.load_percent or 0) for row in self.rows],
            "share_norm": self.share_norm,
        }


@dataclass(frozen=True)
class _Viewer:
    levels: tuple[str, ...]
    organisation_ids: frozenset[int] | None  # None: all organisations of ``region_ids``
    region_ids: frozenset[int] | None  # None: the whole country
    only_user: int | None = None


def _viewer(user: User) -> _Viewer:
    care = policy.care_scope_for(user)
    if care.national:
        return _Viewer(LEVELS, None, None)
    if care.region_ids:
        return _Viewer(LEVELS, None, care.region_ids)
    if care.supervised_org_ids:
        return _Viewer(("psc", "psychologist"), care.supervised_org_ids, None)
    if care.monitor:
        return _Viewer(("region",), None, None)
    if care.psychologist_org_ids:
        return _Viewer(("psychologist",), care.psychologist_org_ids, None, only_user=user.pk)
    raise Http404("workload")


def workload_period(start: date | None, end: date | None) -> tuple[date, date]:
    """The weeks the workload report covers, as their Mondays: by default the four weeks
    before this one. The page swaps a period given backwards; the API refuses it."""
    last = week_start(end or local_today() - timedelta(days=7))
    first = week_start(start or last - timedelta(weeks=3))
    return first, last


def workload_levels(user: User) -> tuple[str, ...]:
    return _viewer(user).levels


def workload_report(
    user: User, *, start: date, end: date, level: str | None = None, region: Region | None = None
) -> WorkloadReport:
    """Hours by kind of duty and caseload against the norms, per psychologist, school, PSC
    or region, for the weeks from ``start`` to ``end`` (Mondays, inclusive).

    Definitions (docs/psychological-support.md): share = hours in non-specialist duties ÷
    all hours logged; caseload = distinct children with a consultation in the
    ``QAMQOR_CASELOAD_ACTIVE_DAYS`` up to the period's end; load = pupils per school
    psychologist (norm ``QAMQOR_PUPILS_PER_PSYCHOLOGIST``) or caseload per PSC
    psychologist (norm ``QAMQOR_PSC_CASELOAD_NORM``). Sums are computed in the database.
    """
    viewer = _viewer(user)
    level = level if level in viewer.levels else viewer.levels[0]
    region_ids = viewer.region_ids
    if region is not None:
        if region_ids is not None and region.pk not in region_ids:
            raise Http404("region")
        region_ids = frozenset({region.pk})
    organisations = Organisation.objects.filter(kind__in=[OrganisationKind.SCHOOL, *PSC_KINDS])
    if viewer.organisation_ids is not None:
        organisations = organisations.filter(pk__in=viewer.organisation_ids)
    if region_ids is not None:
        organisations = organisations.filter(region_id__in=region_ids)
    org_ids = organisations.values("pk")

    weeks = WorkWeek.objects.filter(
        week_start__gte=start, week_start__lte=end, organisation_id__in=org_ids
    )
    memberships = Membership.objects.filter(
        active=True,
        organisation_id__in=org_ids,
        role__in=[Role.SCHOOL_PSYCHOLOGIST, Role.PSC_PSYCHOLOGIST],
    )
    if viewer.only_user is not None:
        weeks = weeks.filter(user_id=viewer.only_user)
    period_end = datetime.combine(end + timedelta(days=7), time(0, 0), tzinfo=ALMATY)
    consultations = Consultation.objects.filter(
        organisation_id__in=org_ids,
        child__isnull=False,
        held_at__lt=period_end,
        held_at__gte=period_end - timedelta(days=settings.CASELOAD_ACTIVE_DAYS),
    )
    if viewer.only_user is not None:
        consultations = consultations.filter(psychologist_id=viewer.only_user)

    # Hours per (psychologist, organisation): one grouped query.
    hours: dict[tuple[int, int], tuple[Decimal, Decimal]] = {}
    for entry in (
        WorkEntry.objects.filter(week__in=weeks)
        .values("week__user_id", "week__organisation_id")
        .annotate(total=Sum("hours"), non=Sum("hours", filter=Q(category__in=list(NON_SPECIALIST))))
        .order_by()
    ):
        key = (entry["week__user_id"], entry["week__organisation_id"])
        hours[key] = (Decimal(entry["total"] or 0), Decimal(entry["non"] or 0))
    weeks_logged = {
        (item["user_id"], item["organisation_id"]): item["n"]
        for item in weeks.values("user_id", "organisation_id").annotate(n=Count("pk")).order_by()
    }
    staff: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for user_id, organisation_id, role in memberships.values_list(
        "user_id", "organisation_id", "role"
    ):
        staff[organisation_id][role].add(user_id)
    caseload_by_person = {
        (item["psychologist_id"], item["organisation_id"]): item["n"]
        for item in consultations.values("psychologist_id", "organisation_id")
        .annotate(n=Count("child_id", distinct=True))
        .order_by()
    }
    caseload_by_org = {
        item["organisation_id"]: item["n"]
        for item in consultations.values("organisation_id")
        .annotate(n=Count("child_id", distinct=True))
        .order_by()
    }
    pupils = dict(
        SchoolEnrolment.objects.filter(school_id__in=org_ids).values_list("school_id", "pupils")
    )
    involved = {org_id for _user, org_id in hours} | set(staff) | set(pupils)
    orgs = {
        org.pk: org for org in Organisation.objects.filter(pk__in=involved).select_related("region")
    }

    def school_load(org_id: int) -> tuple[Decimal | None, bool]:
        count = len(staff[org_id][Role.SCHOOL_PSYCHOLOGIST])
        enrolled = pupils.get(org_id)
        if enrolled and not count:
            return None, True
        return _ratio(enrolled, count), False

    rows: list[WorkloadRow] = []
    if level == "psychologist":
        people = set(hours) | {
            (user_id, org_id)
            for org_id, roles in staff.items()
            for user_ids in roles.values()
            for user_id in user_ids
        }
        if viewer.only_user is not None:  # colleagues count for the norm, not as rows
            people = {person for person in people if person[0] == viewer.only_user}
        names = {
            person.pk: person.get_full_name() or person.get_username()
            for person in User.objects.filter(pk__in={user_id for user_id, _org in people})
        }
        for user_id, org_id in sorted(people, key=lambda p: (names.get(p[0], ""), p[1])):
            org = orgs.get(org_id)
            if org is None:
                continue
            total, non = hours.get((user_id, org_id), (Decimal(0), Decimal(0)))
            row = WorkloadRow(
                level=level,
                label=f"{names.get(user_id, '')} · {org.name}",
                region=org.region.name if org.region else "",
                kind=org.kind,
                psychologists=1,
                hours=total,
                non_specialist_hours=non,
                weeks_logged=weeks_logged.get((user_id, org_id), 0),
                caseload=caseload_by_person.get((user_id, org_id), 0),
            )
            if org.kind == OrganisationKind.SCHOOL:
                row.pupils = pupils.get(org_id)
                row.load, row.no_psychologist = school_load(org_id)
                row.norm = settings.PUPILS_PER_SCHOOL_PSYCHOLOGIST
            else:
                row.load = Decimal(row.caseload)
                row.norm = settings.PSC_CASELOAD_NORM
            rows.append(row)
    elif level in ("school", "psc"):
        kinds = [OrganisationKind.SCHOOL] if level == "school" else list(PSC_KINDS)
        for org in sorted(
            (org for org in orgs.values() if org.kind in kinds),
            key=lambda o: ((o.region.code if o.region else ""), o.name),
        ):
            totals = [value for key, value in hours.items() if key[1] == org.pk]
            row = WorkloadRow(
                level=level,
                label=org.name,
                region=org.region.name if org.region else "",
                kind=org.kind,
                hours=sum((t for t, _n in totals), Decimal(0)),
                non_specialist_hours=sum((n for _t, n in totals), Decimal(0)),
                weeks_logged=sum(n for key, n in weeks_logged.items() if key[1] == org.pk),
                caseload=caseload_by_org.get(org.pk, 0),
            )
            if level == "school":
                row.psychologists = len(staff[org.pk][Role.SCHOOL_PSYCHOLOGIST])
                row.pupils = pupils.get(org.pk)
                row.load, row.no_psychologist = school_load(org.pk)
                row.norm = settings.PUPILS_PER_SCHOOL_PSYCHOLOGIST
            else:
                row.psychologists = len(staff[org.pk][Role.PSC_PSYCHOLOGIST])
                row.load = _ratio(row.caseload, row.psychologists)
                row.norm = settings.PSC_CASELOAD_NORM
            rows.append(row)
    else:
        regions = Region.objects.all().order_by("code")
        if region_ids is not None:
            regions = regions.filter(pk__in=region_ids)
        for reg in regions:
            in_region = [org for org in orgs.values() if org.region_id == reg.pk]
            if not in_region:
                continue
            ids = {org.pk for org in in_region}
            school_ids = {org.pk for org in in_region if org.kind == OrganisationKind.SCHOOL}
            psc_ids = ids - school_ids
            totals = [value for key, value in hours.items() if key[1] in ids]
            school_psychologists = len(
                set().union(*(staff[i][Role.SCHOOL_PSYCHOLOGIST] for i in school_ids))
                if school_ids
                else set()
            )
            psc_psychologists = len(
                set().union(*(staff[i][Role.PSC_PSYCHOLOGIST] for i in psc_ids))
                if psc_ids
                else set()
            )
            enrolled = sum(pupils.get(i, 0) for i in school_ids) if school_ids else None
            psc_caseload = sum(caseload_by_org.get(i, 0) for i in psc_ids)
            row = WorkloadRow(
                level=level,
                label=reg.name,
                region=reg.name,
                psychologists=school_psychologists,
                hours=sum((t for t, _n in totals), Decimal(0)),
                non_specialist_hours=sum((n for _t, n in totals), Decimal(0)),
                weeks_logged=sum(n for key, n in weeks_logged.items() if key[1] in ids),
                pupils=enrolled or None,
                caseload=sum(caseload_by_org.get(i, 0) for i in ids),
                load=_ratio(enrolled, school_psychologists),
                norm=settings.PUPILS_PER_SCHOOL_PSYCHOLOGIST,
                no_psychologist=bool(enrolled) and not school_psychologists,
                psc_psychologists=psc_psychologists,
                psc_load=_ratio(psc_caseload, psc_psychologists),
            )
            rows.append(row)
    truncated = len(rows) > 500
    return WorkloadReport(
        level=level,
        levels=list(viewer.levels),
        start=start,
        end=end,
        rows=rows[:500],
        pupil_norm=settings.PUPILS_PER_SCHOOL_PSYCHOLOGIST,
        caseload_norm=settings.PSC_CASELOAD_NORM,
        share_norm=settings.NON_SPECIALIST_MAX_PERCENT,
        truncated=truncated,
    )
