"""What the care selectors share: list limits, the PSC kinds, a crisis episode's use."""

from __future__ import annotations

from collections import defaultdict

from qamqor.care.models import CrisisBasis
from qamqor.directory.models import OrganisationKind

PSC_KINDS = (OrganisationKind.PSC, OrganisationKind.PSC_BRANCH)
LIST_LIMIT = 200


def episode_usage(bases: list[CrisisBasis]) -> dict[int, int]:
    """For each open basis: crisis sessions of its episode (earlier unsuperseded bases too)."""
    result: dict[int, int] = {}
    by_child_root: dict[tuple[int, int], int] = defaultdict(int)
    for basis in bases:
        if not basis.superseded_by_consent:
            root = basis.organisation.parent_id or basis.organisation_id
            by_child_root[(basis.child_id, root)] += basis.sessions_count  # type: ignore[attr-defined]
    for basis in bases:
        root = basis.organisation.parent_id or basis.organisation_id
        result[basis.pk] = (
            by_child_root[(basis.child_id, root)]
            if not basis.superseded_by_consent
            else basis.sessions_count  # type: ignore[attr-defined]
        )
    return result
