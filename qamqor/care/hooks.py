"""What care asks of the apps built on it, without importing them.

Referrals build on care (a referral rests on a share of the child's data), so care sits
below referrals and never imports them (docs/decisions/0012-layers.md). Where care needs
them (a withdrawn consent cancels the referrals resting on it; the child page and the
caseload list the referrals a user sees), referrals register here in ``ready()``, as
notify's transports register with ``notify.services.register_transport``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

if TYPE_CHECKING:
    from qamqor.accounts.models import User
    from qamqor.care.models import ChildShare

#: ``handler(shares, actor=…, reason=…)`` runs inside ``withdraw_consent``'s transaction
#: with the shares it revoked and returns the public ids of what it cancelled.
SharesRevoked = Callable[..., list[str]]
SHARES_REVOKED: list[SharesRevoked] = []

#: ``reader(user, action)``: the referrals ``user`` may ``action``, as a queryset (the
#: referrals' ``restrict``).
ReferralReader = Callable[["User", str], QuerySet[Any]]
REFERRAL_READERS: list[ReferralReader] = []


def on_shares_revoked(handler: SharesRevoked) -> None:
    """Register what happens when consent is withdrawn and its shares are revoked."""
    if handler not in SHARES_REVOKED:
        SHARES_REVOKED.append(handler)


def register_referral_reader(reader: ReferralReader) -> None:
    """Register the one source of the referrals a user sees (referrals' ``ready()``)."""
    REFERRAL_READERS[:] = [reader]


def shares_revoked(shares: list[ChildShare], *, actor: User, reason: str) -> list[str]:
    """Tell every registered handler; the public ids of everything they cancelled."""
    cancelled: list[str] = []
    for handler in SHARES_REVOKED:
        cancelled += handler(shares, actor=actor, reason=reason)
    return cancelled


def restricted_referrals(user: User, action: str = "view") -> QuerySet[Any]:
    """The referrals ``user`` may ``action`` (``restrict`` of the app that holds them)."""
    if not REFERRAL_READERS:
        raise ImproperlyConfigured("No referral reader is registered (qamqor.referrals).")
    return REFERRAL_READERS[0](user, action)
