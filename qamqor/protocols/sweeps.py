"""Periodic sweeps: reminders before a step is due, escalation when it is overdue (1.3.3).

Each reminder and each escalation level is claimed with an UPDATE guarded by the old
value, so sweeps running in several workers at once act once per step and notify once.
The candidates come from the partial index on open steps' deadlines, so the sweeps do
not slow down as closed history grows.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from qamqor.accounts import policy
from qamqor.cases.models import CaseEvent
from qamqor.notify import services as notify
from qamqor.protocols.models import ProtocolVersion, Step

MAX_REMINDER_LEAD = timedelta(hours=24)
BATCH = 500


def reminder_lead(step: Step) -> timedelta:
    """How long before the deadline the accountable organisation is reminded.

    The step's ``reminder_hours_before`` if set; otherwise a quarter of the time it was
    given, between one hour and one day.
    """
    hours = step.spec.reminder_hours_before
    if hours:
        return timedelta(hours=hours)
    assert step.due_at is not None and step.opened_at is not None  # noqa: S101  open steps have both
    quarter = (step.due_at - step.opened_at) / 4
    return max(timedelta(hours=1), min(quarter, MAX_REMINDER_LEAD))


def _context(step: Step) -> dict[str, Any]:
    return {
        "case": step.case,
        "step_title": step.spec.title.model_dump(),
        "organisation": step.organisation,
        "due_at": step.due_at,
    }


def _longest_lead(version: ProtocolVersion) -> timedelta:
    """The earliest a step of this version can be reminded before its deadline."""
    hours = [step.reminder_hours_before for step in version.spec.steps]
    return max([MAX_REMINDER_LEAD, *(timedelta(hours=h) for h in hours if h)])


def send_reminders(now: datetime | None = None) -> int:
    """Remind each open step's organisation once, shortly before the deadline (1.3.3).

    Every open step whose deadline is within its protocol's longest reminder lead is
    looked at, in deadline order, until ``BATCH`` reminders are sent: a step not yet due
    for its reminder does not use up the batch, so it cannot hold back one that is.
    """
    now = now or timezone.now()
    versions = {version.pk: version for version in ProtocolVersion.objects.all()}
    by_lead: dict[timedelta, list[int]] = defaultdict(list)
    for version in versions.values():
        by_lead[_longest_lead(version)].append(version.pk)
    if not by_lead:
        return 0
    window = reduce(
        operator.or_,
        (Q(run__protocol_id__in=pks, due_at__lte=now + lead) for lead, pks in by_lead.items()),
    )
    candidates = (
        Step.objects.filter(status=Step.Status.OPEN, due_at__gt=now, reminded_at__isnull=True)
        .filter(window)
        .select_related("case", "organisation", "run")
        .order_by("due_at", "pk")
    )
    count = 0
    after: Q | None = None
    while count < BATCH:
        chunk = list((candidates.filter(after) if after else candidates)[:BATCH])
        if not chunk:
            break
        last = chunk[-1]
        after = Q(due_at__gt=last.due_at) | Q(due_at=last.due_at, pk__gt=last.pk)
        for step in chunk:
            step.run.protocol = versions[step.run.protocol_id]  # parsed once, not per row
            assert step.due_at is not None  # noqa: S101  filtered on
            if now < step.due_at - reminder_lead(step):
                continue
            if _remind(step, now):
                count += 1
                if count >= BATCH:
                    break
    return count


def _remind(step: Step, now: datetime) -> bool:
    with transaction.atomic():
        if not Step.objects.filter(pk=step.pk, reminded_at__isnull=True).update(reminded_at=now):
            return False
        CaseEvent.objects.create(
            case=step.case,
            kind=CaseEvent.Kind.STEP_REMINDED,
            at=now,
            payload={"step": step.key, "organisation": step.organisation.code},
        )
        notify.notify_organisation(
            step.organisation,
            "step_reminder",
            _context(step),
            key=f"step-reminder:{step.pk}",
            case=step.case,
            link=reverse("case-detail", args=[step.case.number]),
        )
    return True


def _escalation_due(now: datetime) -> Q:
    """Open steps with an escalation level due now: past the deadline and not yet sent to
    the region, or past the deadline plus their protocol's ``national_after_hours`` and not
    yet sent to the nation. Steps waiting for the national level are not candidates, so
    they cannot fill the batch and starve newer overdue steps."""
    waits: dict[int, list[int]] = defaultdict(list)
    for version in ProtocolVersion.objects.only("pk", "checksum", "definition", "code", "version"):
        waits[version.spec.escalation.national_after_hours].append(version.pk)
    due = Q(escalation_level=0, due_at__lt=now)
    for hours, versions in waits.items():
        due |= Q(
            escalation_level=1,
            run__protocol_id__in=versions,
            due_at__lt=now - timedelta(hours=hours),
        )
    return due


def escalate_overdue(now: datetime | None = None) -> int:
    """Escalate overdue open steps: to the region's coordinators at the deadline, to the
    national coordinator after the protocol's ``national_after_hours`` (1.3.3). Returns how
    many escalations were made."""
    now = now or timezone.now()
    count = 0
    overdue = (
        Step.objects.filter(status=Step.Status.OPEN)
        .filter(_escalation_due(now))
        .select_related("case__region", "organisation", "run__protocol")
        .order_by("due_at", "pk")[:BATCH]
    )
    for step in overdue:
        assert step.due_at is not None  # noqa: S101  filtered on
        level = step.escalation_level
        with transaction.atomic():
            claimed = Step.objects.filter(pk=step.pk, escalation_level=level).update(
                escalation_level=level + 1, escalated_at=now
            )
            if not claimed:
                continue
            recipients = (
                policy.regional_coordinators(step.case.region_id)
                if level == 0
                else policy.national_coordinators()
            )
            CaseEvent.objects.create(
                case=step.case,
                kind=CaseEvent.Kind.STEP_ESCALATED,
                at=now,
                payload={
                    "step": step.key,
                    "organisation": step.organisation.code,
                    "level": level + 1,
                    "to": "regional_coordinator" if level == 0 else "national_coordinator",
                },
            )
            notify.notify_users(
                recipients,
                "step_overdue",
                _context(step),
                key=f"step-overdue:{step.pk}:{level + 1}",
                case=step.case,
                link=reverse("case-detail", args=[step.case.number]),
            )
            count += 1
    return count
