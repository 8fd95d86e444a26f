"""The Telegram channel's own records: updates already handled and each chat's conversation.

The chat id is kept here because replies must reach it, encrypted at rest like every
address Qamqor sends to (a chat id leads to a Telegram account, so to a person); a
conversation is found by its keyed blind index (``chat_ref``), as the report keeps only
that hash (``Report.channel_ref``). Localisation (Law No. 94-V Art. 12(2)): this table lives
in Qamqor's database in Kazakhstan; Telegram's servers hold only what the child typed
there."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from qamqor.ops.fields import (
    BlindIndexField,
    EncryptedJSONField,
    EncryptedTextField,
    blind_index,
)

#: The blind index purpose of chat ids (``Conversation.chat_ref``).
CHAT_PURPOSE = "telegram-chat"


class TelegramUpdate(models.Model):
    """An ``update_id`` already handled: Telegram repeats an update it thinks was lost."""

    update_id = models.BigIntegerField(unique=True)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"update {self.update_id}"


class ConversationQuerySet(models.QuerySet["Conversation"]):
    def of_chat(self, chat_id: str) -> ConversationQuerySet:
        """The conversation of one chat, found through the blind index of its id."""
        return self.filter(chat_ref=chat_ref(chat_id))


def chat_ref(chat_id: str) -> str:
    """The keyed hash a chat is found and named by where its id must not be stored."""
    return blind_index(chat_id, purpose=CHAT_PURPOSE)


class Conversation(models.Model):
    """Where one chat is in the conversation, and the report it last led to."""

    class State(models.TextChoices):
        LANGUAGE = "language"
        NARRATIVE = "narrative"
        PLACE = "place"
        ANONYMOUS = "anonymous"
        NAME = "name"
        DANGER = "danger"
        CONFIRM = "confirm"
        DONE = "done"

    chat_id = EncryptedTextField(max_length=32)
    # unique, so indexed already
    chat_ref = BlindIndexField(source="chat_id", purpose=CHAT_PURPOSE, unique=True, db_index=False)
    language = models.CharField(max_length=2, default="ru")
    state = models.CharField(max_length=10, choices=State.choices, default=State.LANGUAGE)
    # what the reporter has typed so far (the narrative, a name): encrypted at rest
    draft = EncryptedJSONField(default=dict, blank=True)
    report = models.ForeignKey(
        "intake.Report", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ConversationQuerySet.as_manager()

    def __str__(self) -> str:
        return f"conversation {self.pk} ({self.state})"
