"""Screening campaigns: class lists under pseudonymous codes, consent per pupil, one-time
codes to hand out, live progress, follow-up lists, and who sees what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from qamqor.errors import InvalidInput, NotAllowed
from qamqor.instruments import selectors, services
from qamqor.instruments.models import Administration, Campaign, CampaignPupil
from tests.factories import World
from tests.instruments.conftest import (
    PHQ_A_CALM,
    PHQ_A_ITEM_9,
    PHQ_A_MODERATE,
    Pupils,
    school_campaign,
)
from tests.support import audit_locks

pytestmark = pytest.mark.django_db


def codes_of(campaign: Campaign) -> dict[str, str]:
    """Child code → one-time code, as the slips print them."""
    return {
        pupil.child.code: services.access_code_for(pupil.administration)
        for pupil in CampaignPupil.objects.filter(campaign=campaign).select_related(
            "child", "administration"
        )
        if pupil.administration
    }


def test_a_class_of_thirty_with_consent_codes_progress_and_follow_up(
    screening_world: World, pupils: Pupils
) -> None:
    world = screening_world
    campaign = school_campaign(world, follow_up_threshold=8)
    added = services.add_class(
        actor=world.psychologist_a,
        campaign=campaign,
        school=world.a.school,
        class_label="7A",
        new_pupils=30,
    )
    assert added == 31  # thirty new pupils and pupil A1, already in 7A
    codes = codes_of(campaign)
    assert len(codes) == 31 and len(set(codes.values())) == 31
    # No code works before the legal representative's consent is recorded.
    with pytest.raises(services.CodeNotValid):
        services.find_by_code(codes[pupils.a1.code])
    everyone = list(CampaignPupil.objects.filter(campaign=campaign).values_list("pk", flat=True))
    services.record_consent(
        actor=world.psychologist_a, campaign=campaign, pupil_ids=everyone, consent="given"
    )
    refused = CampaignPupil.objects.filter(campaign=campaign).exclude(child=pupils.a1).first()
    assert refused is not None
    services.record_consent(
        actor=world.psychologist_a, campaign=campaign, pupil_ids=[refused.pk], consent="refused"
    )
    with pytest.raises(services.CodeNotValid):
        services.find_by_code(codes[refused.child.code])

    services.submit_by_code(code=codes[pupils.a1.code], answers=PHQ_A_ITEM_9)  # 5 + alert
    others = [c for child, c in codes.items() if child not in (pupils.a1.code, refused.child.code)]
    services.submit_by_code(code=others[0], answers=PHQ_A_CALM)  # 0
    services.submit_by_code(code=others[1], answers=PHQ_A_MODERATE)  # 10: band
    services.submit_by_code(
        code=others[2], answers={**PHQ_A_CALM, "q1": "3", "q2": "3", "q3": "2", "difficulty": "0"}
    )  # 8: the campaign's threshold

    progress = selectors.campaign_progress(campaign)
    assert (progress.enrolled, progress.consent_given, progress.consent_refused) == (31, 30, 1)
    assert (progress.codes, progress.completed, progress.follow_up) == (31, 4, 3)
    listed = list(selectors.follow_up_list(world.psychologist_a, campaign))
    assert [a.score for a in listed] == [5, 8, 10] or {a.score for a in listed} == {5, 8, 10}
    assert listed[0].critical  # alerts first
    # The coordinator and another school's psychologist see no pupil.
    assert not selectors.follow_up_list(world.regional_a, campaign).exists()
    assert not selectors.roster(world.psychologist_a2, campaign).exists()


def test_pupils_outside_the_age_range_get_no_code(screening_world: World, pupils: Pupils) -> None:
    campaign = school_campaign(screening_world)
    services.add_class(
        actor=screening_world.psychologist_a,
        campaign=campaign,
        school=screening_world.a.school,
        class_label="2A",
        pupil_lines=["2019-03-01 girl", "2012-05-14 boy", "-"],
    )
    pupils_2a = CampaignPupil.objects.filter(campaign=campaign, class_label="2A")
    assert pupils_2a.count() == 3
    assert pupils_2a.filter(administration__isnull=True).count() == 1  # the seven-year-old


def test_pupil_lines_take_the_sex_in_kazakh_and_russian_too(screening_world: World) -> None:
    """The form's example is "2012-05-14 қыз" on a Kazakh page, "… девочка" on a Russian one."""
    campaign = school_campaign(screening_world)
    services.add_class(
        actor=screening_world.psychologist_a,
        campaign=campaign,
        school=screening_world.a.school,
        class_label="6B",
        pupil_lines=["2013-02-01 қыз", "2013-03-01 ұл", "2013-04-01 Девочка", "2013-05-01 мальчик"],
    )
    sexes = CampaignPupil.objects.filter(campaign=campaign, class_label="6B").order_by("pk")
    assert [pupil.child.sex for pupil in sexes] == ["girl", "boy", "girl", "boy"]


def test_a_bad_pupil_line_names_the_line(screening_world: World) -> None:
    campaign = school_campaign(screening_world)
    with translation.override("en"), pytest.raises(InvalidInput) as error:
        services.add_class(
            actor=screening_world.psychologist_a,
            campaign=campaign,
            school=screening_world.a.school,
            class_label="5B",
            pupil_lines=["2014-01-01 girl", "14.01.2014"],
        )
    assert error.value.errors[0].field == "pupils"
    assert "Line 2" in str(error.value.errors[0].message)
    assert not CampaignPupil.objects.exists()


def test_who_may_run_which_campaign(screening_world: World) -> None:
    world = screening_world
    today = services.today()
    region_area = services.CampaignArea(level="region", region=world.a.region)
    with pytest.raises(NotAllowed):
        services.create_campaign(
            actor=world.psychologist_a,
            title="x",
            instrument_code="who5",
            area=region_area,
            opens_on=today,
            closes_on=today,
        )
    with pytest.raises(NotAllowed):
        services.create_campaign(
            actor=world.regional_b,
            title="x",
            instrument_code="who5",
            area=region_area,
            opens_on=today,
            closes_on=today,
        )
    with pytest.raises(InvalidInput) as interview_only:
        services.create_campaign(
            actor=world.regional_a,
            title="x",
            instrument_code="asq",
            area=region_area,
            opens_on=today,
            closes_on=today,
        )
    assert interview_only.value.errors[0].field == "instrument"
    with pytest.raises(InvalidInput) as dates:
        services.create_campaign(
            actor=world.regional_a,
            title="x",
            instrument_code="who5",
            area=region_area,
            opens_on=today,
            closes_on=today - timedelta(days=1),
        )
    assert dates.value.errors[0].field == "closes_on"


def test_a_region_campaign_enrols_the_regions_pupils_in_the_background(
    screening_world: World, pupils: Pupils, django_capture_on_commit_callbacks: Any
) -> None:
    world = screening_world
    today = services.today()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        campaign = services.create_campaign(
            actor=world.regional_a,
            title="Region A, grades 7–9",
            instrument_code="who5",
            area=services.CampaignArea(level="region", region=world.a.region),
            opens_on=today,
            closes_on=today + timedelta(days=30),
            consent_required=False,
        )
    assert campaign.status == Campaign.Status.ENROLLING and len(callbacks) == 1
    from qamqor.instruments.tasks import enrol_campaign

    assert enrol_campaign.func(campaign.pk) == 3  # A1 (two pupils) and A2; not region B
    assert services.enrol_area(campaign.pk) == 0  # again: nobody twice
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.OPEN
    assert {p.child for p in selectors.roster(world.psychologist_a, campaign)} == {
        pupils.a1,
        pupils.a1_older,
    }
    assert [p.child for p in selectors.roster(world.psychologist_a2, campaign)] == [pupils.a2]
    # Without required consent a code works at once; the region sees counts only.
    code = services.access_code_for(Administration.objects.get(campaign=campaign, child=pupils.a2))
    services.submit_by_code(code=code, answers={f"q{i}": "1" for i in range(1, 6)})
    assert selectors.campaign_progress(campaign).completed == 1
    assert campaign in selectors.campaigns(world.regional_a)
    assert campaign in selectors.campaigns(world.psychologist_a2)
    assert campaign not in selectors.campaigns(world.regional_b)
    assert campaign not in selectors.campaigns(world.psychologist_b)


def test_closing_a_campaign_stops_its_codes(screening_world: World, pupils: Pupils) -> None:
    campaign = school_campaign(screening_world, consent_required=False)
    services.add_class(
        actor=screening_world.psychologist_a,
        campaign=campaign,
        school=screening_world.a.school,
        class_label="7A",
    )
    code = codes_of(campaign)[pupils.a1.code]
    services.close_campaign(actor=screening_world.psychologist_a, campaign=campaign)
    with pytest.raises(services.CodeNotValid):
        services.find_by_code(code)


# --- the campaign pages and API -----------------------------------------------------------


def _client(world: World, name: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(getattr(world, name))
    return client


def test_the_campaign_pages_and_their_query_counts(
    screening_world: World, pupils: Pupils, django_assert_max_num_queries: Any
) -> None:
    world = screening_world
    client = _client(world, "psychologist_a")
    today = services.today()
    created = client.post(
        "/screenings/campaigns/",
        {
            "title": "Autumn",
            "instrument": "phq_a",
            "level": "school",
            "school": world.a.school.code,
            "opens_on": today.isoformat(),
            "closes_on": (today + timedelta(days=10)).isoformat(),
            "language": "ru",
            "consent_required": "on",
        },
    )
    assert created.status_code == 302, created.content
    campaign = Campaign.objects.get()
    detail = f"/screenings/campaigns/{campaign.public_id}/"
    assert (
        client.post(detail + "classes/", {"class_label": "7A", "new_pupils": "30"}).status_code
        == 302
    )
    ids = list(CampaignPupil.objects.values_list("pk", flat=True))
    client.post(detail + "consent/", {"consent": "given", "pupils": ids})
    assert CampaignPupil.objects.filter(consent="given").count() == 31
    with django_assert_max_num_queries(20):
        page = client.get(detail)
    assert page.status_code == 200 and page.content.count(b"data-child=") == 31
    with django_assert_max_num_queries(16):
        slips = client.get(detail + "slips/")
    assert slips.content.count(b'class="slip-code"') == 31
    with django_assert_max_num_queries(12):
        assert client.get(detail + "progress/").status_code == 200
    code = codes_of(campaign)[pupils.a1.code]
    services.submit_by_code(code=code, answers=PHQ_A_ITEM_9)
    with django_assert_max_num_queries(16 + audit_locks(2)):
        follow = client.get(detail + "follow-up/")
    assert pupils.a1.code.encode() in follow.content

    # The coordinator watches progress but sees no pupil, code or result.
    regional = _client(world, "regional_a")
    watched = regional.get(detail)
    assert watched.status_code == 200
    assert b"data-child=" not in watched.content and pupils.a1.code.encode() not in watched.content
    regional.cookies["django_language"] = "ru"
    heading = '<h2 id="progress-title">Ход кампании</h2>'  # the campaign's, not a plan's
    assert heading in regional.get(detail).content.decode()
    assert regional.get(detail + "slips/").status_code == 404
    assert regional.get(detail + "follow-up/").status_code == 404
    api = regional.get(f"/api/v1/screenings/campaigns/{campaign.public_id}").json()
    assert api["progress"]["completed"] == 1
    assert (
        regional.get(f"/api/v1/screenings/campaigns/{campaign.public_id}/follow-up").status_code
        == 404
    )

    for outsider in ("psychologist_b", "regional_b", "monitor", "coordinator_a2", "psc_b"):
        other = _client(world, outsider)
        for url in (detail, detail + "slips/", detail + "follow-up/", detail + "progress/"):
            assert other.get(url).status_code == 404, (outsider, url)
        assert other.get(f"/api/v1/screenings/campaigns/{campaign.public_id}").status_code == 404


def test_the_campaign_form_names_the_field(screening_world: World) -> None:
    client = _client(screening_world, "psychologist_a")
    response = client.post(
        "/api/v1/screenings/campaigns",
        {
            "title": "x",
            "instrument": "phq_a",
            "level": "school",
            "school": "no-such-school",
            "opens_on": "2026-12-01",
            "closes_on": "2026-12-20",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "school"
    missing = client.post(
        "/api/v1/screenings/campaigns",
        {
            "title": "x",
            "instrument": "phq_a",
            "level": "district",
            "opens_on": "x",
            "closes_on": "",
        },
        content_type="application/json",
    )
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} >= {"district", "opens_on", "closes_on"}
