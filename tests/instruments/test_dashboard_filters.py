"""The screening dashboard's filter bar names what the page shows: its instrument select
holds the instrument whose figures are below, whether the query chose one or not (it
showed the first in the list, ASQ, over PHQ-A's figures)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from qamqor.instruments import services
from tests.factories import World, make_pupil
from tests.instruments.conftest import PHQ_A_CALM

GAD7_CALM = {f"q{i}": "0" for i in range(1, 8)}

pytestmark = pytest.mark.django_db

SELECTED = re.compile(r'<option value="([^"]+)"[^>]*\bselected\b')


def _instrument_select(html: str) -> list[str]:
    start = html.index('<select name="instrument"')
    return SELECTED.findall(html[start : html.index("</select>", start)])


QUERIES = [
    ("", "phq_a:1"),  # the default: the campaigns' usual instrument
    ("?group_by=sex&age=", "phq_a:1"),  # filters chosen, no instrument
    ("?instrument=nothing:7", "phq_a:1"),  # an unknown one falls back the same way
    ("?instrument=gad7:1", "gad7:1"),
    ("?instrument=gad7:1&age=old", "gad7:1"),  # a field in error leaves the rest applied
]


def test_the_instrument_select_names_the_instrument_shown(screening_world: World) -> None:
    world = screening_world
    child = make_pupil(world.a.school, age=14)
    for instrument_code, answers in (("phq_a", PHQ_A_CALM), ("gad7", GAD7_CALM)):
        _a, code = services.invite(
            actor=world.psychologist_a, child=child, instrument_code=instrument_code, language="ru"
        )
        services.submit_by_code(code=code, answers=answers)
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.monitor)
    for query, shown in QUERIES:
        page = client.get(f"/screenings/dashboard/{query}")
        assert page.status_code == 200, query
        instrument = page.context["instrument"]
        assert f"{instrument.code}:{instrument.version}" == shown, query
        assert _instrument_select(page.content.decode()) == [shown], query
