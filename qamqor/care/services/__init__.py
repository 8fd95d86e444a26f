"""State changes of psychological support, one module per sub-domain: children in care
(``children``), consent (``consent``), sharing (``sharing``), the crisis exception
(``crisis``), consultations (``consultations``), supervision (``supervision``), the work
log and pupil counts (``worklog``); what they share is in ``common``. Anonymous appeals
are their own app (``qamqor.appeals.services``).

Every function runs in one transaction, checks the access policy, writes its audit event
and queues its notifications in the outbox. A function that decides on a child's care
(consent, crisis basis, consultation) first locks the child's row, so two psychologists
cannot both record "the 5th" crisis session at once.

The names are re-exported here, so ``from qamqor.care import services`` and
``services.record_consent(...)`` serve callers outside the app; inside ``care``, modules
import the sub-module they need.
"""

from qamqor.care.services.children import register_child
from qamqor.care.services.common import (
    CLOCK_SKEW,
    MIN_JUSTIFICATION,
    MIN_REASON,
    PSC_KINDS,
    ensure_client,
    local_today,
    lock_child,
    national_coordinators,
    provider_ids,
    regional_coordinators,
    require_text,
    staff_of,
    week_start,
)
from qamqor.care.services.consent import (
    active_support_consent,
    consent_age,
    record_consent,
    withdraw_consent,
)
from qamqor.care.services.consultations import SessionBasis, record_consultation, session_basis
from qamqor.care.services.crisis import (
    close_crisis_basis,
    crisis_sessions_used,
    open_crisis_basis,
    record_crisis_basis,
)
from qamqor.care.services.sharing import share_child, sharing_consent
from qamqor.care.services.supervision import record_supervision
from qamqor.care.services.worklog import parse_hours, plural_number, save_work_week, set_enrolment

__all__ = [
    "CLOCK_SKEW",
    "MIN_JUSTIFICATION",
    "MIN_REASON",
    "PSC_KINDS",
    "SessionBasis",
    "active_support_consent",
    "close_crisis_basis",
    "consent_age",
    "crisis_sessions_used",
    "ensure_client",
    "local_today",
    "lock_child",
    "national_coordinators",
    "open_crisis_basis",
    "parse_hours",
    "plural_number",
    "provider_ids",
    "record_consent",
    "record_consultation",
    "record_crisis_basis",
    "record_supervision",
    "regional_coordinators",
    "register_child",
    "require_text",
    "save_work_week",
    "session_basis",
    "set_enrolment",
    "share_child",
    "sharing_consent",
    "staff_of",
    "week_start",
    "withdraw_consent",
]
