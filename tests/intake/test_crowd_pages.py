"""The poster's report form under a crowd: after the first visitor, no database query,
the same bytes as an uncached page for every school and language, a school's new name at
once, and a CSRF token of each visitor's own (docs/intake.md, "Fast for the crowd")."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from qamqor.intake.models import Report
from tests.place import VALID_REPORT, Place, build_place

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PER_VISITOR = re.compile(
    r'(name="csrfmiddlewaretoken" value="|name="idempotency_token" value="|"X-CSRFToken": ")'
    r'[^"]+'
)


@pytest.fixture(autouse=True)
def _english_and_a_cold_cache() -> Iterator[None]:
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


@pytest.fixture
def place() -> Place:
    return build_place()


def page(place: Place, language: str = "en", *, school: str | None = None) -> str:
    url = reverse("report-form", args=[school or place.school.code])
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(url)
    assert response.status_code == 200
    return response.content.decode()


def without_tokens(html: str) -> str:
    return PER_VISITOR.sub(r"\1…", html)


def test_a_warm_report_form_reads_nothing_from_the_database(
    place: Place, django_assert_max_num_queries
) -> None:
    page(place)  # the first visitor of the assembly
    with django_assert_max_num_queries(0):
        html = page(place)
    assert place.school.name_en in html


def test_cached_pages_are_the_uncached_pages_per_school_and_language(place: Place) -> None:
    for language, school in (
        ("en", place.school),
        ("kk", place.school),
        ("en", place.other_school),
    ):
        cache.clear()
        cold = page(place, language, school=school.code)
        warm = page(place, language, school=school.code)
        assert without_tokens(warm) == without_tokens(cold)
        assert getattr(school, f"name_{language}") in warm
    english, kazakh = page(place, "en"), page(place, "kk")
    assert 'name="narrative"' in english and 'lang="kk"' in kazakh
    assert without_tokens(english) != without_tokens(kazakh)
    assert place.other_school.name_en not in page(place, "en")


def test_a_renamed_school_shows_its_new_name_at_once(place: Place) -> None:
    old = place.school.name_en
    assert old in page(place)
    place.school.name_en = "Lyceum of the Renamed"
    place.school.save()
    renamed = page(place)
    assert "Lyceum of the Renamed" in renamed and old not in renamed
    assert place.school.name_kk in page(place, "kk")  # another language, its own fragment


def test_the_form_submits_over_a_real_csrf_path_with_each_visitors_own_token(
    place: Place,
) -> None:
    url = reverse("report-form", args=[place.school.code])
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_token = CSRF_INPUT.findall(first.get(url).content.decode())[-1]
    second_page = second.get(url).content.decode()  # served from the warm cache
    second_token = CSRF_INPUT.findall(second_page)[-1]
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value

    # another visitor's token is refused; one's own is accepted
    assert second.post(url, {**VALID_REPORT, "csrfmiddlewaretoken": first_token}).status_code == 403
    assert second.post(url, VALID_REPORT).status_code == 403
    sent = second.post(url, {**VALID_REPORT, "csrfmiddlewaretoken": second_token})
    assert sent.status_code == 302
    assert sent["Location"] == reverse("report-thanks", args=[place.school.code])
    assert Report.objects.filter(school=place.school).count() == 1


def test_a_refused_form_shows_the_visitors_own_words_and_errors(place: Place) -> None:
    url = reverse("report-form", args=[place.school.code])
    page(place)  # warm
    refused = Client(HTTP_ACCEPT_LANGUAGE="en").post(url, {"narrative": "short words"[:5]})
    html = refused.content.decode()
    assert refused.status_code == 422
    assert "at least a few words" in html and "short</textarea>" in html
