"""What every part of the demo shares: the seeded random source, the clock, the summary,
the directory and people built first, and the demo region the later parts play in.

One ``random.Random`` serves the whole run, in a fixed order of calls, so a given seed
gives the same demo every time; each part takes its draws from ``world.rng`` in the order
the orchestrator (``qamqor.demo.run``) calls the parts.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import phonenumbers
from django.utils import timezone
from tqdm import tqdm

from qamqor.accounts.models import Role, User
from qamqor.care import services as care_services
from qamqor.directory.models import District, Organisation, OrganisationKind, Region, Settlement

DEMO_EMAIL_DOMAIN = "demo.qamqor.invalid"
DEMO_REGION = "KZ-75"  # Almaty city: the demo logins, the demo school, the services' demo
DEMO_CODE_PREFIX = "demo-"
HISTORY_DAYS = 90

FIRST_NAMES = (
    "Aigerim", "Aruzhan", "Asel", "Dana", "Dinara", "Gulnara", "Madina", "Saule", "Zhanna",
    "Aliya", "Arman", "Askar", "Bauyrzhan", "Daulet", "Marat", "Nurlan", "Serik", "Timur",
    "Yerlan", "Yerzhan",
)  # fmt: skip
SURNAMES = (
    "Abenov", "Akhmetov", "Bekov", "Dzhaksybekov", "Ibraimov", "Kassymov", "Mukanov",
    "Nurpeisov", "Omarov", "Sadykov", "Seitkali", "Tulegenov", "Zhakupov", "Ivanov",
    "Kim", "Petrov",
)  # fmt: skip
FEMALE_NAMES = frozenset(FIRST_NAMES[:9])
# The same names as Kazakh and Russian write them (kk, ru): contact persons are listed the
# way their organisation writes them, in Cyrillic. A woman's surname in -ov/-ev/-in ends
# in -ova/-eva/-ina, in Cyrillic as in Latin letters.
CYRILLIC_FIRST_NAMES: dict[str, tuple[str, str]] = {
    "Aigerim": ("Әйгерім", "Айгерим"), "Aruzhan": ("Аружан", "Аружан"),
    "Asel": ("Әсел", "Асель"), "Dana": ("Дана", "Дана"), "Dinara": ("Динара", "Динара"),
    "Gulnara": ("Гүлнара", "Гульнара"), "Madina": ("Мадина", "Мадина"),
    "Saule": ("Сәуле", "Сауле"), "Zhanna": ("Жанна", "Жанна"), "Aliya": ("Әлия", "Алия"),
    "Arman": ("Арман", "Арман"), "Askar": ("Асқар", "Аскар"),
    "Bauyrzhan": ("Бауыржан", "Бауыржан"), "Daulet": ("Дәулет", "Даулет"),
    "Marat": ("Марат", "Марат"), "Nurlan": ("Нұрлан", "Нурлан"), "Serik": ("Серік", "Серик"),
    "Timur": ("Тимур", "Тимур"), "Yerlan": ("Ерлан", "Ерлан"), "Yerzhan": ("Ержан", "Ержан"),
}  # fmt: skip
CYRILLIC_SURNAMES: dict[str, tuple[str, str]] = {
    "Abenov": ("Әбенов", "Абенов"), "Akhmetov": ("Ахметов", "Ахметов"),
    "Bekov": ("Беков", "Беков"), "Dzhaksybekov": ("Жақсыбеков", "Джаксыбеков"),
    "Ibraimov": ("Ибраимов", "Ибраимов"), "Kassymov": ("Қасымов", "Касымов"),
    "Mukanov": ("Мұқанов", "Муканов"), "Nurpeisov": ("Нұрпейісов", "Нурпеисов"),
    "Omarov": ("Омаров", "Омаров"), "Sadykov": ("Садықов", "Садыков"),
    "Seitkali": ("Сейітқали", "Сеиткали"), "Tulegenov": ("Төлегенов", "Тулегенов"),
    "Zhakupov": ("Жақыпов", "Жакупов"), "Ivanov": ("Иванов", "Иванов"), "Kim": ("Ким", "Ким"),
    "Petrov": ("Петров", "Петров"),
}  # fmt: skip
SYNTHETIC_MARK = " (synthetic)"


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


def weighted(rng: random.Random, choices: Sequence[tuple[Any, int]]) -> Any:
    """One value of ``(value, weight)`` pairs, drawn by weight."""
    return rng.choices([value for value, _ in choices], [weight for _, weight in choices])[0]


def between(rng: random.Random, earliest: datetime, latest: datetime) -> datetime:
    """A moment drawn evenly between two moments (``latest`` if they are out of order)."""
    if latest <= earliest:
        return latest
    return earliest + (latest - earliest) * rng.random()


def region_slug(code: str) -> str:
    """The region's code as it appears in demo codes and user names: KZ-75 → kz75."""
    return code.lower().replace("-", "")


class PhoneNumbers:
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
class DemoWorld:
    """One seeding run's shared state: filled by ``directory`` and ``people``, then read by
    the reports, the cases and the services' demo."""

    rng: random.Random
    progress: bool
    now: datetime = field(default_factory=timezone.now)
    summary: SeedSummary = field(default_factory=SeedSummary)
    regions: dict[str, Region] = field(default_factory=dict)
    region_codes: dict[int, str] = field(default_factory=dict)
    centres: dict[str, Settlement] = field(default_factory=dict)
    districts: dict[str, list[District]] = field(default_factory=lambda: defaultdict(list))
    villages: dict[int, list[Settlement]] = field(default_factory=lambda: defaultdict(list))
    cities: dict[str, list[Settlement]] = field(default_factory=lambda: defaultdict(list))
    bodies: dict[tuple[str | None, str], Organisation] = field(default_factory=dict)
    schools: list[Organisation] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    members: dict[int, list[User]] = field(default_factory=lambda: defaultdict(list))
    school_coordinator: dict[int, User] = field(default_factory=dict)
    regional_coordinator: dict[int, User] = field(default_factory=dict)
    phones: PhoneNumbers = field(init=False)

    def __post_init__(self) -> None:
        self.phones = PhoneNumbers(self.rng)

    def person(self) -> tuple[str, str]:
        """A synthetic first name and surname (the surname says it is synthetic)."""
        first = self.rng.choice(FIRST_NAMES)
        surname = self.rng.choice(SURNAMES)
        if first in FEMALE_NAMES and surname.endswith(("ov", "ev", "in")):
            surname += "a"
        return first, f"{surname}{SYNTHETIC_MARK}"

    def person_name(self, language: str = "en") -> str:
        """A synthetic full name, in Latin letters or as Kazakh (``kk``) or Russian (``ru``)
        writes it; the same draws in every language, and it still says it is synthetic."""
        first, last = self.person()
        if language == "en":
            return f"{first} {last}"
        index = ("kk", "ru").index(language)
        surname = last.removesuffix(SYNTHETIC_MARK)
        female = surname not in CYRILLIC_SURNAMES
        cyrillic = CYRILLIC_SURNAMES[surname[:-1] if female else surname][index]
        if female:
            cyrillic += "а"
        return f"{CYRILLIC_FIRST_NAMES[first][index]} {cyrillic}{SYNTHETIC_MARK}"

    def progress_bar(self, total: int, desc: str, unit: str) -> tqdm[Any]:
        """A console progress bar, silent unless the run was asked to show progress."""
        return tqdm(total=total, desc=desc, unit=unit, disable=not self.progress)


@dataclass
class DemoRegion:
    """The demo region (KZ-75) as the support services' demo uses it: its first school,
    its PSC, the demo logins and its police duty officer; the clock is read when the
    reports and cases are done."""

    world: DemoWorld
    now: datetime
    today: date
    school: Organisation
    region: Region
    psc: Organisation
    login: dict[Role, User]
    police_duty: User

    @classmethod
    def of(cls, world: DemoWorld) -> DemoRegion:
        now = timezone.now()
        users = User.objects.in_bulk([role.value for role in Role], field_name="username")
        return cls(
            world=world,
            now=now,
            today=care_services.local_today(now),
            school=world.schools[0],
            region=world.regions[DEMO_REGION],
            psc=world.bodies[(DEMO_REGION, OrganisationKind.PSC)],
            login={Role(name): user for name, user in users.items()},
            police_duty=User.objects.get(username=f"police-duty-{region_slug(DEMO_REGION)}"),
        )

    @property
    def rng(self) -> random.Random:
        return self.world.rng

    @property
    def summary(self) -> SeedSummary:
        return self.world.summary

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def birth_date(self, age: int) -> date:
        """A birth date ``age`` full years before today, on a random day of that year."""
        return self.today - timedelta(days=age * 365 + self.rng.randint(20, 340))
