"""The Telegram conversation: from /start to a report, then the report's thread.

``handle_update`` is called by the webhook with the update as Telegram sent it. It runs in
one transaction: the ``update_id`` row (a repeat is ignored), the conversation's step, the
report when it is sent, and every reply queued in the outbox (delivered by the worker)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from qamqor.chatbot import texts
from qamqor.chatbot.models import Conversation, TelegramUpdate
from qamqor.directory.models import Region
from qamqor.errors import DomainError
from qamqor.helpline import services as helpline
from qamqor.intake import services as intake
from qamqor.intake.models import Channel, Report
from qamqor.notify import services as notify
from qamqor.units import entry_point_in_steps

logger = logging.getLogger(__name__)
State = Conversation.State
MAX_TEXT = 5000


def _keyboard(rows: list[list[str]]) -> dict[str, Any]:
    return {
        "reply_markup": {
            "keyboard": [[{"text": label} for label in row] for row in rows],
            "resize_keyboard": True,
            "one_time_keyboard": True,
        }
    }


NO_KEYBOARD = {"reply_markup": {"remove_keyboard": True}}


class Reply:
    """The replies of one update, queued in order once the step is decided."""

    def __init__(self, conversation: Conversation, update_id: int) -> None:
        self.conversation = conversation
        self.update_id = update_id
        self.count = 0

    def say(self, body: str, extra: dict[str, Any] | None = None) -> None:
        self.count += 1
        notify.queue_message(
            channel="telegram",
            address=self.conversation.chat_id,
            language=self.conversation.language,
            subject="Telegram",
            body=body,
            key=f"telegram:{self.update_id}:{self.count}",
            template="chatbot_reply",
            extra=extra if extra is not None else NO_KEYBOARD,
        )


def tell_chat(report: Report, key: str, body_by_language: dict[str, str] | None = None) -> bool:
    """Send the reporter a message on the chat that made ``report`` (the registration number
    and the like); False if the report did not come from a chat. ``key`` deduplicates."""
    conversation = Conversation.objects.filter(report=report).order_by("-pk").first()
    if conversation is None:
        return False
    language = conversation.language
    body = (body_by_language or {}).get(language) or texts.text(language, "help")
    return notify.queue_message(
        channel="telegram",
        address=conversation.chat_id,
        language=language,
        subject="Telegram",
        body=body,
        key=f"telegram:report:{report.pk}:{key}",
        template="chatbot_notice",
        extra=NO_KEYBOARD,
    )


def _region_buttons(language: str) -> list[list[str]]:
    names = [_region_label(r, language) for r in Region.objects.order_by("code")]
    return [names[i : i + 2] for i in range(0, len(names), 2)]


def _region_label(region: Region, language: str) -> str:
    return str(getattr(region, f"name_{language}", "") or region.name_ru)


def _find_place(answer: str) -> dict[str, Any] | None:
    """A school code, a region's ISO code or a region's name in any language."""
    cleaned = answer.strip()
    school = intake.find_school(cleaned) or intake.find_school(cleaned.lower())
    if school is not None:
        return {"school": school.code, "region": school.region.code if school.region else None}
    lowered = cleaned.casefold()
    for region in Region.objects.all():
        names = {region.code.casefold(), region.name_kk.casefold(), region.name_ru.casefold()}
        names.add(region.name_en.casefold())
        if lowered in names:
            return {"school": None, "region": region.code}
    return None


def _choice(answer: str, options: dict[str, list[str]]) -> str | None:
    lowered = answer.strip().casefold()
    for value, labels in options.items():
        if lowered in {label.casefold() for label in labels}:
            return value
    return None


def _yes_no(language: str, yes: str, no: str) -> dict[str, Any]:
    return _keyboard([[texts.text(language, yes)], [texts.text(language, no)]])


def _danger_keyboard(language: str) -> dict[str, Any]:
    """In danger now, may hurt themselves (its own choice, brief 1.4.2), or neither."""
    return _keyboard(
        [
            [texts.text(language, "yes_danger")],
            [texts.text(language, "self_harm")],
            [texts.text(language, "no_danger")],
        ]
    )


@entry_point_in_steps
def handle_update(update: dict[str, Any]) -> bool:
    """Handle one update; False if it was already handled (or carries no text message)."""
    update_id = update.get("update_id")
    if not isinstance(update_id, int):
        raise ValueError("update_id")
    message = update.get("message") or update.get("edited_message")
    try:
        with transaction.atomic():
            TelegramUpdate.objects.create(update_id=update_id)
            if not isinstance(message, dict):
                return True
            chat = message.get("chat") or {}
            text = message.get("text")
            if "id" not in chat or not isinstance(text, str):
                return True
            _step(str(chat["id"]), text[:MAX_TEXT], update_id, message.get("from") or {})
    except IntegrityError:
        if TelegramUpdate.objects.filter(update_id=update_id).exists():
            return False  # Telegram sent it again: already handled
        raise
    return True


def _step(chat_id: str, text: str, update_id: int, sender: dict[str, Any]) -> None:
    conversation = Conversation.objects.select_for_update().of_chat(chat_id).first()
    if conversation is None:
        conversation = Conversation.objects.create(chat_id=chat_id)
    reply = Reply(conversation, update_id)
    command = text.strip().split("@")[0].lower()
    if command in {"/start", "/new"}:
        conversation.state = State.LANGUAGE
        conversation.draft = {}
        reply.say(
            texts.CHOOSE_LANGUAGE, _keyboard([[label] for label in texts.LANGUAGE_BUTTONS.values()])
        )
    elif command == "/help":
        reply.say(texts.text(conversation.language, "help"))
    else:
        _answer(conversation, text, reply)
    conversation.updated_at = timezone.now()
    conversation.save()


def _answer(conversation: Conversation, text: str, reply: Reply) -> None:
    language = conversation.language
    draft = conversation.draft
    state = conversation.state
    if state == State.LANGUAGE:
        options = {
            code: [label, code, str(i + 1)]
            for i, (code, label) in enumerate(texts.LANGUAGE_BUTTONS.items())
        }
        chosen = _choice(text, options)
        if chosen is None:
            reply.say(
                texts.CHOOSE_LANGUAGE,
                _keyboard([[label] for label in texts.LANGUAGE_BUTTONS.values()]),
            )
            return
        conversation.language = chosen
        conversation.state = State.NARRATIVE
        reply.say(texts.text(chosen, "ask_narrative"))
    elif state == State.NARRATIVE:
        if len(text.strip()) < 10:
            reply.say(texts.text(language, "narrative_too_short"))
            return
        draft["narrative"] = text.strip()
        conversation.state = State.PLACE
        reply.say(texts.text(language, "ask_place"), _keyboard(_region_buttons(language)))
    elif state == State.PLACE:
        place = _find_place(text)
        if place is None or place["region"] is None:
            reply.say(texts.text(language, "place_unknown"), _keyboard(_region_buttons(language)))
            return
        draft.update(place)
        conversation.state = State.ANONYMOUS
        reply.say(
            texts.text(language, "ask_anonymous"),
            _yes_no(language, "yes_anonymous", "no_give_name"),
        )
    elif state == State.ANONYMOUS:
        chosen = _choice(
            text,
            {
                "yes": [texts.text(language, "yes_anonymous"), "1"],
                "no": [texts.text(language, "no_give_name"), "2"],
            },
        )
        if chosen is None:
            reply.say(
                texts.text(language, "choose_from_buttons"),
                _yes_no(language, "yes_anonymous", "no_give_name"),
            )
            return
        draft["anonymous"] = chosen == "yes"
        if chosen == "yes":
            conversation.state = State.DANGER
            reply.say(texts.text(language, "ask_danger"), _danger_keyboard(language))
        else:
            conversation.state = State.NAME
            reply.say(texts.text(language, "ask_name"))
    elif state == State.NAME:
        draft["reporter_name"] = text.strip()[:200]
        conversation.state = State.DANGER
        reply.say(texts.text(language, "ask_danger"), _danger_keyboard(language))
    elif state == State.DANGER:
        chosen = _choice(
            text,
            {
                "yes": [texts.text(language, "yes_danger"), "1"],
                "self_harm": [texts.text(language, "self_harm"), "2"],
                "no": [texts.text(language, "no_danger"), "3"],
            },
        )
        if chosen is None:
            reply.say(texts.text(language, "choose_from_buttons"), _danger_keyboard(language))
            return
        draft["in_danger_now"] = chosen == "yes"
        draft["self_harm_risk"] = chosen == "self_harm"
        if chosen in {"yes", "self_harm"}:
            # No confirmation step when a child is in danger or may hurt themselves:
            # send at once, which raises the life-safety alert.
            reply.say(texts.text(language, "danger_now" if chosen == "yes" else "self_harm_now"))
            _submit(conversation, reply)
            return
        conversation.state = State.CONFIRM
        reply.say(
            texts.text(language, "confirm", summary=draft["narrative"][:1500]),
            _yes_no(language, "send", "start_over"),
        )
    elif state == State.CONFIRM:
        chosen = _choice(
            text,
            {
                "send": [texts.text(language, "send"), "1"],
                "again": [texts.text(language, "start_over"), "2"],
            },
        )
        if chosen == "send":
            _submit(conversation, reply)
        elif chosen == "again":
            conversation.state = State.NARRATIVE
            conversation.draft = {}
            reply.say(texts.text(language, "ask_narrative"))
        else:
            reply.say(
                texts.text(language, "choose_from_buttons"), _yes_no(language, "send", "start_over")
            )
    elif state == State.DONE and conversation.report is not None:
        try:
            add_to_thread(conversation.report, text)
        except DomainError as error:
            reply.say(str(error.detail))
            return
        reply.say(texts.text(language, "added_to_thread"))
    else:
        reply.say(texts.text(language, "help"))


def _submit(conversation: Conversation, reply: Reply) -> None:
    draft = conversation.draft
    school = intake.find_school(draft["school"]) if draft.get("school") else None
    region = Region.objects.get(code=draft["region"])
    receiver = helpline.contact_center() or school
    data = {
        "narrative": draft["narrative"],
        "forms": [],
        "setting": "unknown",
        "in_danger_now": bool(draft.get("in_danger_now")),
        "self_harm_risk": bool(draft.get("self_harm_risk")),
        "anonymous": bool(draft.get("anonymous", True)),
        "reporter_role": "child",
        "reporter_name": "" if draft.get("anonymous", True) else draft.get("reporter_name", ""),
        "reporter_contact": "" if draft.get("anonymous", True) else "Telegram",
    }
    try:
        submitted = intake.submit_report.within(
            data=data,
            school=school,
            region=region,
            channel=Channel.CHATBOT,
            received_by=receiver,
            language=conversation.language,
            idempotency_key=f"telegram:{conversation.chat_ref[:16]}:{reply.update_id}",
            channel_identifier=conversation.chat_id,
        )
    except DomainError:
        logger.exception("chatbot report not accepted")
        reply.say(texts.text(conversation.language, "help"))
        return
    conversation.report = submitted.report
    conversation.state = State.DONE
    conversation.draft = {}
    # A child in danger now or at risk of self-harm: submit_report itself raised intake's
    # life-safety alert (police duty unit and PSC, repeated until someone acknowledges),
    # so the reply says what happens now rather than "soon".
    key = "received_urgent" if submitted.report.urgent else "received"
    reply.say(texts.text(conversation.language, key, code=submitted.followup_code))


def add_to_thread(report: Report, body: str) -> None:
    """A later message from the same chat joins the report's thread (intake's
    ``post_reporter_message``: stored, and the handler told in the application)."""
    intake.post_reporter_message.within(report=report, body=body)


def on_reporter_message(sender: Any, report: Report, message: Any, **kwargs: Any) -> None:
    """Intake's ``reporter_message_sent`` (a system notice such as the registration number,
    or a handler's answer): passed on to the chat the report came from."""
    if report.channel != Channel.CHATBOT or message.sender == "reporter":
        return
    with transaction.atomic():
        tell_chat(report, f"message:{message.pk}", {report.language: message.body})
