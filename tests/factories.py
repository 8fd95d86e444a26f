"""Test data: two regions with their bodies, and named personas (STYLE.md, 'Tests').

Region A (KZ-75, Almaty) and region B (KZ-71, Astana) each have two schools, a PSC,
a juvenile police unit, a guardianship body and an education department. The personas:

- ``coordinator_a`` (school A1), ``coordinator_a2`` (school A2, same region),
  ``psychologist_a`` (school A1), ``psc_a``, ``police_a``, ``regional_a``;
- ``coordinator_b``, ``psc_b``, ``police_b``, ``regional_b`` in region B;
- ``national`` (coordinating body), ``monitor`` (monitoring body), ``operator`` (111).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qamqor.accounts.models import Membership, Role, User
from qamqor.cases import services as case_services
from qamqor.cases.models import Case
from qamqor.directory.models import ContactPerson, District, Organisation, Region
from qamqor.intake import services as intake_services
from qamqor.intake.models import Report

PASSWORD = "correct-horse-battery-staple"

REPORT_DATA: dict[str, Any] = {
    "narrative": "Older pupils take my phone and mock me in the class chat every day.",
    "forms": ["bullying", "cyberbullying"],
    "setting": "school",
    "in_danger_now": False,
    "anonymous": True,
    "reporter_role": "child",
    "reporter_name": "",
    "reporter_contact": "",
}

CLASSIFICATION: dict[str, Any] = {
    "summary": "Repeated mocking in the class chat; phone taken.",
    "forms": ["bullying", "cyberbullying"],
    "setting": "school",
    "risk_level": "medium",
    "in_danger_now": False,
    "repeated": True,
    "child_age": 13,
    "child_sex": "girl",
}


@dataclass
class RegionWorld:
    region: Region
    district: District
    school: Organisation
    school2: Organisation
    psc: Organisation
    police: Organisation
    guardianship: Organisation
    education: Organisation


@dataclass
class World:
    a: RegionWorld
    b: RegionWorld
    coordinating_body: Organisation
    monitoring_body: Organisation
    helpline: Organisation
    users: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, name: str) -> User:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


def make_organisation(kind: str, code: str, region: Region | None, **extra: Any) -> Organisation:
    org = Organisation.objects.create(
        kind=kind,
        code=code,
        region=region,
        name_kk=f"{code} (kk)",
        name_ru=f"{code} (ru)",
        name_en=f"{code} (en)",
        email=f"{code}@test.qamqor.invalid",
        synthetic=True,
        **extra,
    )
    ContactPerson.objects.create(
        organisation=org,
        full_name=f"Contact of {code}",
        position="designated contact",
        email=f"contact-{code}@test.qamqor.invalid",
        is_designated=True,
    )
    return org


def make_user(username: str, organisation: Organisation, role: str, **extra: Any) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@test.qamqor.invalid", **extra
    )
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def _region(code: str, label: str) -> RegionWorld:
    region, _ = Region.objects.get_or_create(
        code=code,
        defaults={"kind": "city", "name_kk": label, "name_ru": label, "name_en": label},
    )
    district = District.objects.create(
        region=region, code=f"{code}-D1", name_kk="D1", name_ru="D1", name_en="D1"
    )
    slug = code.lower().replace("-", "")
    return RegionWorld(
        region=region,
        district=district,
        school=make_organisation("school", f"school-{slug}-1", region, district=district),
        school2=make_organisation("school", f"school-{slug}-2", region, district=district),
        psc=make_organisation("psc", f"psc-{slug}", region),
        police=make_organisation("juvenile_police", f"police-{slug}", region, district=district),
        guardianship=make_organisation("guardianship", f"guardianship-{slug}", region),
        education=make_organisation("education_department", f"edu-{slug}", region),
    )


def build_world() -> World:
    """Both regions, the national bodies and every persona."""
    world = World(
        a=_region("KZ-75", "Almaty"),
        b=_region("KZ-71", "Astana"),
        coordinating_body=make_organisation("coordinating_body", "coordinating-body", None),
        monitoring_body=make_organisation("monitoring_body", "ombudsman", None),
        helpline=make_organisation("helpline", "helpline-111", None),
    )
    for suffix, rw in (("a", world.a), ("b", world.b)):
        world.users[f"coordinator_{suffix}"] = make_user(
            f"coordinator_{suffix}", rw.school, Role.SCHOOL_COORDINATOR
        )
        world.users[f"psc_{suffix}"] = make_user(f"psc_{suffix}", rw.psc, Role.PSC_PSYCHOLOGIST)
        world.users[f"police_{suffix}"] = make_user(
            f"police_{suffix}", rw.police, Role.POLICE_INSPECTOR
        )
        world.users[f"regional_{suffix}"] = make_user(
            f"regional_{suffix}", rw.education, Role.REGIONAL_COORDINATOR
        )
    world.users["coordinator_a2"] = make_user(
        "coordinator_a2", world.a.school2, Role.SCHOOL_COORDINATOR
    )
    world.users["psychologist_a"] = make_user(
        "psychologist_a", world.a.school, Role.SCHOOL_PSYCHOLOGIST
    )
    world.users["national"] = make_user(
        "national", world.coordinating_body, Role.NATIONAL_COORDINATOR
    )
    world.users["monitor"] = make_user("monitor", world.monitoring_body, Role.MONITOR)
    world.users["operator"] = make_user("operator", world.helpline, Role.OPERATOR_111)
    return world


def submit_report(school: Organisation, **overrides: Any) -> Report:
    return intake_services.submit_report(school=school, data={**REPORT_DATA, **overrides}).report


def register_case(world: World, school: Organisation | None = None, **overrides: Any) -> Case:
    """A registered case at ``school`` (default: school A1), registered by its coordinator."""
    school = school or world.a.school
    actor = (
        world.coordinator_a
        if school == world.a.school
        else (world.coordinator_b if school == world.b.school else world.national)
    )
    report = submit_report(school)
    return case_services.register_case(
        report=report, actor=actor, classification={**CLASSIFICATION, **overrides}
    )
