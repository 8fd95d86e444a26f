"""Reads of psychological support, always through the access policy.

A child, a consultation or a crisis basis outside the user's scope is a 404. Reads of a
child's care record are audited. Confidential notes are removed from every consultation
the reader may not read them on (``Consultation.notes_visible``), here, once, so no page
or endpoint can show them by mistake.

One module per concern; the package names what pages, the API, forms and other apps read.
"""

from qamqor.care.selectors.caseload import (
    Caseload,
    caseload,
)
from qamqor.care.selectors.children import (
    ChildCare,
    child_care,
    consultations_for,
    crisis_exceptions,
    get_child_for_user,
    get_consent_document_for_user,
    get_consent_for_user,
    get_consultation_for_user,
    get_crisis_basis_for_user,
    listed_crisis_exceptions,
    mask_notes,
)
from qamqor.care.selectors.common import (
    LIST_LIMIT,
    PSC_KINDS,
    episode_usage,
)
from qamqor.care.selectors.workload import (
    LEVELS,
    ONE_DECIMAL,
    WorkloadReport,
    WorkloadRow,
    workload_levels,
    workload_period,
    workload_report,
)
from qamqor.care.selectors.worklog import (
    suggested_hours,
    supervision_hosts,
    supervision_sessions,
    work_week,
)

__all__ = [
    "LEVELS",
    "LIST_LIMIT",
    "ONE_DECIMAL",
    "PSC_KINDS",
    "Caseload",
    "ChildCare",
    "WorkloadReport",
    "WorkloadRow",
    "caseload",
    "child_care",
    "consultations_for",
    "crisis_exceptions",
    "episode_usage",
    "get_child_for_user",
    "get_consent_document_for_user",
    "get_consent_for_user",
    "get_consultation_for_user",
    "get_crisis_basis_for_user",
    "listed_crisis_exceptions",
    "mask_notes",
    "suggested_hours",
    "supervision_hosts",
    "supervision_sessions",
    "work_week",
    "workload_levels",
    "workload_period",
    "workload_report",
]
