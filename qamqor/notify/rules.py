"""Who watches undelivered notifications (registered with ``accounts.access``)."""

from __future__ import annotations

from qamqor.accounts import access
from qamqor.accounts.policy import Scope


@access.gate("undelivered")
def undelivered_gate(scope: Scope) -> bool:
    """Coordinators (school, regional, national) watch what did not reach its recipient
    (brief 1.3.3): ``notify.selectors.undelivered_for`` lists their coordination's."""
    return bool(scope.national or scope.region_ids or scope.coordinated_school_ids)


access.operations(
    {
        "GET /notifications/undelivered": access.Guard(gate="undelivered"),
        "POST /notifications/{notification_id}/resend": access.Guard(gate="undelivered"),
        # the caller's own notifications and preference: every signed-in user, their own
        "GET /notifications": access.SIGNED_IN,
        "GET /notifications/groups": access.SIGNED_IN,
        "POST /notifications/read": access.SIGNED_IN,
        "POST /notifications/{notification_id}/read": access.SIGNED_IN,
        "GET /notifications/preference": access.SIGNED_IN,
        "PUT /notifications/preference": access.SIGNED_IN,
    }
)
