"""The chatbot offers "I might hurt myself" as its own answer; choosing it sends at once,
raises the life-safety alert and tells the child what happens now (docs/intake.md)."""

from __future__ import annotations

import pytest

from qamqor.intake.models import LifeSafetyAlert, Report
from tests.chatbot.test_telegram import bot_api, converse, replies  # noqa: F401  (fixture)
from tests.factories import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("bot_api")]


def start(world: World) -> list[str]:
    return [
        "/start",
        "Русский",
        "Подруга пишет мне ночью, что не видит смысла и что-то с собой сделает.",
        world.a.school.code,
        "Да, анонимно",
    ]


def test_self_harm_is_its_own_button_and_raises_the_alert_at_once(
    world: World,
) -> None:
    converse(start(world))
    question = replies()[-1]
    buttons = [row[0]["text"] for row in question.extra["reply_markup"]["keyboard"]]
    assert buttons == ["Да, мне опасно сейчас", "Я могу навредить себе", "Нет"]

    converse(["Я могу навредить себе"], start=10)
    report = Report.objects.get()
    assert report.self_harm_risk and not report.in_danger_now and report.forms == []
    assert LifeSafetyAlert.objects.get(report=report).reason == "suicide_risk"
    said = [n.body for n in replies()]
    assert any("Ты не один (не одна)" in body for body in said)
    assert "Что происходит сейчас" in said[-1]  # what happens now, not "soon"
    assert "а не в течение дня" in said[-1]


def test_an_ordinary_report_gets_the_ordinary_answer(world: World) -> None:
    converse([*start(world), "Нет", "Отправить"])
    report = Report.objects.get()
    assert not report.self_harm_risk
    assert not LifeSafetyAlert.objects.filter(report=report).exists()
    assert "Что происходит сейчас" not in replies()[-1].body
    assert "Твой код:" in replies()[-1].body
