"""Reads of cases, always through the access policy, each read audited."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.cases.models import Case, CaseEvent
from qamqor.protocols.models import Step


def case_list(user: User, **filters: object) -> QuerySet[Case]:
    """Cases the user may see, with what a list shows, in a fixed number of queries.

    Listing is a read of case data too: the page and the API audit each page they serve,
    naming the cases on it (``qamqor.pages.paginate``, ``qamqor.apikit.AuditedPagination``).
    """
    return (
        Case.objects.restrict(user, "view")
        .select_related("region", "school")
        .prefetch_related("forms")
        .order_by("-registered_at", "-pk")
    )


def get_case_for_user(user: User, number: str, *, audit_read: bool = True) -> Case:
    """The case, if the user may see it; otherwise 404 (never 403). The read is audited."""
    case = (
        Case.objects.restrict(user, "view")
        .select_related("region", "school", "received_by", "registered_by", "closed_by")
        .prefetch_related(
            "forms",
            Prefetch(
                "steps",
                queryset=Step.objects.select_related(
                    "organisation", "contact_person", "completed_by", "run__protocol"
                ).order_by("position"),
            ),
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
        )
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404("case")
    if audit_read:
        audit.record(actor=user, action="case.read", object_type="case", object_id=case.number)
    return case
