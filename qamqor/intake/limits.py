"""Rate limits on everything the public can call, in one place.

Counted in the database (``RateLimitCounter``, fixed one-hour windows), not in a
per-process cache: the web form, the API, the chatbot webhook and the mail listener run
in several processes, often on several machines, and a limit that each process counts
alone is no limit. One indexed upsert per public request is cheap next to creating a
report. Keys are keyed hashes: an address is personal data and is not stored.

Every public entry point names one of the ``PUBLIC_LIMITS`` below, so the web form and the
API answer from the same counter: ``POST /api/v1/reports`` and the report form share the
"report" limit, the self-referral page and ``POST /api/v1/referrals/ask`` share
"self-referral"; the parents' application page counts "parents-application" for every
letter it writes, and "report" too when it sends one as a report. One-time codes (follow-up
codes, screening codes) are counted per address on every attempt and, in total over all
addresses, on the wrong ones: a guesser spread over many addresses still meets the total,
while children typing right codes during a national screening campaign never do. A refusal
is a 429 with ``Retry-After`` (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.errors import DomainError, FieldProblem
from qamqor.intake.models import RateLimitCounter

WINDOW = timedelta(hours=1)
GLOBAL = "*"  # the value counted for limits over all addresses together


class RateLimited(DomainError):
    """Too many requests from one address or channel identifier in the window."""

    status_code = 429

    def __init__(self, detail: object, errors: list[FieldProblem], *, retry_after: int) -> None:
        super().__init__(detail, errors)  # type: ignore[arg-type]
        self.retry_after = retry_after  # seconds, for the Retry-After header


@dataclass(frozen=True)
class PublicLimit:
    """One public action's limits: per address per hour and, for codes, wrong tries in total."""

    scope: str
    per_address_setting: str
    total_failures_setting: str | None = None

    @property
    def per_address(self) -> int:
        return int(getattr(settings, self.per_address_setting))

    @property
    def total_failures(self) -> int | None:
        if self.total_failures_setting is None:
            return None
        return int(getattr(settings, self.total_failures_setting))


PUBLIC_LIMITS = {
    "report": PublicLimit("report", "REPORT_RATE_PER_HOUR"),
    "self-referral": PublicLimit("self-referral", "REPORT_RATE_PER_HOUR"),
    "parents-application": PublicLimit("parents-application", "REPORT_RATE_PER_HOUR"),
    "followup": PublicLimit("followup", "FOLLOWUP_RATE_PER_HOUR", "FOLLOWUP_FAILURES_PER_HOUR"),
    "screening-code": PublicLimit(
        "screening-code", "SCREENING_CODE_RATE_PER_HOUR", "SCREENING_CODE_FAILURES_PER_HOUR"
    ),
    "survey": PublicLimit("survey", "SURVEY_RATE_PER_HOUR"),
}


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


def _refusal(field: str, now: datetime) -> RateLimited:
    message = _("Too many attempts. Please wait an hour and try again, or call 111.")
    wait = (_window_start(now) + WINDOW - now).total_seconds()
    return RateLimited(message, [FieldProblem(field, message)], retry_after=max(1, math.ceil(wait)))


def _count(scope: str, value: str, now: datetime) -> int:
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
    return count


def _current(scope: str, value: str, now: datetime) -> int:
    found = RateLimitCounter.objects.filter(
        key=_key(scope, value), window_start=_window_start(now)
    ).values_list("count", flat=True)
    return next(iter(found), 0)


def hit(scope: str, value: str, *, limit: int, field: str = "body") -> int:
    """Count one request of ``value`` in ``scope``; 429 naming ``field`` past ``limit``.

    Runs in its own transaction (committed even if the caller's work fails), so a
    stream of invalid submissions is limited too.
    """
    now = timezone.now()
    count = _count(scope, value, now)
    if count > limit:
        raise _refusal(field, now)
    return count


def check_public(request: HttpRequest, action: str, *, field: str = "body") -> None:
    """Count one public request of ``action`` from this client; 429 past its limits.

    For code actions the total of wrong codes over all addresses is checked too (it is
    counted by ``code_failed``).
    """
    limit = PUBLIC_LIMITS[action]
    try:
        hit(limit.scope, client_address(request), limit=limit.per_address, field=field)
        total = limit.total_failures
        if total is not None:
            now = timezone.now()
            if _current(f"{limit.scope}:failed", GLOBAL, now) >= total:
                raise _refusal(field, now)
    except RateLimited as refused:
        request.qamqor_retry_after = refused.retry_after  # type: ignore[attr-defined]
        raise


class RetryAfterMiddleware:
    """Pages that show a rate-limit refusal on their form answer 429 with ``Retry-After``
    too, as the API does (its exception handler sets the header itself)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        retry_after = getattr(request, "qamqor_retry_after", None)
        if response.status_code == 429 and retry_after and "Retry-After" not in response:
            response["Retry-After"] = str(retry_after)
        return response


def code_failed(action: str) -> None:
    """Count one wrong one-time code of ``action`` towards the total over all addresses."""
    limit = PUBLIC_LIMITS[action]
    _count(f"{limit.scope}:failed", GLOBAL, timezone.now())
