"""Supervision sessions and their hosts, and the work log's weeks and suggested hours."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, QuerySet, Sum

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.care.models import (
    Consultation,
    ConsultationBasis,
    SupervisionSession,
    WorkCategory,
    WorkEntry,
)
from qamqor.directory.models import Organisation
from qamqor.protocols.workdays import ALMATY

# --- supervision --------------------------------------------------------------------------


def supervision_sessions(user: User) -> QuerySet[SupervisionSession]:
    return (
        SupervisionSession.objects.restrict(user, "view")
        .select_related("organisation", "facilitator")
        .prefetch_related(Prefetch("participants", queryset=User.objects.order_by("username")))
        .order_by("-held_at", "-pk")
    )


def supervision_hosts(user: User) -> list[Organisation]:
    """The organisations the user records supervision for (2.3.3): where they work in
    care, else the education department or the coordinating body they coordinate from.

    The page offers these and the API falls back to the only one, so both record a
    session for the same organisation (``forms.supervision_arguments``).
    """
    for action in ("refer", "coordinate_region", "coordinate_nationally"):
        hosts = list(access.organisations(user, action).order_by("name_en"))
        if hosts:
            return hosts
    return []


# --- work log -----------------------------------------------------------------------------


def work_week(user: User, organisation: Organisation, week: date) -> dict[str, Decimal]:
    """The hours the user logged for that week, by category (0 where nothing)."""
    entries = WorkEntry.objects.filter(
        week__user=user, week__organisation=organisation, week__week_start=week
    ).values_list("category", "hours")
    hours = dict.fromkeys(WorkCategory.values, Decimal(0))
    hours.update(dict(entries))
    return hours


def suggested_hours(user: User, organisation: Organisation, week: date) -> dict[str, Decimal]:
    """Hours already recorded elsewhere this week (consultations, supervision), offered
    as a starting point so the weekly form takes a minute."""
    start = datetime.combine(week, time(0, 0), tzinfo=ALMATY)
    end = start + timedelta(days=7)
    minutes: dict[str, int] = defaultdict(int)
    for basis, total in (
        Consultation.objects.filter(
            psychologist=user, organisation=organisation, held_at__gte=start, held_at__lt=end
        )
        .values_list("basis")
        .annotate(total=Sum("duration_minutes"))
        .order_by()
    ):
        if basis == ConsultationBasis.GROUP:
            minutes[WorkCategory.GROUP_WORK] += total
        elif basis == ConsultationBasis.CRISIS:
            minutes[WorkCategory.CRISIS_RESPONSE] += total
        else:
            minutes[WorkCategory.CONSULTATION] += total
    supervision = SupervisionSession.objects.filter(
        participants=user, held_at__gte=start, held_at__lt=end
    ).aggregate(total=Sum("duration_minutes"))["total"]
    if supervision:
        minutes[WorkCategory.SUPERVISION] += supervision
    return {
        category: (Decimal(value) / 60 * 4).quantize(Decimal(1), ROUND_HALF_UP) / 4
        for category, value in minutes.items()
    }
