"""The landing page for a crowd: nothing from the database after the first visitor, the
same bytes as uncached per language, and a typed wrong code still shows its error."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db
PER_VISITOR = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


@pytest.fixture(autouse=True)
def _english_and_a_cold_cache() -> Iterator[None]:
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


def landing(language: str = "en") -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/")
    assert response.status_code == 200
    return PER_VISITOR.sub(r"\1…", response.content.decode())


def test_a_warm_landing_page_reads_nothing_and_matches_the_cold_one(
    django_assert_max_num_queries,
) -> None:
    for language in ("en", "ru"):
        cache.clear()
        cold = landing(language)
        with django_assert_max_num_queries(0):
            warm = landing(language)
        assert warm == cold
    assert landing("en") != landing("ru")


def test_a_wrong_school_code_still_shows_its_error() -> None:
    landing()
    answer = Client(HTTP_ACCEPT_LANGUAGE="en").get("/report/", {"school": "no-such"})
    assert "No school has this code" in answer.content.decode()
