"""The directory's real reference data: ISO 3166-2:KZ regions and GeoNames cities."""

from __future__ import annotations

import pycountry
import pytest
from django.core.management import call_command

from qamqor.directory import services
from qamqor.directory.models import Region, Settlement

CYRILLIC = range(0x0400, 0x0500)


def has_cyrillic(text: str) -> bool:
    return any(ord(char) in CYRILLIC for char in text)


@pytest.fixture
def directory(db: None) -> None:
    services.load_regions()
    services.load_cities()


def test_the_twenty_units_have_exactly_pycountrys_codes(db: None) -> None:
    assert services.load_regions() == 20

    official = {sub.code for sub in pycountry.subdivisions.get(country_code="KZ")}
    assert set(Region.objects.values_list("code", flat=True)) == official
    assert Region.objects.filter(kind=Region.Kind.REGION).count() == 17
    cities = Region.objects.filter(kind=Region.Kind.CITY)
    assert set(cities.values_list("code", flat=True)) == {"KZ-71", "KZ-75", "KZ-79"}


def test_every_region_is_named_in_kazakh_russian_and_english(db: None) -> None:
    services.load_regions()

    for region in Region.objects.all():
        assert region.name_kk.strip() and has_cyrillic(region.name_kk), region.code
        assert region.name_ru.strip() and has_cyrillic(region.name_ru), region.code
        assert region.name_en.strip() and not has_cyrillic(region.name_en), region.code
    almaty_region = Region.objects.get(code="KZ-19")
    assert (almaty_region.name_kk, almaty_region.name_ru, almaty_region.name_en) == (
        "Алматы облысы",
        "Алматинская область",
        "Almaty Region",
    )
    assert Region.objects.get(code="KZ-75").name_en == "Almaty"
    assert Region.objects.get(code="KZ-62").name_kk == "Ұлытау облысы"


def test_loading_twice_changes_nothing(directory: None) -> None:
    regions = list(Region.objects.order_by("code").values())
    cities = list(Settlement.objects.order_by("geonames_id").values())

    services.load_regions()
    services.load_cities()

    assert list(Region.objects.order_by("code").values()) == regions
    assert list(Settlement.objects.order_by("geonames_id").values()) == cities


def test_a_file_that_disagrees_with_pycountry_is_refused(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    official = services.pycountry_units()
    without_shymkent = {code: kind for code, kind in official.items() if code != "KZ-79"}
    monkeypatch.setattr(services, "pycountry_units", lambda: without_shymkent)

    with pytest.raises(services.DirectoryDataError, match="KZ-79"):
        services.load_regions()
    assert not Region.objects.exists()

    monkeypatch.setattr(services, "pycountry_units", lambda: {**official, "KZ-79": "region"})
    with pytest.raises(services.DirectoryDataError, match="kind of KZ-79"):
        services.load_regions()


@pytest.mark.parametrize(
    ("geonames_id", "city", "code"),
    [
        (1526384, "Almaty", "KZ-75"),
        (609655, "Karagandy", "KZ-35"),
        (1518980, "Shymkent", "KZ-79"),
        (1526273, "Astana", "KZ-71"),
        (1519948, "Konayev", "KZ-19"),  # centre of Almaty Region since 2022
        (1518518, "Talghar", "KZ-19"),
        (1519422, "Semey", "KZ-10"),  # Abai, formed in 2022
        (1518542, "Taldykorgan", "KZ-33"),  # Zhetisu, 2022
        (1520253, "Zharkent", "KZ-33"),
        (1516589, "Zhezqazghan", "KZ-62"),  # Ulytau, 2022
        (1520692, "Satpayev", "KZ-62"),
        (1525798, "Balqash", "KZ-35"),  # stayed in Karaganda
        (1520316, "Ust-Kamenogorsk", "KZ-63"),
        (1517945, "Turkistan", "KZ-61"),
        (608668, "Oral", "KZ-27"),
        (1520172, "Petropavl", "KZ-59"),
        (1521368, "Baikonur", "KZ-43"),  # leased complex inside Kyzylorda Region
    ],
)
def test_cities_land_in_their_region(
    directory: None, geonames_id: int, city: str, code: str
) -> None:
    settlement = Settlement.objects.select_related("region").get(geonames_id=geonames_id)

    assert settlement.name_en == city
    assert settlement.region.code == code


def test_every_region_has_its_administrative_centre(directory: None) -> None:
    for code, data in services.read_regions_file().items():
        centre = Settlement.objects.select_related("region").get(
            geonames_id=data.centre_geonames_id
        )
        assert centre.region.code == code, centre.name_en


def test_cities_are_real_places_with_coordinates_and_population(directory: None) -> None:
    cities = list(Settlement.objects.all())

    assert len(cities) == len(services.geonames_cities()) > 50
    for city in cities:
        assert city.kind == Settlement.Kind.CITY
        assert not city.synthetic
        assert city.geonames_id
        assert city.latitude is not None and 40 < city.latitude < 56, city.name_en
        assert city.longitude is not None and 46 < city.longitude < 88, city.name_en
        assert city.population and city.population >= 15000
        assert city.name_kk and city.name_ru and city.name_en


@pytest.mark.parametrize(
    ("geonames_id", "kk", "ru"),
    [
        (1526384, "Алматы", "Алматы"),
        (609655, "Қарағанды", "Караганда"),
        (608668, "Орал", "Уральск"),
        (1520316, "Өскемен", "Усть-Каменогорск"),
        (1519725, "Саран", "Сарань"),
    ],
)
def test_city_names_come_from_the_geonames_alternates(
    directory: None, geonames_id: int, kk: str, ru: str
) -> None:
    city = Settlement.objects.get(geonames_id=geonames_id)

    assert (city.name_kk, city.name_ru) == (kk, ru)


def test_a_city_without_cyrillic_names_keeps_its_english_name() -> None:
    city = {"geonameid": 1, "name": "Nowhere", "admin1code": "02", "alternatenames": ["Nulle"]}

    assert services._pick_names(city) == {"kk": "Nowhere", "ru": "Nowhere", "en": "Nowhere"}


def test_an_unmapped_first_level_code_is_an_error_and_an_unplaced_one_is_skipped() -> None:
    with pytest.raises(services.DirectoryDataError, match="'99'"):
        services.iso_code_for({"geonameid": 1, "name": "X", "admin1code": "99"})
    assert services.iso_code_for({"geonameid": 1, "name": "X", "admin1code": "00"}) is None


def test_cities_need_the_regions_first(db: None) -> None:
    with pytest.raises(services.DirectoryDataError, match="load_regions"):
        services.load_cities()


def test_load_directory_command(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_directory")

    assert "20 regions" in capsys.readouterr().out
    assert Settlement.objects.filter(region__code="KZ-75").exists()
