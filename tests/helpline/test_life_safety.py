"""The 111 card: "the child may hurt themselves" is a choice of its own, and the "in danger
now" button followed by saving the card tells the duty unit once, not twice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qamqor.helpline.models import CallCard
from qamqor.intake import alerts
from qamqor.intake.models import LifeSafetyAlert
from qamqor.notify.models import Notification
from tests.factories import World
from tests.helpline.test_console import card_post, client_for

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def duty_notices(world: World) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=world.duty_a, channel="in_app").order_by("pk")
    )


def test_danger_button_then_saving_tells_the_duty_unit_once(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.operator)
    page = client.get(reverse("helpline-console"))
    token = CSRF_INPUT.search(page.content.decode())[1]  # type: ignore[index]
    created = client.post(reverse("helpline-card-new"), {"csrfmiddlewaretoken": token})
    url = created["Location"]
    card = CallCard.objects.get()
    assert (
        client.post(url, {**card_post(world, "danger"), "csrfmiddlewaretoken": token}).status_code
        == 302
    )
    assert [n.template for n in duty_notices(world)] == ["danger_now"]

    saved = client.post(url, {**card_post(world, "submit"), "csrfmiddlewaretoken": token})
    assert saved.status_code == 200
    card.refresh_from_db()
    alert = LifeSafetyAlert.objects.get(report=card.report)
    # once: the button's notice, not a second one when the card is saved
    assert [n.template for n in duty_notices(world)] == ["danger_now"]
    # the PSC hears of it at saving, and the unit stays a responder of the alert
    assert (
        Notification.objects.filter(
            template="life_safety_alert", recipient=world.psc_a, channel="in_app"
        ).count()
        == 1
    )
    assert world.a.police_duty in alert.responders.all()
    assert alerts.may_acknowledge(world.duty_a, alert)
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        alerts.repeat_unacknowledged()
    assert [n.template for n in duty_notices(world)] == ["danger_now", "life_safety_alert"]


def test_saving_without_the_button_alerts_the_unit_in_the_first_round(world: World) -> None:
    client = client_for(world.operator)
    url = client.post(reverse("helpline-card-new"))["Location"]
    client.post(url, card_post(world, "submit", risk_level="immediate"))
    assert [n.template for n in duty_notices(world)] == ["life_safety_alert"]


def test_self_harm_is_its_own_choice_and_raises_the_alert(world: World) -> None:
    client = client_for(world.operator)
    url = client.post(reverse("helpline-card-new"))["Location"]
    assert 'name="self_harm_risk"' in client.get(url).content.decode()
    client.post(
        url,
        card_post(
            world, "submit", category="mental_health.other", risk_level="high", self_harm_risk="on"
        ),
    )
    report = CallCard.objects.get().report
    assert report is not None and report.self_harm_risk and report.forms == []
    assert LifeSafetyAlert.objects.get(report=report).reason == "suicide_risk"


def test_suicidal_thoughts_category_means_self_harm_risk(world: World) -> None:
    client = client_for(world.operator)
    url = client.post(reverse("helpline-card-new"))["Location"]
    client.post(
        url,
        card_post(
            world, "submit", category="mental_health.suicidal_thoughts_attempts", risk_level="high"
        ),
    )
    report = CallCard.objects.get().report
    assert report is not None and report.self_harm_risk
    assert LifeSafetyAlert.objects.filter(report=report, reason="suicide_risk").exists()


def test_an_ordinary_card_raises_no_alert(world: World) -> None:
    client = client_for(world.operator)
    url = client.post(reverse("helpline-card-new"))["Location"]
    client.post(url, card_post(world, "submit"))
    report = CallCard.objects.get().report
    assert report is not None and not report.self_harm_risk
    assert not LifeSafetyAlert.objects.filter(report=report).exists()
