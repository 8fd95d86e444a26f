"""The Bot API over plain HTTPS with the standard library (docs/channels.md says why).

Only ``sendMessage`` is used, called by the outbox worker: a 429 raises
``notify.services.RetryAfter`` with Telegram's ``retry_after`` so the next attempt waits
exactly that long; any other failure is retried with the outbox's backoff."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from qamqor.notify.models import Notification
from qamqor.notify.services import RetryAfter


class TelegramError(Exception):
    """The Bot API refused a call for a reason other than flood control."""


def call(method: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POST one Bot API method as JSON; returns the ``result``."""
    if not settings.TELEGRAM_TOKEN:
        raise ImproperlyConfigured("QAMQOR_TELEGRAM_TOKEN is not set")
    url = f"{settings.TELEGRAM_API_BASE}/bot{settings.TELEGRAM_TOKEN}/{method}"
    if not url.startswith(("https://", "http://")):
        raise ImproperlyConfigured("QAMQOR_TELEGRAM_API_BASE must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(  # nosec B310 # noqa: S310 - scheme checked above
            request, timeout=settings.TELEGRAM_TIMEOUT
        ) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            answer = json.loads(error.read() or b"{}")
        except ValueError:
            answer = {}
        retry_after = (answer.get("parameters") or {}).get("retry_after")
        if error.code == 429 and retry_after is not None:
            raise RetryAfter(
                int(retry_after), f"Telegram 429: {answer.get('description', '')}"
            ) from error
        raise TelegramError(f"HTTP {error.code}: {answer.get('description', '')}") from error
    if not answer.get("ok"):
        raise TelegramError(str(answer.get("description", "not ok")))
    result: dict[str, Any] = answer.get("result") or {}
    return result


def deliver(notification: Notification) -> None:
    """The outbox transport for the ``telegram`` channel: one ``sendMessage``."""
    payload: dict[str, Any] = {"chat_id": notification.recipient_address, "text": notification.body}
    payload.update(notification.extra or {})
    call("sendMessage", payload)
