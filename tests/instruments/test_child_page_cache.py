"""The child's questionnaire for a class at once: a bounded number of queries after the
first child, the same bytes as uncached, and each language its own questions."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from qamqor.instruments import services
from qamqor.instruments.models import CampaignPupil
from tests.factories import World
from tests.instruments.conftest import Pupils, school_campaign

pytestmark = pytest.mark.django_db
PER_VISITOR = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def test_the_questionnaire_is_cached_by_definition_and_language(
    screening_world: World, pupils: Pupils, django_assert_num_queries
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
    with django_assert_num_queries(2) as queries:  # the session, the administration
        warm = tablet.get("/s/answer/").content.decode()
    # Showing the questions reads nothing of the child (its encrypted fields stay unread),
    # nor the answers and scores: only what checking the code and the questions need.
    administration = queries.captured_queries[-1]["sql"]
    assert "cases_child" not in administration
    for column in ("answers", "subscales", "score", "band", "source_id", "definition"):
        assert f'."{column}"' not in administration, column
    assert PER_VISITOR.sub(r"\1…", warm) == PER_VISITOR.sub(r"\1…", cold)
    assert "Көңіл-күйің түсіп" in warm
    russian = tablet.get("/s/answer/?lang=ru").content.decode()
    assert "Көңіл-күйің түсіп" not in russian
    cache.clear()


def test_a_campaign_code_is_checked_with_the_same_two_queries(
    screening_world: World, pupils: Pupils, django_assert_num_queries
) -> None:
    """A class's code: the campaign's dates and status and the pupil's consent are checked
    from the one query, none of them read again field by field."""
    world = screening_world
    campaign = school_campaign(world, consent_required=False)
    services.add_class(
        actor=world.psychologist_a,
        campaign=campaign,
        school=world.a.school,
        class_label="7A",
        new_pupils=0,
    )
    pupil = CampaignPupil.objects.select_related("administration").get(
        campaign=campaign, child=pupils.a1
    )
    assert pupil.administration is not None
    tablet = Client()
    tablet.post("/s/", {"code": services.access_code_for(pupil.administration)})
    tablet.get("/s/answer/")
    with django_assert_num_queries(2):
        page = tablet.get("/s/answer/")
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in page.content.decode()
    services.record_consent(
        actor=world.psychologist_a, campaign=campaign, pupil_ids=[pupil.pk], consent="refused"
    )
    refused = tablet.get("/s/answer/")  # the consent is read from the same query
    assert refused.status_code == 404
    assert 'name="code"' in refused.content.decode()  # the code's page, saying why
    assert tablet.get("/s/answer/").status_code == 302  # and the code is forgotten
