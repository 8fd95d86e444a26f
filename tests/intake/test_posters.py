"""QR posters (docs/intake.md): the PDF is rasterised and its QR code decoded back to
the school's report address, as a phone would; the Kazakh and Russian texts are read back
from the PDF; only the school's staff and the coordinators above it may download."""

from __future__ import annotations

from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.test import Client
from django.urls import reverse

from qamqor.accounts.models import User
from qamqor.directory.models import District, Organisation
from qamqor.intake import posters
from tests.factories import World, make_organisation

SITE = "https://qamqor.example.kz"
KK_NAME = (
    "№ 12 жалпы білім беретін мектеп-гимназиясы (Әуезов ауданы, ғылым, құс, ңғ, өнер, ұл, үй, һ)"
)
RU_NAME = "Школа-гимназия № 12 общего образования (Ауэзовский район)"


@pytest.fixture(autouse=True)
def _site_url(settings: Any) -> None:
    settings.SITE_URL = SITE


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def pages(data: bytes) -> list[tuple[list[str], str]]:
    """For each page: the QR codes decoded from it rendered at 150 dpi, and its text."""
    document = pdfium.PdfDocument(data)
    try:
        found = []
        for page in document:
            image = page.render(scale=150 / 72).to_pil()
            codes = zxingcpp.read_barcodes(image)
            assert all(code.format == zxingcpp.BarcodeFormat.QRCode for code in codes)
            textpage = page.get_textpage()
            found.append(([code.text for code in codes], textpage.get_text_bounded()))
            textpage.close()
            page.close()
        return found
    finally:
        document.close()


def school_url(school: Organisation) -> str:
    return f"{SITE}/report/{school.code}/"


def download(user: User, name: str, code: str) -> bytes:
    response = signed_in(user).get(reverse(name, args=[code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


# --- what the poster shows -----------------------------------------------------------------


def test_a_schools_poster_decodes_to_its_report_form(world: World) -> None:
    school = world.a.school
    data = download(world.coordinator_a, "poster-school", school.code)

    [(codes, _text)] = pages(data)
    assert codes == [school_url(school)]
    assert codes[0] == f"{SITE}{reverse('report-form', args=[school.code])}"
    response = Client().get(reverse("report-form", args=[school.code]))
    assert response.status_code == 200  # the address the QR opens is the school's form


def test_the_poster_reads_in_kazakh_and_russian(world: World) -> None:
    school = world.a.school
    Organisation.objects.filter(pk=school.pk).update(name_kk=KK_NAME, name_ru=RU_NAME)

    [(_codes, text)] = pages(download(world.coordinator_a, "poster-school", school.code))

    flat = " ".join(text.split())  # names may wrap onto a second line
    assert KK_NAME in flat
    assert RU_NAME in flat
    for fixed in (posters.HEADLINE_KK, posters.HEADLINE_RU, posters.INVITATION_KK):
        assert fixed in flat
    assert posters.INVITATION_RU in flat
    assert school.code in flat
    assert "111" in flat and "112" in flat
    assert "qamqor.example.kz/report/" in flat  # where to type the code without a camera


def test_a_district_file_has_a_page_per_school_each_decoding_to_its_own(world: World) -> None:
    district = world.a.district
    extra = make_organisation("school", "school-kz75-0-extra", world.a.region, district=district)
    other_district = District.objects.create(
        region=world.a.region, code="KZ-75-D2", name_kk="D2", name_ru="D2", name_en="D2"
    )
    make_organisation("school", "school-kz75-elsewhere", world.a.region, district=other_district)

    data = download(world.regional_a, "poster-district", district.code)

    schools = sorted([world.a.school, world.a.school2, extra], key=lambda s: s.code)
    found = pages(data)
    assert len(found) == len(schools) == 3  # the district's police are not a school
    for school, (codes, text) in zip(schools, found, strict=True):
        assert codes == [school_url(school)]
        assert school.name_kk in text and school.name_ru in text


def test_a_district_file_takes_a_fixed_number_of_queries(
    world: World, django_assert_num_queries: Any
) -> None:
    for number in range(5):
        make_organisation(
            "school", f"school-kz75-q{number}", world.a.region, district=world.a.district
        )
    client = signed_in(world.regional_a)
    # session, user, the second factor's device, memberships (scope), district, its schools
    with django_assert_num_queries(6):
        response = client.get(reverse("poster-district", args=[world.a.district.code]))
    assert response.status_code == 200


# --- who may download ----------------------------------------------------------------------

SCHOOL_A1 = {
    "coordinator_a": 200,
    "psychologist_a": 200,
    "regional_a": 200,
    "national": 200,
    "coordinator_a2": 404,  # another school of the same district
    "psc_a": 404,
    "police_a": 404,
    "guardianship_a": 404,
    "operator": 404,
    "monitor": 404,
    "coordinator_b": 404,
    "regional_b": 404,
}

DISTRICT_A = {
    "regional_a": 200,
    "national": 200,
    "coordinator_a": 404,  # a school's staff print their own school's poster
    "psychologist_a": 404,
    "psc_a": 404,
    "police_a": 404,
    "monitor": 404,
    "regional_b": 404,
}


@pytest.mark.parametrize(("persona", "status"), SCHOOL_A1.items())
def test_who_may_download_a_schools_poster(world: World, persona: str, status: int) -> None:
    response = signed_in(getattr(world, persona)).get(
        reverse("poster-school", args=[world.a.school.code])
    )
    assert response.status_code == status


@pytest.mark.parametrize(("persona", "status"), DISTRICT_A.items())
def test_who_may_download_a_districts_posters(world: World, persona: str, status: int) -> None:
    response = signed_in(getattr(world, persona)).get(
        reverse("poster-district", args=[world.a.district.code])
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    "url",
    [
        "/posters/",
        "/posters/school/school-kz75-1.pdf",
        "/posters/district/KZ-75-D1.pdf",
    ],
)
def test_signed_out_visitors_are_sent_to_sign_in(world: World, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("poster-school", "no-such-school"),
        ("poster-school", "psc-kz75"),  # an organisation, but not a school
        ("poster-district", "KZ-75-D9"),
    ],
)
def test_unknown_codes_are_404(world: World, name: str, code: str) -> None:
    response = signed_in(world.national).get(reverse(name, args=[code]))
    assert response.status_code == 404


def test_a_district_without_schools_is_404(world: World) -> None:
    District.objects.create(
        region=world.a.region, code="KZ-75-EMPTY", name_kk="E", name_ru="E", name_en="E"
    )
    response = signed_in(world.regional_a).get(reverse("poster-district", args=["KZ-75-EMPTY"]))
    assert response.status_code == 404


# --- the page ------------------------------------------------------------------------------


def test_school_staff_see_their_schools_poster(world: World) -> None:
    response = signed_in(world.psychologist_a).get(reverse("poster-index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("poster-school", args=[world.a.school.code]) in body
    assert reverse("poster-district", args=[world.a.district.code]) not in body


def test_a_regional_coordinator_sees_the_regions_districts(world: World) -> None:
    response = signed_in(world.regional_a).get(reverse("poster-index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("poster-district", args=[world.a.district.code]) in body
    assert reverse("poster-district", args=[world.b.district.code]) not in body


def test_a_coordinator_picks_a_school_of_the_region_by_code(world: World) -> None:
    client = signed_in(world.regional_a)
    response = client.get(reverse("poster-index"), {"school": world.a.school2.code})
    assert response.status_code == 302
    assert response["Location"] == reverse("poster-school", args=[world.a.school2.code])

    response = client.get(reverse("poster-index"), {"school": world.b.school.code})
    assert response.status_code == 200
    assert "No school with this code is in your area." in response.content.decode()


@pytest.mark.parametrize("persona", ["monitor", "police_a", "psc_a", "operator"])
def test_the_page_is_404_to_those_without_posters(world: World, persona: str) -> None:
    response = signed_in(getattr(world, persona)).get(reverse("poster-index"))
    assert response.status_code == 404
