"""The child's questionnaire for a class at once: a bounded number of queries after the
first child, the same bytes as uncached, and each language its own questions."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from qamqor.instruments import services
from tests.factories import World
from tests.instruments.conftest import Pupils

pytestmark = pytest.mark.django_db
PER_VISITOR = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def test_the_questionnaire_is_cached_by_definition_and_language(
    screening_world: World, pupils: Pupils, django_assert_max_num_queries
) -> None:
    cache.clear()
    _administration, code = services.invite(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="phq_a",
        language="kk",
    )
    tablet = Client()
    tablet.post("/s/", {"code": code})
    cold = tablet.get("/s/answer/").content.decode()
    with django_assert_max_num_queries(3) as queries:  # the session, the administration
        warm = tablet.get("/s/answer/").content.decode()
    # Showing the questions reads nothing of the child (its encrypted fields stay unread).
    assert not any("cases_child" in query["sql"] for query in queries.captured_queries)
    assert PER_VISITOR.sub(r"\1…", warm) == PER_VISITOR.sub(r"\1…", cold)
    assert "Көңіл-күйің түсіп" in warm
    russian = tablet.get("/s/answer/?lang=ru").content.decode()
    assert "Көңіл-күйің түсіп" not in russian
    cache.clear()
