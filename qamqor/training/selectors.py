"""Reads of training: the catalogue (not personal, not audited), specialists' records
(personal: every read audited here), methodological days, and the coverage figures of
brief 2.3.9. Every read asks ``restrict(user, action)`` (``training.rules``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext, pgettext

from qamqor.accounts import access
from qamqor.accounts.models import Membership, Role, User
from qamqor.accounts.policy import scope_for
from qamqor.audit import services as audit
from qamqor.directory.models import OrganisationKind, Region
from qamqor.training.models import (
    SPECIALIST_ROLES,
    Attendance,
    Certificate,
    Enrolment,
    MethodologicalDay,
    Programme,
)
from qamqor.training.services import local_today, psc_staff

# --- the catalogue ---------------------------------------------------------------------------


def programme_list(
    user: Any,
    *,
    topic: str = "",
    format: str = "",
    provider_kind: str = "",
    role: str = "",
    retired: bool = False,
) -> QuerySet[Programme]:
    """The catalogue, filtered; retired programmes only when asked. Modules in one more
    query whatever the number of programmes."""
    rows = Programme.objects.restrict(user, "view").prefetch_related("modules")
    rows = rows.filter(retired_at__isnull=not retired)
    if topic:
        rows = rows.filter(topics__icontains=f'"{topic}"')  # the quoted list element
    if role:
        rows = rows.filter(target_roles__icontains=f'"{role}"')
    if format:
        rows = rows.filter(format=format)
    if provider_kind:
        rows = rows.filter(provider_kind=provider_kind)
    return rows.order_by("title_en", "code")


def get_programme(user: Any, code: str, action: str = "view") -> Programme:
    return access.get_or_404(Programme.objects.prefetch_related("modules"), user, action, code=code)


# --- a specialist's record ---------------------------------------------------------------------


@dataclass
class Record:
    """One specialist's training record: where they work, their enrolments and their
    hours per year of completed programmes."""

    specialist: User
    memberships: list[Membership]
    enrolments: list[Enrolment]
    hours_by_year: dict[int, int] = field(default_factory=dict)

    @property
    def this_year(self) -> int:
        return local_today().year

    @property
    def hours_this_year(self) -> int:
        return self.hours_by_year.get(self.this_year, 0)

    @property
    def years(self) -> list[tuple[int, int]]:
        return sorted(self.hours_by_year.items(), reverse=True)

    @property
    def planned(self) -> list[Enrolment]:
        return [e for e in self.enrolments if e.status == Enrolment.Status.PLANNED]

    @property
    def completed(self) -> list[Enrolment]:
        return [e for e in self.enrolments if e.status == Enrolment.Status.COMPLETED]


def _record(viewer: Any, specialist: User) -> Record:
    enrolments = list(
        Enrolment.objects.restrict(viewer, "view")
        .filter(specialist=specialist)
        .select_related("programme")
        .prefetch_related(Prefetch("certificate", queryset=Certificate.objects.defer("content")))
        .order_by("status", "-completed_on", "planned_for", "pk")
    )
    hours: dict[int, int] = defaultdict(int)
    for enrolment in enrolments:
        if enrolment.status == Enrolment.Status.COMPLETED and enrolment.completed_on:
            hours[enrolment.completed_on.year] += enrolment.hours
    memberships = list(
        Membership.objects.filter(user=specialist, active=True, role__in=SPECIALIST_ROLES)
        .select_related("organisation")
        .order_by("pk")
    )
    audit.record(
        actor=viewer,
        action="training.record.view",
        object_type="training_record",
        object_id=specialist.pk,
        changes={"enrolments": [str(e.public_id) for e in enrolments]},
    )
    return Record(specialist, memberships, enrolments, dict(hours))


def own_record(user: User) -> Record:
    """The signed-in specialist's own record (audited like anyone's)."""
    return _record(user, user)


def specialist_record(viewer: Any, specialist_id: int) -> Record:
    """Another specialist's record, if the viewer reaches them (else 404)."""
    specialist = access.get_or_404(User.objects.all(), viewer, "training_record", pk=specialist_id)
    return _record(viewer, specialist)


def specialist_list(viewer: Any, *, year: int) -> QuerySet[User]:
    """The specialists whose records the viewer opens, but not the viewer, each with the
    programmes completed and the hours of ``year``: one query. The page audits the rows
    it shows (``pages.paginate(audit_as=...)``)."""
    in_year = Q(
        training_enrolments__status=Enrolment.Status.COMPLETED,
        training_enrolments__completed_on__year=year,
    )
    return (
        User.objects.filter(access.filter_for(viewer, User, "training_record"))
        .filter(
            pk__in=Membership.objects.filter(active=True, role__in=SPECIALIST_ROLES).values(
                "user_id"
            )
        )
        .exclude(pk=viewer.pk)
        .annotate(
            completed=Count("training_enrolments", filter=in_year, distinct=True),
            hours=Sum("training_enrolments__hours", filter=in_year),
        )
        .order_by("last_name", "first_name", "username")
    )


def workplaces(users: Iterable[User]) -> dict[int, list[Membership]]:
    """The specialist memberships of the listed users, in one query."""
    found: dict[int, list[Membership]] = defaultdict(list)
    memberships = Membership.objects.filter(
        user__in=[user.pk for user in users], active=True, role__in=SPECIALIST_ROLES
    ).select_related("organisation")
    for membership in memberships.order_by("pk"):
        found[membership.user_id].append(membership)
    return found


def certificate(viewer: Any, public_id: UUID) -> Certificate:
    """The certificate of an enrolment the viewer sees (audited), else 404."""
    enrolment = access.get_or_404(
        Enrolment.objects.select_related("certificate"), viewer, "view", public_id=public_id
    )
    if enrolment.certificate is None:
        raise Http404("certificate")
    audit.record(
        actor=viewer,
        action="training.certificate.view",
        object_type="training_enrolment",
        object_id=enrolment.public_id,
        changes={"specialist": enrolment.specialist_id},
    )
    return enrolment.certificate


# --- methodological days -----------------------------------------------------------------------


def day_list(user: Any, *, upcoming: bool = True) -> QuerySet[MethodologicalDay]:
    """Days the user sees, the next first (past days, latest first, when ``upcoming`` is
    false), with their PSC and programme."""
    rows = MethodologicalDay.objects.restrict(user, "view").select_related("psc", "programme")
    today = local_today()
    if upcoming:
        return rows.filter(held_on__gte=today).order_by("held_on", "pk")
    return rows.filter(held_on__lt=today).order_by("-held_on", "-pk")


def get_day(user: Any, public_id: UUID, action: str = "view") -> MethodologicalDay:
    return access.get_or_404(
        MethodologicalDay.objects.select_related("psc", "programme"),
        user,
        action,
        public_id=public_id,
    )


@dataclass(frozen=True)
class AttendanceLine:
    specialist: User
    present: bool | None  # None: not recorded yet


def attendance(day: MethodologicalDay) -> list[AttendanceLine]:
    """The PSC's staff and whether each attended (two queries)."""
    marks = dict(Attendance.objects.filter(day=day).values_list("specialist_id", "present"))
    return [AttendanceLine(user, marks.get(user.pk)) for user in psc_staff(day.psc)]


# --- coverage (2.3.9) ---------------------------------------------------------------------------


@dataclass
class Cell:
    """Specialists of one group, how many completed a programme in the year, their hours."""

    specialists: set[int] = field(default_factory=set)
    trained: set[int] = field(default_factory=set)
    hours: int = 0

    def add(self, user_id: int, user_hours: int | None) -> None:
        if user_id in self.specialists:
            return
        self.specialists.add(user_id)
        if user_hours is not None:
            self.trained.add(user_id)
            self.hours += user_hours

    @property
    def share(self) -> float | None:
        """Percent of the specialists with at least one completed programme."""
        if not self.specialists:
            return None
        return round(100 * len(self.trained) / len(self.specialists), 1)

    @property
    def hours_per_specialist(self) -> float | None:
        if not self.specialists:
            return None
        return round(self.hours / len(self.specialists), 1)

    def figures(self) -> list[Any]:
        return [
            len(self.specialists),
            len(self.trained),
            self.share,
            self.hours,
            self.hours_per_specialist,
        ]


@dataclass
class Table:
    """A downloadable table, as the statistics pages present theirs."""

    key: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    note: str = ""


@dataclass
class Coverage:
    year: int
    total: Cell
    tables: list[Table]

    def table(self, key: str) -> Table | None:
        return next((table for table in self.tables if table.key == key), None)


def _figure_header(first: str) -> list[str]:
    return [
        first,
        gettext("Specialists"),
        gettext("Completed a programme"),
        gettext("Share, %"),
        gettext("Hours"),
        gettext("Hours per specialist"),
    ]


def _kind_label(kind: str, private: bool) -> str:
    if kind == OrganisationKind.SCHOOL:
        return (
            pgettext("school", "private schools")
            if private
            else pgettext("school", "public schools")
        )
    return str(dict(OrganisationKind.choices).get(kind, kind))


def coverage(viewer: Any, *, year: int) -> Coverage:
    """The share of specialists who completed at least one programme in ``year`` and the
    hours per specialist (brief 2.3.9), by region, by kind of organisation (public and
    private schools apart), by role, and public beside private schools by region.

    A specialist is a user with an active membership in one of ``SPECIALIST_ROLES``; one
    with memberships in two groups counts in each, once in the totals. A regional
    coordinator reads their regions; the national coordinator and monitors the country.
    Three queries whatever the number of specialists: memberships, hours, regions. No
    figure here is about one child, and a specialist's own hours are in their record, so
    small groups are shown as they are."""
    scope = scope_for(viewer)
    memberships = Membership.objects.filter(active=True, role__in=SPECIALIST_ROLES)
    if not scope.statistics_national:
        memberships = memberships.filter(organisation__region_id__in=scope.statistics_region_ids)
    rows = list(
        memberships.values_list(
            "user_id",
            "role",
            "organisation__kind",
            "organisation__is_private",
            "organisation__region_id",
        )
    )
    hours = dict(
        Enrolment.objects.completed_in(year)
        .filter(specialist_id__in={row[0] for row in rows})
        .values("specialist_id")
        .annotate(total=Sum("hours"))
        .values_list("specialist_id", "total")
    )
    regions = {
        region.pk: region
        for region in Region.objects.filter(pk__in={row[4] for row in rows if row[4] is not None})
    }
    total = Cell()
    by_region: dict[int | None, Cell] = defaultdict(Cell)
    by_kind: dict[tuple[str, bool], Cell] = defaultdict(Cell)
    by_role: dict[str, Cell] = defaultdict(Cell)
    schools: dict[tuple[int | None, bool], Cell] = defaultdict(Cell)
    for user_id, role, kind, private, region_id in rows:
        user_hours = hours.get(user_id)
        for cell in (total, by_region[region_id], by_kind[(kind, private)], by_role[role]):
            cell.add(user_id, user_hours)
        if kind == OrganisationKind.SCHOOL:
            schools[(region_id, private)].add(user_id, user_hours)

    def region_name(region_id: int | None) -> str:
        region = regions.get(region_id) if region_id is not None else None
        return region.name if region is not None else gettext("national bodies")

    def region_order(region_id: int | None) -> str:
        region = regions.get(region_id) if region_id is not None else None
        return region.code if region is not None else "~"

    region_ids = sorted(by_region, key=region_order)
    role_labels = dict(Role.choices)
    school_regions = sorted({region_id for region_id, _private in schools}, key=region_order)
    side_by_side: list[list[Any]] = []
    for school_region in school_regions:
        public_cell, private_cell = schools[(school_region, False)], schools[(school_region, True)]
        side_by_side.append(
            [
                region_name(school_region),
                len(public_cell.specialists),
                public_cell.share,
                public_cell.hours_per_specialist,
                len(private_cell.specialists),
                private_cell.share,
                private_cell.hours_per_specialist,
            ]
        )
    tables = [
        Table(
            "region",
            gettext("By region"),
            _figure_header(gettext("Region")),
            [[region_name(r), *by_region[r].figures()] for r in region_ids],
        ),
        Table(
            "kind",
            gettext("By kind of organisation"),
            _figure_header(gettext("Kind of organisation")),
            [
                [_kind_label(kind, private), *by_kind[(kind, private)].figures()]
                for kind, private in sorted(by_kind, key=lambda key: (key[0], key[1]))
            ],
        ),
        Table(
            "role",
            gettext("By role"),
            _figure_header(gettext("Role")),
            [
                [str(role_labels.get(role, role)), *by_role[role].figures()]
                for role in SPECIALIST_ROLES
                if role in by_role
            ],
        ),
        Table(
            "schools",
            gettext("Public and private schools"),
            [
                gettext("Region"),
                gettext("Public schools: specialists"),
                gettext("Public schools: share, %"),
                gettext("Public schools: hours per specialist"),
                gettext("Private schools: specialists"),
                gettext("Private schools: share, %"),
                gettext("Private schools: hours per specialist"),
            ],
            side_by_side,
            note=gettext(
                "Private schools take part in state training on equal terms (brief 2.3.9)."
            ),
        ),
    ]
    return Coverage(year=year, total=total, tables=tables)
