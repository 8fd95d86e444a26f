"""The transactional outbox: notifications written with the change that caused them.

A notification row is created inside the same transaction as the state change; the
worker delivers it after commit and retries with backoff until it is sent or has
visibly failed. A ``dedupe_key`` makes the same notification impossible to queue twice.

Delivery is at most once and never silently lost (DESIGN §5.1, docs/notifications.md):
a worker holds a notification under a lease longer than any transport can take; one
Message-ID per notification, the same on every try, lets relays and receivers drop
copies; a failure before the message was handed over is retried until the retry
horizon (days), and one whose outcome is unknown is shown as unconfirmed, never resent
on its own.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.notify import kinds
from qamqor.ops.fields import (
    REMOVED,
    BlindIndexField,
    EncryptedJSONField,
    EncryptedTextField,
    blind_index,
)

#: The blind index purpose of notification addresses (``Notification.recipient_ref``).
ADDRESS_PURPOSE = "notification-address"

#: The group of notifications that belong to no case, in filters and addresses.
NO_CASE = "none"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def to_address(self, *addresses: str) -> NotificationQuerySet:
        """Notifications sent to any of ``addresses`` (email, phone, chat id), matched through
        the blind index: the addresses themselves are encrypted (docs/security.md)."""
        refs = [blind_index(address, purpose=ADDRESS_PURPOSE) for address in addresses]
        return self.filter(recipient_ref__in=[ref for ref in refs if ref])

    def in_app_of(self, user: Any) -> NotificationQuerySet:
        """The in-app notifications addressed to ``user`` (nobody else's, ever)."""
        return self.filter(recipient=user, channel=Notification.Channel.IN_APP)

    def of_case(self, case: str) -> NotificationQuerySet:
        """One group of the list: ``case`` is a case number, ``"none"`` (notifications
        without a case) or empty (every group)."""
        if not case:
            return self
        if case == NO_CASE:
            return self.filter(case__isnull=True)
        return self.filter(case__number=case)

    def of_kind(self, kind: str) -> NotificationQuerySet:
        """Notifications of one kind (``kinds.KINDS``); empty: every kind."""
        if not kind:
            return self
        if kind == "other":
            return self.exclude(template__in=list(kinds.TEMPLATE_KINDS))
        return self.filter(template__in=kinds.templates_of(kind))

    def urgent(self) -> NotificationQuerySet:
        return self.filter(template__in=sorted(kinds.URGENT_TEMPLATES))


def undelivered_filter() -> models.Q:
    """Notifications that did not reach their recipient (failed, or delivery unconfirmed)
    and can still be sent again: not those whose address and text the retention rules
    have removed (``ops.retention``), which have nothing left to send."""
    return models.Q(status__in=Notification.UNDELIVERED) & ~models.Q(subject=REMOVED)


def new_message_id() -> str:
    """A Message-ID unique across installations: a random UUID at the sender's domain."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "qamqor.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


class Notification(models.Model):
    class Channel(models.TextChoices):
        IN_APP = "in_app", _("in the application")
        EMAIL = "email", _("email")
        TELEGRAM = "telegram", _("Telegram chat")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled: the case's protocol forbids it")
        UNCONFIRMED = "unconfirmed", _("delivery unconfirmed")
        HELD = "held", _("held for the daily digest")
        DIGESTED = "digested", _("sent in a daily digest")

    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # a representative's email or phone, a reporter's chat or mailbox: encrypted at rest,
    # found through ``recipient_ref`` (``Notification.objects.to_address``)
    recipient_address = EncryptedTextField(max_length=254, blank=True)
    recipient_ref = BlindIndexField(source="recipient_address", purpose=ADDRESS_PURPOSE)
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, blank=True
    )
    template = models.CharField(max_length=60)
    language = models.CharField(max_length=2, default="ru")
    subject = EncryptedTextField(max_length=255)  # the rendered texts may name a child
    body = EncryptedTextField()
    # in-app rows: subject and body in every language, so that the list shows them in the
    # reader's current language; empty on rows written before (they show subject/body)
    texts = EncryptedJSONField(
        default=dict, blank=True, help_text='per language: {"kk": [subject, body], …}'
    )
    link = models.CharField(max_length=255, blank=True)
    extra = models.JSONField(
        default=dict, blank=True, help_text="delivery options of the channel (a chat keyboard)"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    dedupe_key = models.CharField(max_length=200, unique=True)
    digest = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digest_items",
        help_text="the daily digest email that carried this held email",
    )
    message_id = models.CharField(
        max_length=255,
        unique=True,
        default=new_message_id,
        help_text="the Message-ID header, the same on every try, for de-duplication",
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="a sending claim older than this is taken back"
    )
    handed_over_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="when the transport began to hand the message over in the current try",
    )
    retry_until = models.DateTimeField(
        null=True, blank=True, help_text="no retry after this; empty: created + the horizon"
    )
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["recipient", "channel", "read_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient_address or self.recipient}: {self.subject}"

    UNDELIVERED = (Status.FAILED, Status.UNCONFIRMED)

    @staticmethod
    def backoff(attempts: int) -> timedelta:
        """Wait before the next try: 30 s, 1 min, 2 min, … then hourly until the horizon."""
        return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))

    def retry_deadline(self) -> datetime:
        """No try starts after this moment (``OUTBOX_RETRY_DAYS`` after queueing or resending)."""
        return self.retry_until or self.created_at + timedelta(days=settings.OUTBOX_RETRY_DAYS)

    def text_in(self, language: str) -> tuple[str, str]:
        """Subject and body in ``language`` when the row holds its texts in every language
        (in-app rows queued since they do), else the text stored in the queueing language."""
        texts = self.texts or {}
        found = texts.get(language) or texts.get(self.language)
        if found:
            return found[0], found[1]
        return self.subject, self.body


class NotificationPreference(models.Model):
    """How a user wants email notifications: each at once (the default), or the ones that
    are not urgent gathered into one digest a day (life-safety and overdue always at once)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    daily_digest = models.BooleanField(
        default=False,
        verbose_name=_("Daily digest"),
        help_text=_(
            "One email a day with the notifications that are not urgent; life-safety alerts "
            "and overdue steps are always sent at once."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {'digest' if self.daily_digest else 'each'}"


class SmsPart(models.Model):
    """One part of an SMS as the gateway accepted it, with its delivery receipt.

    The gateway's ``submit_sm_resp`` gives each part a message id; its ``deliver_sm``
    receipt later says whether the phone got it (brief 1.3.5: the notice reached the
    parent, or visibly did not).
    """

    class State(models.TextChoices):
        ACCEPTED = "accepted", _("accepted by the gateway")
        DELIVERED = "delivered", _("delivered to the phone")
        UNDELIVERABLE = "undeliverable", _("could not be delivered")
        EXPIRED = "expired", _("expired undelivered")
        REJECTED = "rejected", _("rejected by the operator")
        DELETED = "deleted", _("deleted by the operator")
        UNKNOWN = "unknown", _("state unknown")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="sms_parts"
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    part = models.PositiveSmallIntegerField(default=1)
    parts = models.PositiveSmallIntegerField(default=1)
    message_id = models.CharField(max_length=65, db_index=True)
    state = models.CharField(max_length=14, choices=State.choices, default=State.ACCEPTED)
    error_code = models.CharField(max_length=10, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    receipt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["notification", "attempt", "part"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.state}"
