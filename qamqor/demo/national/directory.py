"""The national directory and staff: real regions, synthetic districts, bodies, PSCs with
branches, 7,859 schools (853 private) and about 8,500 school psychologists at scale 1.

Small enough for the ORM's ``bulk_create`` (tens of thousands of rows); what the cases
need from it is kept in ``NationalWorld`` as plain ids.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db.models import Sum

from qamqor.accounts.models import Membership, Role, User
from qamqor.directory import services as directory_services
from qamqor.directory.models import (
    ContactPerson,
    District,
    Organisation,
    OrganisationKind,
    Region,
    Settlement,
)

NATIONAL_CODE_PREFIX = "nat-"
NATIONAL_EMAIL_DOMAIN = "national.qamqor.invalid"
SCHOOLS = 7859  # Ministry of Education, 2024/25
PRIVATE_SCHOOLS = 853
SCHOOL_PSYCHOLOGISTS = 8500
PSC_PSYCHOLOGISTS_PER_REGION = 25
DISTRICTS_PER_REGION = 4

REGIONAL_BODIES = (  # kind, code suffix, the staff member's role
    (OrganisationKind.EDUCATION_DEPARTMENT, "education", Role.REGIONAL_COORDINATOR),
    (OrganisationKind.PSC, "psc", Role.PSC_HEAD),
    (OrganisationKind.JUVENILE_POLICE, "juvenile-police", Role.POLICE_INSPECTOR),
    (OrganisationKind.POLICE_DUTY, "police-duty", Role.POLICE_INSPECTOR),
    (OrganisationKind.GUARDIANSHIP, "guardianship", Role.GUARDIANSHIP_OFFICER),
    (OrganisationKind.CLINIC, "clinic", Role.HEALTH_WORKER),
)
NATIONAL_BODIES = (
    (OrganisationKind.HELPLINE, "111-contact-center", Role.OPERATOR_111),
    (OrganisationKind.COORDINATING_BODY, "coordinating-body", Role.NATIONAL_COORDINATOR),
    (OrganisationKind.MONITORING_BODY, "monitoring-body", Role.MONITOR),
)


@dataclass
class NationalWorld:
    """What the cases and screenings need from the directory, as plain ids."""

    rng: random.Random
    scale: float
    regions: list[Region] = field(default_factory=list)
    bodies: dict[tuple[int | None, str], int] = field(default_factory=dict)  # (region, kind)
    branches: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    schools: list[tuple[int, int, int]] = field(default_factory=list)  # id, region, district
    contact: dict[int, int] = field(default_factory=dict)  # organisation → contact person
    staff: dict[int, int] = field(default_factory=dict)  # organisation → one member (user)
    psc_psychologists: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    counts: dict[str, int] = field(default_factory=dict)


def scaled(count: int, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(count * scale))


def build(world: NationalWorld) -> None:
    """Regions and cities (real), then districts, organisations, contacts and staff."""
    directory_services.load_regions.within()
    directory_services.load_cities.within()
    world.regions = list(Region.objects.order_by("code"))
    districts = _districts(world)
    _organisations(world, districts)
    _people(world)


def _districts(world: NationalWorld) -> dict[int, list[District]]:
    rows = [
        District(
            region=region,
            code=f"{region.code}-NAT-{number}",
            name_kk=f"Ұлттық демо аудан {number} (синтетикалық)",
            name_ru=f"Национальный демо-район {number} (синтетический)",
            name_en=f"National demo district {number} (synthetic)",
            synthetic=True,
        )
        for region in world.regions
        for number in range(1, DISTRICTS_PER_REGION + 1)
    ]
    District.objects.bulk_create(rows)
    by_region: dict[int, list[District]] = defaultdict(list)
    for district in rows:
        by_region[district.region_id].append(district)
    world.counts["districts"] = len(rows)
    return by_region


def _named(kind_en: str, kind_ru: str, kind_kk: str, where: str) -> dict[str, str]:
    return {
        "name_en": f"{kind_en} {where} (synthetic)",
        "name_ru": f"{kind_ru} {where} (синтетическ.)",
        "name_kk": f"{kind_kk} {where} (синтетикалық)",
    }


def _organisations(world: NationalWorld, districts: dict[int, list[District]]) -> None:
    rng = world.rng
    slug = {region.pk: region.code.lower().replace("-", "") for region in world.regions}
    centres: dict[int, Settlement | None] = {
        region.pk: Settlement.objects.filter(region=region, synthetic=False)
        .order_by("-population", "pk")
        .first()
        for region in world.regions
    }
    bodies: list[Organisation] = []
    for kind, suffix, _role in NATIONAL_BODIES:
        bodies.append(
            Organisation(
                kind=kind,
                code=f"{NATIONAL_CODE_PREFIX}{suffix}",
                synthetic=True,
                **_named(
                    "Demo national body", "Демо национальный орган", "Ұлттық демо орган", suffix
                ),
            )
        )
    for region in world.regions:
        for kind, suffix, _role in REGIONAL_BODIES:
            bodies.append(
                Organisation(
                    kind=kind,
                    code=f"{NATIONAL_CODE_PREFIX}{slug[region.pk]}-{suffix}",
                    region=region,
                    district=districts[region.pk][0],
                    settlement=centres[region.pk],
                    synthetic=True,
                    **_named(f"Demo {suffix}", f"Демо {suffix}", f"Демо {suffix}", region.code),
                )
            )
    Organisation.objects.bulk_create(bodies)
    for org in bodies:
        world.bodies[(org.region_id, org.kind)] = org.pk
    branches: list[Organisation] = []
    for region in world.regions:  # every region's PSC has one to three branches
        for number in range(1, rng.randint(1, 3) + 1):
            branches.append(
                Organisation(
                    kind=OrganisationKind.PSC_BRANCH,
                    code=f"{NATIONAL_CODE_PREFIX}{slug[region.pk]}-psc-b{number}",
                    region=region,
                    district=districts[region.pk][number % DISTRICTS_PER_REGION],
                    parent_id=world.bodies[(region.pk, OrganisationKind.PSC)],
                    synthetic=True,
                    **_named(
                        "Demo PSC branch",
                        "Демо филиал ЦПП",
                        "ПҚО демо филиалы",
                        f"{region.code}-{number}",
                    ),
                )
            )
    Organisation.objects.bulk_create(branches)
    for org in branches:
        assert org.region_id is not None  # noqa: S101  built with one
        world.branches[org.region_id].append(org.pk)
    schools = _schools(world, districts, slug)
    Organisation.objects.bulk_create(schools, batch_size=2000)
    world.schools = [
        (org.pk, org.region_id, org.district_id)  # type: ignore[misc]
        for org in schools
    ]
    everything = [*bodies, *branches, *schools]
    contacts = [
        ContactPerson(
            organisation=org,
            full_name=f"Contact person {index:05d} (synthetic)",
            position="Designated contact person",
            email=f"contact.{org.code}@{NATIONAL_EMAIL_DOMAIN}",
            is_designated=True,
        )
        for index, org in enumerate(everything, start=1)
    ]
    ContactPerson.objects.bulk_create(contacts, batch_size=2000)
    world.contact = {contact.organisation_id: contact.pk for contact in contacts}
    world.counts["organisations"] = len(everything)
    world.counts["schools"] = len(schools)
    world.counts["private_schools"] = sum(org.is_private for org in schools)
    world.counts["psc_branches"] = len(branches)


def _schools(
    world: NationalWorld, districts: dict[int, list[District]], slug: dict[int, str]
) -> list[Organisation]:
    """Schools spread over the regions by the square root of their city population, at
    least one per region; 853 of 7,859 private (scaled)."""
    rng = world.rng
    count = max(len(world.regions), scaled(SCHOOLS, world.scale))
    population = dict(
        Settlement.objects.filter(synthetic=False)
        .values_list("region_id")
        .annotate(people=Sum("population"))
        .order_by()
        .values_list("region_id", "people")
    )
    weights = [math.sqrt(population.get(region.pk) or 1) for region in world.regions]
    per_region = [1] * len(world.regions)
    for index in rng.choices(range(len(world.regions)), weights, k=count - len(world.regions)):
        per_region[index] += 1
    private = set(rng.sample(range(count), round(count * PRIVATE_SCHOOLS / SCHOOLS)))
    rows: list[Organisation] = []
    for region, how_many in zip(world.regions, per_region, strict=True):
        for number in range(1, how_many + 1):
            is_private = len(rows) in private
            label = f"{region.code}-{number:04d}"
            kind = ("Demo private school", "Демо частная школа", "Жеке демо мектеп")
            plain = ("Demo school", "Демо школа", "Демо мектеп")
            rows.append(
                Organisation(
                    kind=OrganisationKind.SCHOOL,
                    code=f"{NATIONAL_CODE_PREFIX}school-{slug[region.pk]}-{number:04d}",
                    region=region,
                    district=rng.choice(districts[region.pk]),
                    is_private=is_private,
                    synthetic=True,
                    **_named(*(kind if is_private else plain), label),
                )
            )
    return rows


def _people(world: NationalWorld) -> None:
    """A coordinator per school, the school psychologists, one member of every body, the
    PSC psychologists; none can sign in (unusable passwords)."""
    rng = world.rng
    password = make_password(None)
    users: list[User] = []
    places: list[tuple[int, str]] = []
    roles: dict[str, str] = {kind: role for kind, _s, role in (*REGIONAL_BODIES, *NATIONAL_BODIES)}
    region_of = {org: region for (region, _kind), org in world.bodies.items()}

    def person(username: str, organisation: int, role: str) -> None:
        users.append(
            User(
                username=username,
                first_name="Synthetic",
                last_name=f"{role.replace('_', ' ')} {len(users) + 1}",
                email=f"{username}@{NATIONAL_EMAIL_DOMAIN}",
                password=password,
                interview_qualified=role in (Role.PSC_PSYCHOLOGIST, Role.POLICE_INSPECTOR),
            )
        )
        places.append((organisation, role))

    for index, (school, _region, _district) in enumerate(world.schools, start=1):
        person(f"nat-coordinator-{index:05d}", school, Role.SCHOOL_COORDINATOR)
    psychologists = scaled(SCHOOL_PSYCHOLOGISTS, world.scale)
    schools = [school for school, _, _ in world.schools]
    assigned = schools[:psychologists] + rng.choices(
        schools, k=max(0, psychologists - len(schools))
    )
    for index, school in enumerate(assigned, start=1):
        person(f"nat-school-psychologist-{index:05d}", school, Role.SCHOOL_PSYCHOLOGIST)
    for (region_id, kind), org in sorted(world.bodies.items(), key=lambda item: item[1]):
        person(f"nat-{kind.replace('_', '-')}-{region_id or 0}", org, roles[kind])
    per_psc = scaled(PSC_PSYCHOLOGISTS_PER_REGION, world.scale, minimum=2)
    for region in world.regions:
        psc = world.bodies[(region.pk, OrganisationKind.PSC)]
        for number in range(1, per_psc + 1):
            person(f"nat-psc-psychologist-{region.pk}-{number:03d}", psc, Role.PSC_PSYCHOLOGIST)
    User.objects.bulk_create(users, batch_size=2000)
    Membership.objects.bulk_create(
        [
            Membership(user=user, organisation_id=org, role=role)
            for user, (org, role) in zip(users, places, strict=True)
        ],
        batch_size=2000,
    )
    for user, (org, role) in zip(users, places, strict=True):
        world.staff.setdefault(org, user.pk)
        psc_region = region_of.get(org)
        if role == Role.PSC_PSYCHOLOGIST and psc_region is not None:
            world.psc_psychologists[psc_region].append(user.pk)
    world.counts["users"] = len(users)
    world.counts["school_psychologists"] = psychologists
