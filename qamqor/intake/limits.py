"""Rate limits on public intake: per client address and per channel identifier.

Counted in the database (``RateLimitCounter``, fixed one-hour windows), not in a
per-process cache: the web form, the API, the chatbot webhook and the mail listener run
in several processes, often on several machines, and a limit that each process counts
alone is no limit. One indexed upsert per public request is cheap next to creating a
report. Keys are keyed hashes: an address is personal data and is not stored.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.errors import DomainError, FieldProblem
from qamqor.intake.models import RateLimitCounter

WINDOW = timedelta(hours=1)


class RateLimited(DomainError):
    """Too many requests from one address or channel identifier in the window."""

    status_code = 429


def client_address(request: HttpRequest) -> str:
    """The client's address; behind ``QAMQOR_PROXY_COUNT`` proxies, from X-Forwarded-For."""
    proxies = int(getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0)
    forwarded = [
        part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _key(scope: str, value: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"ratelimit:{scope}:{value}".encode(), hashlib.sha256
    ).hexdigest()


def _window_start(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def hit(scope: str, value: str, *, limit: int, field: str = "body") -> int:
    """Count one request of ``value`` in ``scope``; 429 naming ``field`` past ``limit``.

    Runs in its own transaction (committed even if the caller's work fails), so a
    stream of invalid submissions is limited too.
    """
    now = timezone.now()
    start = _window_start(now)
    key = _key(scope, value)
    with transaction.atomic():
        created = RateLimitCounter.objects.bulk_create(
            [RateLimitCounter(key=key, window_start=start, count=0)], ignore_conflicts=True
        )
        row = RateLimitCounter.objects.filter(key=key, window_start=start)
        row.update(count=F("count") + 1)
        count = row.values_list("count", flat=True).get()
    if count == 1 and created:
        # the first hit of a window tidies windows that are over (indexed delete)
        RateLimitCounter.objects.filter(window_start__lt=start - WINDOW).delete()
    if count > limit:
        message = _("Too many attempts. Please wait an hour and try again, or call 111.")
        raise RateLimited(message, [FieldProblem(field, message)])
    return count
