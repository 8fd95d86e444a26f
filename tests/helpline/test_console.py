"""The 111 console: call cards, the one-click police alert, the report, and who sees what."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from qamqor.audit.models import AuditEvent
from qamqor.helpline import services
from qamqor.helpline.models import CallCard
from qamqor.intake.models import Channel
from qamqor.notify.models import Notification
from tests.factories import World

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def card_post(world: World, action: str, **extra: str) -> dict[str, str]:
    data = {
        "caller_type": "parent",
        "child_age": "13",
        "child_sex": "girl",
        "category": "violence.bullying",
        "risk_level": "high",
        "setting": "school",
        "narrative": "Mother says her daughter is beaten by classmates after lessons.",
        "school_code": world.a.school.code,
        "district": "",
        "region": "",
        "action": action,
    }
    data.update(extra)
    return data


def new_card(world: World) -> CallCard:
    return services.open_card(actor=world.operator)


def test_operator_fills_card_and_creates_report(world: World) -> None:
    client = client_for(world.operator)
    response = client.post(reverse("helpline-card-new"))
    card = CallCard.objects.get()
    assert response["Location"] == reverse("helpline-card", args=[card.public_id])
    response = client.post(response["Location"], card_post(world, "submit"))
    assert response.status_code == 200
    card.refresh_from_db()
    report = card.report
    assert report is not None
    assert report.channel == Channel.HELPLINE_111
    assert report.received_by == world.helpline
    assert report.taken_by == world.operator
    assert report.school == world.a.school
    assert report.forms == ["bullying"]
    assert report.narrative.startswith("[111] ")  # the card's summary, in the operator's language
    assert report.narrative.endswith("beaten by classmates after lessons.")
    assert response.context["followup_code"]
    # saved cards cannot change
    again = client.post(reverse("helpline-card", args=[card.public_id]), card_post(world, "save"))
    assert again.status_code == 409


def test_in_danger_now_alerts_district_police_duty_at_once(world: World) -> None:
    client = client_for(world.operator)
    card = new_card(world)
    url = reverse("helpline-card", args=[card.public_id])
    response = client.post(
        url, card_post(world, "danger", school_code="", district=world.a.district.code)
    )
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.danger_alerted_at is not None
    assert card.danger_alerted_to == world.a.police_duty
    assert card.risk_level == "immediate"
    sent = Notification.objects.filter(template="danger_now")
    assert sent.filter(recipient=world.duty_a, channel="in_app").exists()
    assert sent.to_address(world.a.police_duty.email).exists()
    assert not sent.filter(recipient=world.duty_b).exists()
    assert AuditEvent.objects.filter(action="call_card.danger_alert").exists()
    # a second click sends nothing new
    before = sent.count()
    client.post(url, card_post(world, "danger", school_code="", district=world.a.district.code))
    assert Notification.objects.filter(template="danger_now").count() == before
    page = client.get(url)
    assert world.a.police_duty.name in page.content.decode()


def test_danger_without_place_names_the_field(world: World) -> None:
    client = client_for(world.operator)
    card = new_card(world)
    response = client.post(
        reverse("helpline-card", args=[card.public_id]),
        card_post(world, "danger", school_code=""),
    )
    assert response.status_code == 422
    assert response.context["form"].errors["district"]
    assert not Notification.objects.filter(template="danger_now").exists()


def test_bad_input_is_4xx_with_field(world: World) -> None:
    client = client_for(world.operator)
    card = new_card(world)
    url = reverse("helpline-card", args=[card.public_id])
    response = client.post(url, card_post(world, "submit", school_code="no-such-school"))
    assert response.status_code == 422
    assert "school_code" in response.context["form"].errors
    response = client.post(url, card_post(world, "submit", narrative="short", category=""))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "narrative" in errors and "category" in errors
    response = client.post(url, card_post(world, "submit", category="not-a-category"))
    assert response.status_code == 422
    card.refresh_from_db()
    assert card.report is None


@pytest.mark.parametrize(
    "persona", ["coordinator_a", "police_a", "duty_a", "monitor", "regional_b"]
)
def test_outsiders_get_404(world: World, persona: str) -> None:
    card = new_card(world)
    services.update_card(actor=world.operator, card=card, data={"school": world.a.school})
    client = client_for(getattr(world, persona))
    assert client.get(reverse("helpline-card", args=[card.public_id])).status_code == 404
    assert client.get(reverse("helpline-console")).status_code == 404
    assert client.post(reverse("helpline-card-new")).status_code == 404


def test_regional_coordinator_reads_region_cards_but_cannot_change(world: World) -> None:
    card = new_card(world)
    services.update_card(actor=world.operator, card=card, data={"school": world.a.school})
    client = client_for(world.regional_a)
    url = reverse("helpline-card", args=[card.public_id])
    assert client.get(url).status_code == 200
    assert client.post(url, card_post(world, "save")).status_code == 403
    assert AuditEvent.objects.filter(
        action="call_card.read", object_id=str(card.public_id), actor_id=world.regional_a.pk
    ).exists()


def test_console_query_count_does_not_grow(world: World, django_assert_max_num_queries) -> None:
    client = client_for(world.operator)
    for _ in range(3):
        card = new_card(world)
        services.update_card(actor=world.operator, card=card, data={"school": world.a.school})
    client.get(reverse("helpline-console"))
    with django_assert_max_num_queries(14) as first:
        client.get(reverse("helpline-console"))
    for _ in range(10):
        card = new_card(world)
        services.update_card(actor=world.operator, card=card, data={"district": world.a.district})
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(reverse("helpline-console")).status_code == 200


def test_only_institutional_numbers_are_shown(world: World) -> None:
    world.helpline.phone = "+77172000111"
    world.helpline.save()
    contact = world.a.police_duty.contacts.get()
    contact.phone = "+77011234567"
    contact.save()
    world.a.police_duty.phone = "+77272000102"
    world.a.police_duty.save()
    client = client_for(world.operator)
    card = new_card(world)
    url = reverse("helpline-card", args=[card.public_id])
    client.post(url, card_post(world, "danger"))
    page = client.get(url).content.decode()
    assert "+77172000111" in page and "+77272000102" in page
    assert "+77011234567" not in page
