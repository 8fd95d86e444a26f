"""State changes of referrals: send, accept, decline, complete, cancel, escalate,
self-referral and telling the school (brief 1.3.1, 2.3.8).

A referral between organisations rests on a ``care.ChildShare`` whose basis is checked
when it is sent (consent naming the receiver, a legal basis, or a reported override);
when the share is revoked — the consent withdrawn — the open referral is cancelled and the
receiver loses access at once.

The package: ``common`` (checks, deadlines, the timeline event, telling organisations),
``sending`` (referrals, self-referrals, attachments), ``lifecycle`` (answers, closing,
the school told, escalation). Callers outside the app use ``services.<name>``.
"""

from qamqor.referrals.services.common import (
    HEALTH_KINDS,
    MAX_ATTACHMENTS,
    MAX_FEEDBACK,
    MIN_REASON,
    PSC_KINDS,
    RECEIVING_ROLES,
    SERVICE_KINDS,
    kind_for,
    respond_by,
)
from qamqor.referrals.services.lifecycle import (
    accept_referral,
    cancel_referral,
    complete_referral,
    decline_referral,
    escalate_overdue_referrals,
    inform_school,
    on_shares_revoked,
)
from qamqor.referrals.services.sending import add_attachment, send_referral, submit_self_referral

__all__ = [
    "HEALTH_KINDS",
    "MAX_ATTACHMENTS",
    "MAX_FEEDBACK",
    "MIN_REASON",
    "PSC_KINDS",
    "RECEIVING_ROLES",
    "SERVICE_KINDS",
    "accept_referral",
    "add_attachment",
    "cancel_referral",
    "complete_referral",
    "decline_referral",
    "escalate_overdue_referrals",
    "inform_school",
    "kind_for",
    "on_shares_revoked",
    "respond_by",
    "send_referral",
    "submit_self_referral",
]
