"""A read of screening data writes its audit events in the selector it goes through, so the
page and the API, which call the same selector, write the same events for the same read:
same actor, action, object and details."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from qamqor.audit.models import AuditEvent
from qamqor.instruments import services
from qamqor.instruments.models import Administration, Campaign, CampaignPupil
from tests.factories import World
from tests.instruments.conftest import PHQ_A_CALM, PHQ_A_ITEM_9, Pupils, school_campaign

pytestmark = pytest.mark.django_db

Event = tuple[int | None, str, str, str, dict[str, Any]]


@dataclass
class Screened:
    """A school campaign of pupil A1's class with A1's answers in (an alert, so a pupil to
    follow up), and a dozen calm answers so the aggregates have something to count."""

    completed: Administration
    campaign: Campaign


@pytest.fixture
def screened(screening_world: World, pupils: Pupils) -> Screened:
    world = screening_world
    campaign = school_campaign(world, consent_required=False)
    services.add_class(
        actor=world.psychologist_a,
        campaign=campaign,
        school=world.a.school,
        class_label=pupils.a1.class_label,
        new_pupils=12,
    )
    completed = None
    for pupil in CampaignPupil.objects.filter(campaign=campaign).select_related(
        "child", "administration"
    ):
        assert pupil.administration is not None
        code = services.access_code_for(pupil.administration)
        answered = services.submit_by_code(
            code=code, answers=PHQ_A_ITEM_9 if pupil.child == pupils.a1 else PHQ_A_CALM
        )
        if pupil.child == pupils.a1:
            completed = answered
    assert completed is not None
    return Screened(completed=completed, campaign=campaign)


def events_of(read: Callable[[], int]) -> list[Event]:
    """The audit events one read writes, without their time, hash and request."""
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert read() == 200
    return [
        (e.actor_id, e.action, e.object_type, e.object_id, e.changes)
        for e in AuditEvent.objects.filter(pk__gt=before).order_by("pk")
    ]


READS: dict[str, tuple[str, str, str]] = {
    # name: (who, page, API) — {child}, {id} and {campaign} are filled in
    "a child's screenings": (
        "psychologist_a",
        "/screenings/children/{child}/",
        "/api/v1/screenings/children/{child}/administrations",
    ),
    "a result": (
        "psychologist_a",
        "/screenings/{id}/",
        "/api/v1/screenings/administrations/{id}",
    ),
    "a FHIR export": (
        "psychologist_a",
        "/screenings/{id}/fhir/",
        "/api/v1/screenings/administrations/{id}/fhir",
    ),
    "the open alerts": (
        "psychologist_a",
        "/screenings/alerts/",
        "/api/v1/screenings/alerts",
    ),
    "a follow-up list": (
        "psychologist_a",
        "/screenings/campaigns/{campaign}/follow-up/",
        "/api/v1/screenings/campaigns/{campaign}/follow-up",
    ),
    "the aggregates": (
        "regional_a",
        "/screenings/dashboard/?instrument=phq_a:1&group_by=sex&age=13",
        "/api/v1/screenings/aggregates?instrument=phq_a&version=1&group_by=sex&age=13",
    ),
}

EXPECTED_ACTIONS = {
    "a child's screenings": ["screening.list"],
    "a result": ["screening.read"],
    "a FHIR export": ["screening.export"],
    "the open alerts": ["alert.list"],
    "a follow-up list": ["campaign.follow_up", "administration.list"],
    "the aggregates": ["screening.aggregates"],
}


@pytest.mark.parametrize("read", sorted(READS))
def test_the_page_and_the_api_write_the_same_audit_events_for_the_same_read(
    screening_world: World,
    pupils: Pupils,
    screened: Screened,
    settings: Any,
    read: str,
) -> None:
    settings.OTP_REQUIRED = False  # the export's fresh second factor is tested elsewhere
    who, page, api = READS[read]
    values = {
        "child": pupils.a1.code,
        "id": str(screened.completed.public_id),
        "campaign": str(screened.campaign.public_id),
    }
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(getattr(screening_world, who))
    client.get("/")  # the session's own first-request events are not part of the read

    from_page = events_of(lambda: client.get(page.format(**values)).status_code)
    from_api = events_of(lambda: client.get(api.format(**values)).status_code)

    assert [event[1] for event in from_page] == EXPECTED_ACTIONS[read]
    assert from_page == from_api
    actor = getattr(screening_world, who).pk
    assert {event[0] for event in from_page} == {actor}


def test_the_follow_up_read_names_the_campaign_and_every_pupil_listed(
    screening_world: World, pupils: Pupils, screened: Screened
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(screening_world.psychologist_a)
    url = f"/api/v1/screenings/campaigns/{screened.campaign.public_id}/follow-up"
    [campaign_read, listed] = events_of(lambda: client.get(url).status_code)
    assert campaign_read[3] == str(screened.campaign.public_id)
    assert campaign_read[4] == {"listed": 1}
    assert listed[4]["ids"] == [str(screened.completed.public_id)]


def test_the_aggregates_read_records_the_breakdown_and_filters(
    screening_world: World, screened: Screened
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(screening_world.regional_a)
    region = screening_world.a.region.code
    url = f"/api/v1/screenings/aggregates?instrument=phq_a&group_by=age&region={region}&sex=girl"
    [event] = events_of(lambda: client.get(url).status_code)
    assert event[1:4] == ("screening.aggregates", "instrument", str(screened.completed.instrument))
    assert event[4] == {"group_by": "age", "region": region, "sex": "girl"}
