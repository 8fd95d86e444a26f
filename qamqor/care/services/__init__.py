"""State changes of psychological support, one module per sub-domain: children in care
(``children``), consent (``consent``), sharing (``sharing``), the crisis exception
(``crisis``), consultations (``consultations``), supervision (``supervision``), the work
log and pupil counts (``worklog``) and anonymous appeals (``appeals``); what they share is
in ``common``.

Every function runs in one transaction, checks the access policy, writes its audit event
and queues its notifications in the outbox. A function that decides on a child's care
(consent, crisis basis, consultation) first locks the child's row, so two psychologists
cannot both record "the 5th" crisis session at once.

The names are re-exported here, so ``from qamqor.care import services`` and
``services.record_consent(...)`` serve callers outside the app; inside ``care``, modules
import the sub-module they need.
"""

from qamqor.care.services.appeals import (
    APPEAL_CODE_ALPHABET,
    SubmittedAppeal,
    answer_appeal,
    appeal_code_hash,
    find_appeal,
    normalise_appeal_code,
    release_appeals,
    submit_appeal,
)
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
    "APPEAL_CODE_ALPHABET",
    "CLOCK_SKEW",
    "MIN_JUSTIFICATION",
    "MIN_REASON",
    "PSC_KINDS",
    "SessionBasis",
    "SubmittedAppeal",
    "active_support_consent",
    "answer_appeal",
    "appeal_code_hash",
    "close_crisis_basis",
    "consent_age",
    "crisis_sessions_used",
    "ensure_client",
    "find_appeal",
    "local_today",
    "lock_child",
    "national_coordinators",
    "normalise_appeal_code",
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
    "release_appeals",
    "require_text",
    "save_work_week",
    "session_basis",
    "set_enrolment",
    "share_child",
    "sharing_consent",
    "staff_of",
    "submit_appeal",
    "week_start",
    "withdraw_consent",
]
