"""What referrals tell the apps above them, without importing them (decision 0012)."""

from __future__ import annotations

from django.dispatch import Signal

#: ``referral_accepted.send(sender=Referral, referral=referral)`` inside
#: ``accept_referral``'s transaction, once the receiver has taken the child on.
referral_accepted = Signal()
