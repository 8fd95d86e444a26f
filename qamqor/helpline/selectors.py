"""Reads of the 111 center; who sees which card or call record is ``helpline.rules``."""

from __future__ import annotations

from qamqor.accounts.models import Membership, Role
from qamqor.directory.models import Organisation, OrganisationKind


def helplines_of(user: object) -> list[Organisation]:
    """The 111 centers where the user works as an operator."""
    user_id = getattr(user, "pk", None)
    if not getattr(user, "is_authenticated", False) or user_id is None:
        return []
    return [
        m.organisation
        for m in Membership.objects.filter(
            user_id=user_id,
            role=Role.OPERATOR_111,
            active=True,
            organisation__kind=OrganisationKind.HELPLINE,
        ).select_related("organisation")
    ]
