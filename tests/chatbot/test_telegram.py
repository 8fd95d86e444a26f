"""Telegram updates, as the Bot API sends them, drive a conversation to a report; replies
go through the outbox to a fake Bot API on localhost that can answer 429."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from qamqor.chatbot.models import Conversation
from qamqor.intake.models import Channel, Report, ReporterMessage
from qamqor.intake.services import channel_ref, reporter_notice
from qamqor.notify.models import Notification
from qamqor.notify.services import deliver
from tests.factories import World
from tests.ops.test_no_plaintext_copies import raw_database_text

pytestmark = pytest.mark.django_db

SECRET = "s3cret-webhook-token"
CHAT = 555000111


class FakeBotApi:
    """Records every call; answers 429 with ``retry_after`` while ``flood`` is above 0."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.flood = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                api.calls.append((self.path, body))
                if api.flood > 0:
                    api.flood -= 1
                    answer = {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 17",
                        "parameters": {"retry_after": 17},
                    }
                    status = 429
                else:
                    answer = {"ok": True, "result": {"message_id": len(api.calls)}}
                    status = 200
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def texts(self) -> list[str]:
        return [body["text"] for _path, body in self.calls]


@pytest.fixture
def bot_api(settings: Any) -> Iterator[FakeBotApi]:
    api = FakeBotApi()
    api.thread.start()
    settings.TELEGRAM_API_BASE = api.url
    settings.TELEGRAM_TOKEN = "123:TEST"
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    try:
        yield api
    finally:
        api.server.shutdown()
        api.server.server_close()


def update(update_id: int, text: str, chat: int = CHAT) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1767225600,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "A", "language_code": "ru"},
            "text": text,
        },
    }


def post(body: Any, secret: str = SECRET) -> Any:
    return Client().post(
        "/telegram/webhook/",
        json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": secret},
    )


def converse(messages: list[str], start: int = 1, chat: int = CHAT) -> None:
    for offset, text in enumerate(messages):
        assert post(update(start + offset, text, chat)).status_code == 200


def replies(chat: int = CHAT) -> list[Notification]:
    return list(
        Notification.objects.to_address(str(chat)).filter(channel="telegram").order_by("pk")
    )


def test_conversation_in_kazakh_leads_to_a_report(world: World, bot_api: FakeBotApi) -> None:
    converse(
        [
            "/start",
            "Қазақша",
            "Сыныптастарым мені күнде мазақтап, телефонымды тартып алады.",
            world.a.school.code,
            "Иә, анонимді",
            "Жоқ",
            "Жіберу",
        ]
    )
    report = Report.objects.get()
    assert report.channel == Channel.CHATBOT
    assert report.school == world.a.school
    assert report.received_by == world.helpline
    assert report.language == "kk"
    assert report.anonymous and not report.in_danger_now
    assert report.channel_ref == channel_ref(Channel.CHATBOT, str(CHAT))
    # the chat id leads to the child's account: it is stored encrypted, nowhere in clear
    assert Conversation.objects.of_chat(str(CHAT)).get().report == report
    assert str(CHAT) not in raw_database_text()
    sent = replies()
    assert "Сенің кодың:" in sent[-1].body
    assert sent[-1].language == "kk"
    # the replies reach the Bot API through the outbox
    for notification in sent:
        assert deliver(notification.pk)
    assert bot_api.calls[0][0] == "/bot123:TEST/sendMessage"
    assert bot_api.calls[-1][1]["chat_id"] == str(CHAT)
    assert "Сенің кодың:" in bot_api.texts()[-1]
    assert bot_api.calls[0][1]["reply_markup"]["keyboard"][0][0]["text"] == "Қазақша"


def test_region_named_and_later_messages_join_the_thread(world: World, bot_api: FakeBotApi) -> None:
    converse(
        [
            "/start",
            "Русский",
            "В чате класса про меня пишут гадости каждый день.",
            "Astana",  # a region's name in any of the three languages
            "Нет, назову имя",
            "Айгерим",
            "Нет",
            "Отправить",
            "Сегодня опять написали, я боюсь идти в школу.",
        ]
    )
    report = Report.objects.get()
    assert report.school is None and report.region == world.b.region
    assert not report.anonymous and report.reporter_name == "Айгерим"
    thread = list(ReporterMessage.objects.filter(report=report, sender="reporter"))
    assert [m.body for m in thread] == ["Сегодня опять написали, я боюсь идти в школу."]
    assert replies()[-1].body.startswith("Сообщение передано")


def test_registration_notice_reaches_the_chat(
    world: World, bot_api: FakeBotApi, django_capture_on_commit_callbacks: Any
) -> None:
    converse(
        [
            "/start",
            "English",
            "Someone hits me on the way home.",
            world.a.school.code,
            "Yes, stay anonymous",
            "No",
            "Send",
        ]
    )
    report = Report.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        reporter_notice(report, "Your report is registered as case KZ-75-2026-000001.")
    assert "KZ-75-2026-000001" in replies()[-1].body


def test_in_danger_now_sends_at_once_and_raises_life_safety(
    world: World, bot_api: FakeBotApi
) -> None:
    converse(
        [
            "/start",
            "Русский",
            "Отчим бьёт меня, я закрылась в ванной.",
            world.a.school.code,
            "Да, анонимно",
            "Да, мне опасно сейчас",
        ]
    )
    report = Report.objects.get()
    assert report.in_danger_now
    assert any("112" in n.body for n in replies())
    # intake's life-safety alert goes to the police duty unit of the place
    assert Notification.objects.filter(
        template="life_safety_alert", recipient=world.duty_a
    ).exists()
    assert not Notification.objects.filter(recipient=world.duty_b).exists()


def test_repeated_update_is_ignored(world: World, bot_api: FakeBotApi) -> None:
    assert post(update(7, "/start")).json()["duplicate"] is False
    assert post(update(7, "/start")).json()["duplicate"] is True
    assert len(replies()) == 1


@pytest.mark.parametrize("secret", ["", "wrong", SECRET + "x"])
def test_wrong_secret_is_refused(world: World, bot_api: FakeBotApi, secret: str) -> None:
    assert post(update(1, "/start"), secret=secret).status_code == 403
    assert not Conversation.objects.exists()


def test_no_configured_secret_refuses_everything(world: World, settings: Any) -> None:
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    assert post(update(1, "/start"), secret="").status_code == 403


@pytest.mark.parametrize("body", ["{not json", json.dumps([1, 2]), json.dumps({"update_id": "x"})])
def test_malformed_update_is_400(world: World, bot_api: FakeBotApi, body: str) -> None:
    answer = post(body)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] in {"body", "update_id"}


def test_429_is_retried_after_retry_after(world: World, bot_api: FakeBotApi) -> None:
    post(update(1, "/start"))
    notification = replies()[0]
    bot_api.flood = 1
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert deliver(notification.pk) is False
    notification.refresh_from_db()
    assert notification.status == "pending"
    assert notification.next_attempt_at == start + timedelta(seconds=17)
    assert "429" in notification.last_error
    with time_machine.travel(start + timedelta(seconds=16), tick=False):
        assert deliver(notification.pk) is False  # not due yet: no call made
    assert len(bot_api.calls) == 1
    with time_machine.travel(start + timedelta(seconds=17), tick=False):
        assert deliver(notification.pk) is True
    assert len(bot_api.calls) == 2
    notification.refresh_from_db()
    assert notification.status == "sent"


def test_short_story_and_unknown_place_are_asked_again(world: World, bot_api: FakeBotApi) -> None:
    converse(["/start", "Русский", "плохо", "Нарния"])
    texts = [n.body for n in replies()]
    assert texts[-2].startswith("Напиши ещё пару слов")
    assert Conversation.objects.get().state == "narrative"
    converse(["Меня толкают и обзывают на переменах.", "Нарния"], start=10)
    assert replies()[-1].body.startswith("Не нашли такую школу")
    assert not Report.objects.exists()
