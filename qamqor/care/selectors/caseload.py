"""A psychologist's caseload: the children in their care and what is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from qamqor.accounts import policy
from qamqor.accounts.models import User
from qamqor.care import hooks
from qamqor.care.models import (
    Consultation,
    CrisisBasis,
)
from qamqor.care.selectors.common import LIST_LIMIT, episode_usage

# --- caseload -----------------------------------------------------------------------------


@dataclass
class Caseload:
    active: list[dict[str, Any]]
    next_appointments: list[Consultation]
    overdue_follow_ups: list[Consultation]
    crisis: list[CrisisBasis]
    incoming: list[Any]
    assigned: list[Any]
    outgoing: list[Any]


def caseload(user: User, now: datetime | None = None) -> Caseload:
    """A psychologist's caseload: active children, appointments, overdue follow-ups,
    crisis sessions used, and the referrals waiting for them (a fixed number of queries)."""
    now = now or timezone.now()
    care = policy.care_scope_for(user)
    since = now - timedelta(days=settings.CASELOAD_ACTIVE_DAYS)
    mine = Consultation.objects.filter(psychologist=user)
    seen = (
        mine.filter(child__isnull=False, held_at__gte=since)
        .values("child_id")
        .annotate(sessions=Count("pk"))
    )
    sessions = {row["child_id"]: row["sessions"] for row in seen}
    last: dict[int, Consultation] = {}
    for consultation in (
        mine.filter(child_id__in=list(sessions))
        .select_related("child", "organisation")
        .order_by("child_id", "-held_at")
    ):
        if consultation.child_id is not None:
            last.setdefault(consultation.child_id, consultation)
    referrals = hooks.restricted_referrals(user)
    status = referrals.model.Status  # the referral's states, from the app that holds them
    assigned = list(
        referrals.filter(assigned_to=user, status=status.ACCEPTED)
        .select_related("child", "from_organisation", "to_organisation")
        .order_by("respond_by")[:LIST_LIMIT]
    )
    active = [
        {
            "child": consultation.child,
            "last_seen": consultation.held_at,
            "sessions": sessions[child_id],
            "basis": consultation.basis,
            "organisation": consultation.organisation,
            "next_appointment_at": consultation.next_appointment_at,
        }
        for child_id, consultation in last.items()
    ]
    known = set(last)
    for referral in assigned:
        if referral.child_id not in known:
            known.add(referral.child_id)
            active.append(
                {
                    "child": referral.child,
                    "last_seen": None,
                    "sessions": 0,
                    "basis": "",
                    "organisation": referral.to_organisation,
                    "next_appointment_at": None,
                }
            )
    active.sort(key=lambda row: row["last_seen"] or now, reverse=True)
    open_appointments = mine.filter(follow_up_done=False, next_appointment_at__isnull=False)
    crisis = list(
        CrisisBasis.objects.open()
        .filter(organisation_id__in=care.psc_org_ids)
        .select_related("organisation", "child")
        .annotate(sessions_count=Count("sessions"))
        .order_by("recorded_at")[:LIST_LIMIT]
    )
    usage = episode_usage(crisis)
    for basis in crisis:
        basis.used = usage[basis.pk]  # type: ignore[attr-defined]
    referrals = referrals.select_related("child", "from_organisation", "to_organisation")
    return Caseload(
        active=active[:LIST_LIMIT],
        next_appointments=list(
            open_appointments.filter(next_appointment_at__gte=now)
            .select_related("child", "organisation")
            .order_by("next_appointment_at")[:LIST_LIMIT]
        ),
        overdue_follow_ups=list(
            open_appointments.filter(next_appointment_at__lt=now)
            .select_related("child", "organisation")
            .order_by("next_appointment_at")[:LIST_LIMIT]
        ),
        crisis=crisis,
        incoming=list(
            referrals.filter(
                to_organisation_id__in=care.referral_org_ids, status=status.SENT
            ).order_by("respond_by")[:LIST_LIMIT]
        ),
        assigned=assigned,
        outgoing=list(
            referrals.filter(from_organisation_id__in=care.referral_org_ids)
            .exclude(status__in=[status.CANCELLED])
            .order_by("-sent_at")[:20]
        ),
    )
