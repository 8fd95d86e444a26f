"""Test data: two regions with their bodies, and named personas (STYLE.md, 'Tests').

Region A (KZ-75, Almaty) and region B (KZ-71, Astana) each have two schools, a PSC,
a juvenile police unit, a guardianship body and an education department. The personas:

- ``coordinator_a`` (school A1), ``coordinator_a2`` (school A2, same region),
  ``psychologist_a`` (school A1), ``psc_a``, ``police_a``, ``regional_a``;
- ``guardianship_a``, ``clinic_a``, ``duty_a`` (police duty unit);
- ``coordinator_b``, ``psc_b``, ``police_b``, ``regional_b``, … in region B;
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
    clinic: Organisation
    police_duty: Organisation


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
        clinic=make_organisation("clinic", f"clinic-{slug}", region),
        police_duty=make_organisation("police_duty", f"duty-{slug}", region, district=district),
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
        world.users[f"guardianship_{suffix}"] = make_user(
            f"guardianship_{suffix}", rw.guardianship, Role.GUARDIANSHIP_OFFICER
        )
        world.users[f"clinic_{suffix}"] = make_user(
            f"clinic_{suffix}", rw.clinic, Role.HEALTH_WORKER
        )
        world.users[f"duty_{suffix}"] = make_user(
            f"duty_{suffix}", rw.police_duty, Role.POLICE_INSPECTOR
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


def actor_for(world: World, organisation: Organisation) -> User:
    """A persona who works at ``organisation`` (the first member found)."""
    return next(
        u for u in world.users.values() if u.memberships.filter(organisation=organisation).exists()
    )


def complete_open_steps(world: World, case: Case, *, rounds: int = 20) -> list[str]:
    """Complete every step as it opens, each by a member of its organisation, with valid
    sample outputs; returns the keys in the order they were done."""
    from qamqor.protocols.models import Step
    from qamqor.protocols.outputs import sample_output
    from qamqor.protocols.services import complete_step

    done: list[str] = []
    for _round in range(rounds):
        open_steps = list(
            Step.objects.filter(case=case, status=Step.Status.OPEN)
            .select_related("run__protocol", "organisation", "case")
            .order_by("position")
        )
        if not open_steps:
            return done
        for step in open_steps:
            actor = actor_for(world, step.organisation)
            if step.spec.requires_qualification == "interview" and not actor.interview_qualified:
                actor.interview_qualified = True
                actor.save(update_fields=["interview_qualified"])
            complete_step(step=step, actor=actor, output=sample_output(step.spec, "Done"))
            done.append(step.key)
    raise AssertionError("steps kept opening")


# --- screenings ---------------------------------------------------------------------------


def add_school_psychologists(world: World) -> None:
    """``psychologist_a2`` (school A2, region A) and ``psychologist_b`` (school B1): the
    outsiders of the screening tests."""
    world.users["psychologist_a2"] = make_user(
        "psychologist_a2", world.a.school2, Role.SCHOOL_PSYCHOLOGIST
    )
    world.users["psychologist_b"] = make_user(
        "psychologist_b", world.b.school, Role.SCHOOL_PSYCHOLOGIST
    )


def make_pupil(
    school: Organisation, *, age: int = 13, sex: str = "girl", class_label: str = "7A"
) -> Any:
    """A pseudonymous pupil of ``school`` who turned ``age`` a month ago."""
    from datetime import timedelta

    from django.utils import timezone

    month_ago = timezone.localdate() - timedelta(days=31)
    birth = month_ago.replace(year=month_ago.year - age, day=min(month_ago.day, 28))
    return case_services.create_child(
        region=school.region,  # type: ignore[arg-type]
        school=school,
        birth_date=birth,
        sex=sex,
        class_label=class_label,
    )


# --- psychological support ---------------------------------------------------------------


@dataclass
class CarePlaces:
    """What the care and referral tests add to the world."""

    clinic_a: Organisation
    branch_a: Organisation


def _persona(world: World, username: str, organisation: Organisation, role: str) -> User:
    """Create the persona once; another helper may already have made it."""
    if username not in world.users:
        existing = User.objects.filter(username=username).first()
        world.users[username] = existing or make_user(username, organisation, role)
    return world.users[username]


def add_care_personas(world: World) -> CarePlaces:
    """The personas of psychological support, on top of ``build_world``:

    - ``psc_head_a`` heads region A's PSC and its branch (the supervisor);
    - ``psc_a2`` is a second PSC psychologist at region A's PSC (a colleague);
    - ``psc_branch_a`` works at the PSC's branch in region A;
    - ``psychologist_a2`` (school A2), ``psychologist_b`` (school B1), ``psc_head_b``;
    - ``health_a`` is a health worker at region A's clinic.
    """
    clinic = Organisation.objects.filter(kind="clinic", region=world.a.region).first()
    clinic = clinic or make_organisation("clinic", "care-clinic-kz75", world.a.region)
    branch = make_organisation("psc_branch", "psc-kz75-branch", world.a.region, parent=world.a.psc)
    _persona(world, "psc_head_a", world.a.psc, Role.PSC_HEAD)
    _persona(world, "psc_a2", world.a.psc, Role.PSC_PSYCHOLOGIST)
    _persona(world, "psc_branch_a", branch, Role.PSC_PSYCHOLOGIST)
    _persona(world, "psychologist_a2", world.a.school2, Role.SCHOOL_PSYCHOLOGIST)
    _persona(world, "psychologist_b", world.b.school, Role.SCHOOL_PSYCHOLOGIST)
    _persona(world, "psc_head_b", world.b.psc, Role.PSC_HEAD)
    _persona(world, "health_a", clinic, Role.HEALTH_WORKER)
    return CarePlaces(clinic_a=clinic, branch_a=branch)


def care_pupil(world: World, **fields: Any) -> Any:
    """A pupil of school A1 recorded by its psychologist (through the service)."""
    from qamqor.care import services as care_services

    return care_services.register_child(
        actor=world.psychologist_a, organisation=world.a.school, **fields
    )


def refer_to_psc(world: World, child: Any = None, **overrides: Any) -> Any:
    """School A1's psychologist refers a pupil to region A's PSC on a legal basis."""
    from qamqor.referrals import services as referral_services

    arguments: dict[str, Any] = {
        "actor": world.psychologist_a,
        "from_organisation": world.a.school,
        "to_organisation": world.a.psc,
        "concern": "suicide_risk",
        "reason": "Told her class teacher she does not want to live; self-harm marks seen.",
        "urgency": "urgent",
        "actions_taken": "Talked with her; class teacher informed; parents not reached yet.",
        "share_basis": "legal_basis",
        "legal_ground": "danger_to_life",
        "reference": "Law on the rights of the child, Art. 10",
    }
    if child is None:
        arguments["new_child"] = {"full_name": "Aigerim Test", "class_label": "8A"}
    else:
        arguments["child"] = child
    return referral_services.send_referral(**{**arguments, **overrides})


def record_parent_consent(
    world: World, child: Any, organisation: Organisation, actor: User, **overrides: Any
) -> Any:
    """A mother's consent to psychological support given to ``organisation``."""
    from django.utils import timezone

    from qamqor.care import services as care_services
    from qamqor.cases.models import LegalRepresentative

    mother = child.representatives.first() or LegalRepresentative.objects.create(
        child=child, full_name="Mother Test", relationship="mother"
    )
    arguments: dict[str, Any] = {
        "actor": actor,
        "child": child,
        "organisation": organisation,
        "giver": "legal_representative",
        "representative": mother,
        "method": "signed_in_person",
        "given_at": timezone.now(),
        "covers_support": True,
    }
    return care_services.record_consent(**{**arguments, **overrides})
