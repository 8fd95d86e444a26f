"""The workload report by region, PSC, school and psychologist (brief 1.5.4, 1.6.1,
2.3.1, 3.3.2): hours, the non-specialist share, pupils and caseloads against the norms."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.http import Http404

from qamqor.accounts import policy
from qamqor.accounts.models import Membership, Role, User
from qamqor.care.models import (
    NON_SPECIALIST,
    Consultation,
    SchoolEnrolment,
    WorkEntry,
    WorkWeek,
)
from qamqor.care.selectors.common import PSC_KINDS
from qamqor.care.services.common import local_today, week_start
from qamqor.directory.models import Organisation, OrganisationKind, Region
from qamqor.protocols.workdays import ALMATY

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
