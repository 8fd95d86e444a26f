"""A response holds nothing that links it to a device or a person, and a device answers a
campaign once (brief 3.3.4; docs/surveys.md, "Why a response cannot be linked")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, models

from qamqor.audit.models import AuditEvent
from qamqor.errors import Conflict, InvalidInput
from qamqor.surveys import services
from qamqor.surveys.models import Answer, Campaign, DeviceMark, Response

pytestmark = pytest.mark.django_db

DEVICE = "a-random-cookie-value-0123456789"


def _columns(model: type[models.Model]) -> set[str]:
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, model._meta.db_table)
    return {column.name for column in described}


def test_a_response_row_holds_only_campaign_group_and_week(campaign: Campaign) -> None:
    monday_plus_2 = campaign.opens_on + timedelta(days=(2 - campaign.opens_on.weekday()) % 7)
    campaign.closes_on = monday_plus_2 + timedelta(days=1)
    campaign.save()
    audited = AuditEvent.objects.count()
    services.submit_response(
        campaign=campaign,
        group="adolescent",
        device=DEVICE,
        answers={"trust_psc": "fully", "first_contact": "friend"},
        today=monday_plus_2,
    )
    assert _columns(Response) == {"id", "campaign_id", "group", "week"}
    assert _columns(Answer) == {"id", "response_id", "question", "option"}
    assert _columns(DeviceMark) == {"id", "campaign_id", "key"}
    row = Response.objects.values().get()
    assert set(row) == {"id", "campaign_id", "group", "week"}
    assert row["group"] == "adolescent"
    assert row["week"].weekday() == 0  # the Monday, not the day
    assert row["week"] == monday_plus_2 - timedelta(days=monday_plus_2.weekday())
    assert row["id"].version == 4  # random, not a sequence
    answers = sorted(Answer.objects.values_list("question", "option"))
    assert answers == [("first_contact", "friend"), ("trust_psc", "fully")]
    # the device is kept apart, as a keyed hash only, with nothing pointing to the response
    mark = DeviceMark.objects.get()
    assert mark.key == services.device_key(campaign, DEVICE)
    assert DEVICE not in mark.key and len(mark.key) == 64
    assert str(row["id"]) != str(mark.id)
    # nothing about the answer reaches the audit log (it keeps the requester's address)
    assert AuditEvent.objects.count() == audited
    assert AuditEvent.objects.filter(action="surveys.open").count() == 1


def test_a_second_response_from_the_same_device_is_refused(campaign: Campaign) -> None:
    services.submit_response(
        campaign=campaign, group="adolescent", device=DEVICE, answers={"trust_psc": "rather"}
    )
    with pytest.raises(Conflict):
        services.submit_response(
            campaign=campaign, group="parent", device=DEVICE, answers={"trust_psc": "fully"}
        )
    assert Response.objects.count() == 1
    assert DeviceMark.objects.count() == 1
    # another device answers
    services.submit_response(
        campaign=campaign, group="parent", device=DEVICE + "-other", answers={"trust_psc": "fully"}
    )
    assert Response.objects.count() == 2


def test_the_same_device_gives_unrelated_keys_in_two_campaigns(campaign: Campaign) -> None:
    other = Campaign.objects.get(pk=campaign.pk)
    other.pk, other.token = None, "another-token"
    assert services.device_key(campaign, DEVICE) != services.device_key(other, DEVICE)


def test_answers_are_checked_against_the_questionnaire(campaign: Campaign) -> None:
    for answers in ({}, {"trust_psc": "maybe"}, {"no_such_question": "yes"}):
        with pytest.raises(InvalidInput):
            services.submit_response(
                campaign=campaign, group="adolescent", device=DEVICE, answers=answers
            )
    with pytest.raises(InvalidInput):  # no device value: no cookie kept
        services.submit_response(
            campaign=campaign, group="adolescent", device="", answers={"trust_psc": "rather"}
        )
    assert not Response.objects.exists() and not DeviceMark.objects.exists()


def test_a_closed_campaign_takes_no_answer(campaign: Campaign) -> None:
    with pytest.raises(Conflict):
        services.submit_response(
            campaign=campaign,
            group="adolescent",
            device=DEVICE,
            answers={"trust_psc": "rather"},
            today=campaign.closes_on + timedelta(days=1),
        )
