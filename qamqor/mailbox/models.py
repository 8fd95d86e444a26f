"""One row per email accepted by ``qamqor mail-listener`` (qamqor/mailbox/mail.py)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from qamqor.ops.fields import EncryptedTextField


class InboundMail(models.Model):
    """An accepted email: its Message-ID (hashed) makes a resent copy a no-op, and the
    sender's address is where the reporter is answered (stored in Qamqor's database only,
    encrypted; the report keeps a keyed hash of it)."""

    message_key = models.CharField(max_length=64, unique=True)
    report = models.ForeignKey("intake.Report", on_delete=models.CASCADE, related_name="+")
    sender = EncryptedTextField(max_length=254, blank=True)  # found by report, never by value
    mailbox = models.CharField(max_length=254)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"mail for report {self.report_id}"
