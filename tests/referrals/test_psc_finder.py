"""The public list of PSCs narrowed by region and by a word of a centre's name, town or
address (brief 2.3.8): a family on a phone finds its centre without scrolling the country.
Matching is case-folded in Python, so Kazakh and Russian letters match in any case on
SQLite and PostgreSQL alike; a bad region is a 400 naming the field."""

from __future__ import annotations

import pytest
from django.test import Client

from qamqor.directory.models import Organisation, Settlement
from tests.factories import World

pytestmark = pytest.mark.django_db


def _visitor() -> Client:
    return Client(headers={"accept-language": "en"})


def _listed(answer: object) -> set[str]:
    return {psc.code for psc in answer.context["pscs"]}  # type: ignore[attr-defined]


@pytest.fixture
def named(world: World) -> World:
    """Centre A in the Kazakh town "Қосшы" with a Russian name; centre B without a town."""
    town = Settlement.objects.create(
        region=world.a.region, kind="village",
        name_kk="Қосшы (синтетикалық)", name_ru="Косшы (синтетический)",
        name_en="Qosshy (synthetic)",
    )  # fmt: skip
    Organisation.objects.filter(pk=world.a.psc.pk).update(
        settlement=town, name_ru="Центр поддержки «Әділет» (синтетический)"
    )
    return world


def test_every_centre_is_listed_without_a_filter(named: World) -> None:
    answer = _visitor().get("/referrals/ask/")
    assert answer.status_code == 200
    assert _listed(answer) == {named.a.psc.code, named.b.psc.code}
    assert 'role="search"' in answer.content.decode()


def test_a_region_narrows_the_list(named: World) -> None:
    answer = _visitor().get("/referrals/ask/", {"region": named.b.region.code})
    assert answer.status_code == 200
    assert _listed(answer) == {named.b.psc.code}
    assert "1 centre found." in answer.content.decode()


@pytest.mark.parametrize(
    "words", ["ҚОСШЫ", "қосшы", "КОСШЫ", "qosshy", "әділет", "ӘДІЛЕТ центр", "  косшы   "]
)
def test_a_word_of_the_name_or_town_finds_the_centre_in_any_case(named: World, words: str) -> None:
    answer = _visitor().get("/referrals/ask/", {"q": words})
    assert answer.status_code == 200
    assert _listed(answer) == {named.a.psc.code}


def test_no_match_says_what_to_do(named: World) -> None:
    answer = _visitor().get("/referrals/ask/", {"q": "no-such-centre"})
    assert answer.status_code == 200 and _listed(answer) == set()
    assert "No centre matches" in answer.content.decode()


def test_an_unknown_region_is_a_400_naming_the_field(named: World) -> None:
    answer = _visitor().get("/referrals/ask/", {"region": "KZ-00"})
    assert answer.status_code == 400
    assert 'id="id_region_error"' in answer.content.decode()
    too_long = _visitor().get("/referrals/ask/", {"q": "x" * 101})
    assert too_long.status_code == 400


def test_the_queries_do_not_grow_with_the_centres(named: World) -> None:
    from tests.factories import make_organisation

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert _visitor().get("/referrals/ask/", {"q": "centre"}).status_code == 200
        return len(captured)

    few = queries()
    for n in range(5):
        make_organisation("psc_branch", f"psc-extra-{n}", named.a.region, parent=named.a.psc)
    assert queries() == few
