"""Reads of the 111 center; who sees which card or call record is ``helpline.rules``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404

from qamqor.accounts.models import Membership, Role
from qamqor.audit import services as audit
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.helpline.models import CallCard, CallRecord


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


def get_card_for_user(user: Any, public_id: UUID) -> CallCard:
    """A call card the user may see, else a 404 (to change it: a change writes its own
    event)."""
    card = (
        CallCard.objects.restrict(user, "view")
        .select_related(
            "helpline",
            "school__region",
            "district__region",
            "region",
            "danger_alerted_to",
            "report",
            "call",
            "operator",
        )
        .filter(public_id=public_id)
        .first()
    )
    if card is None:
        raise Http404("call card")
    return card


def read_card(user: Any, public_id: UUID) -> CallCard:
    """A call card the user may see, its read audited (the card page shown)."""
    card = get_card_for_user(user, public_id)
    audit.record(
        actor=user, action="call_card.read", object_type="call_card", object_id=card.public_id
    )
    return card


def latest_calls(user: Any, limit: int) -> list[CallRecord]:
    """The center's latest ``limit`` calls the user may see, newest first; the list read is
    audited."""
    records = list(CallRecord.objects.restrict(user, "view").select_related("card")[:limit])
    audit.record_list(actor=user, object_type="call", object_ids=[r.external_id for r in records])
    return records
