"""Reads of prevention documents, coverage and individual plans, each through
``restrict(user, action)``. Plans and policies hold no personal data (not audited);
individual plans do, so every read of them is audited here (DESIGN §5.2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.http import Http404

from qamqor.accounts import access
from qamqor.audit import services as audit
from qamqor.cases.models import Case
from qamqor.directory.models import Organisation
from qamqor.prevention.models import (
    Activity,
    DocumentKind,
    DocumentStatus,
    IndividualPlan,
    PreventionDocument,
    school_year_of,
)
from qamqor.prevention.services import policy_is_outdated


def keeping_schools(user: Any) -> QuerySet[Organisation]:
    """The schools whose documents the user keeps (staff or head), by name."""
    return access.organisations(user, "keep_prevention_documents").order_by("name_en")


def school_documents(user: Any, school: Organisation) -> QuerySet[PreventionDocument]:
    """A school's plans and policies, newest first, with who created and approved them."""
    return (
        PreventionDocument.objects.restrict(user, "view")
        .filter(school=school)
        .select_related("created_by", "approved_by", "document")
        .order_by("kind", "-school_year", "-adopted_on", "-created_at")
    )


def get_document(user: Any, public_id: UUID, action: str = "view") -> PreventionDocument:
    return access.get_or_404(
        PreventionDocument.objects.select_related(
            "school", "created_by", "approved_by", "document"
        ),
        user,
        action,
        public_id=public_id,
    )


def activities_of(plan: PreventionDocument) -> QuerySet[Activity]:
    return plan.activities.order_by("held_on", "pk")


# --- coverage (brief 1.1.3) ------------------------------------------------------------------


@dataclass
class SchoolStanding:
    """One school: whether its plan for the school year is approved and its policy current."""

    school: Organisation
    has_plan: bool
    policy_adopted_on: date | None
    policy_outdated: bool

    @property
    def needs_attention(self) -> bool:
        return not self.has_plan or self.policy_outdated


@dataclass
class Side:
    """Counts of one side (public or private) of a district."""

    schools: int = 0
    without_plan: int = 0
    policy_outdated: int = 0  # no approved policy, or an outdated one

    def add(self, standing: SchoolStanding) -> None:
        self.schools += 1
        self.without_plan += not standing.has_plan
        self.policy_outdated += standing.policy_outdated


@dataclass
class DistrictCoverage:
    district_id: int | None
    name: str
    region: str
    public: Side = field(default_factory=Side)
    private: Side = field(default_factory=Side)
    schools: list[SchoolStanding] = field(default_factory=list)


@dataclass
class Coverage:
    school_year: int
    today: date
    districts: list[DistrictCoverage]
    public: Side
    private: Side


def coverage(user: Any, *, today: date, district: int | None = None) -> Coverage:
    """The schools of the user's area (a regional coordinator: the region; the national
    coordinator: the country) by district, public and private apart: how many have no
    approved plan for the current school year, and how many have no approved policy or an
    outdated one. One query whatever the number of schools."""
    year = school_year_of(today)
    approved = PreventionDocument.objects.filter(
        school=OuterRef("pk"), status=DocumentStatus.APPROVED
    )
    schools = (
        Organisation.objects.schools()
        .filter(access.filter_for(user, Organisation, "prevention_coverage"))
        .select_related("district", "region")
        .annotate(
            has_plan=Exists(approved.filter(kind=DocumentKind.PLAN, school_year=year)),
            policy_on=approved.filter(kind=DocumentKind.POLICY)
            .order_by()
            .values("school")
            .annotate(latest=Max("adopted_on"))
            .values("latest")[:1],
        )
        .order_by("region__code", "district__name_en", "name_en")
    )
    if district is not None:
        schools = schools.filter(district_id=district)
    by_district: dict[int | None, DistrictCoverage] = {}
    public, private = Side(), Side()
    for school in schools:
        standing = SchoolStanding(
            school=school,
            has_plan=bool(school.has_plan),  # type: ignore[attr-defined]
            policy_adopted_on=school.policy_on,  # type: ignore[attr-defined]
            policy_outdated=policy_is_outdated(school.policy_on, today),  # type: ignore[attr-defined]
        )
        row = by_district.get(school.district_id)
        if row is None:
            row = by_district[school.district_id] = DistrictCoverage(
                district_id=school.district_id,
                name=school.district.name if school.district else "—",
                region=school.region.name if school.region else "—",
            )
        side = (row.private, private) if school.is_private else (row.public, public)
        for counts in side:
            counts.add(standing)
        if standing.needs_attention:
            row.schools.append(standing)
    return Coverage(
        school_year=year,
        today=today,
        districts=list(by_district.values()),
        public=public,
        private=private,
    )


# --- individual plans (personal data: reads audited) --------------------------------------


def case_for_plans(user: Any, number: str, action: str = "view") -> Case:
    return access.get_or_404(
        Case.objects.select_related("child", "school"), user, action, number=number
    )


def individual_plans(user: Any, case: Case) -> list[IndividualPlan]:
    """The individual plans of a case the user sees; the read is audited."""
    plans = list(
        IndividualPlan.objects.restrict(user, "view")
        .filter(case=case)
        .select_related("child", "created_by", "updated_by")
        .order_by("created_at", "pk")
    )
    audit.record(
        actor=user,
        action="prevention.individual_plan.read",
        object_type="case",
        object_id=case.number,
        changes={"plans": [str(plan.public_id) for plan in plans]},
    )
    return plans


def get_individual_plan(user: Any, public_id: UUID, action: str = "view") -> IndividualPlan:
    """One individual plan (404 outside the rule); the read is audited."""
    plan = (
        IndividualPlan.objects.restrict(user, action)
        .select_related("case", "child")
        .filter(public_id=public_id)
        .first()
    )
    if plan is None or not access.permits(user, "view", plan.case):
        raise Http404("individual plan")
    audit.record(
        actor=user,
        action="prevention.individual_plan.read",
        object_type="case",
        object_id=plan.case.number,
        changes={"plans": [str(plan.public_id)]},
    )
    return plan
