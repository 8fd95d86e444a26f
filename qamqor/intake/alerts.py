"""Life-safety alerts: a child in danger now (or at risk of suicide) reaches the on-duty
responders at once (brief 1.3.5) — the region's police duty unit and PSC — and the alert
repeats every ``LIFE_SAFETY_REPEAT_MINUTES`` until one of them acknowledges it. From the
second round the region's coordinators are told as well.

The alert is raised when the report is submitted, on every channel, before anyone triages
it. Every round names the case (or, before registration, the report) it is about; it
stops when a responder acknowledges it, or when the case's immediate-safety step is done
(``IMMEDIATE_SAFETY_STEPS``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access, policy
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.errors import Conflict, NotAllowed
from qamqor.intake.models import LifeSafetyAlert, Report
from qamqor.notify import services as notify
from qamqor.units import entry_point

RESPONDER_KINDS = (OrganisationKind.POLICE_DUTY, OrganisationKind.PSC)
SWEEP_BATCH = 200
#: The protocol steps whose completion means the child has been made safe, so the alert
#: stops repeating: the suicide-risk protocol's "make the child safe now" and the other
#: protocols' "send emergency help" (see docs/intake.md, life-safety alerts).
IMMEDIATE_SAFETY_STEPS = frozenset({"immediate_safety", "emergency_response"})


def subject_links(report: Report) -> dict[str, str]:
    """What every round names: the case page once the report is registered, else the
    report's triage page (absolute addresses, for email as well as in-app)."""
    base = settings.SITE_URL
    if report.case_id is not None and report.case is not None:
        return {"case_url": base + reverse("case-detail", args=[report.case.number])}
    return {"report_url": base + reverse("report-detail", args=[report.public_id])}


def alert_link(report: Report) -> str:
    """The alert's page, which every round's notification links to."""
    return reverse("life-safety-alert", args=[report.public_id])


def _read_by(actor: User | None, alert: LifeSafetyAlert) -> None:
    """Whoever acknowledged the alert has seen it: their own rounds are read, not pinned."""
    notify.mark_acted_on(actor, template="life_safety_alert", link=alert_link(alert.report))


def responders_for(report: Report) -> list[Organisation]:
    """One organisation per responder kind: the school's district first, else the region's."""
    district_id = report.school.district_id if report.school else None
    found = []
    for kind in RESPONDER_KINDS:
        candidates = Organisation.objects.filter(kind=kind, region_id=report.region_id)
        chosen = (
            candidates.filter(district_id=district_id).order_by("pk").first()
            if district_id
            else None
        )
        chosen = chosen or candidates.order_by("pk").first()
        if chosen is not None:
            found.append(chosen)
    return found


def _send(alert: LifeSafetyAlert, round_number: int, responders: list[Organisation]) -> int:
    report = alert.report
    context: dict[str, Any] = {
        "report": report,
        "round": round_number,
        "reason": alert.reason,
        **subject_links(report),
    }
    link = alert_link(report)
    sent = 0
    for organisation in responders:
        sent += notify.notify_organisation(
            organisation,
            "life_safety_alert",
            context,
            key=f"life-safety:{alert.pk}:{round_number}:{organisation.pk}",
            case=report.case,
            link=link,
        )
    if round_number > 1:
        sent += notify.notify_users(
            policy.regional_coordinators(report.region_id),
            "life_safety_alert",
            context,
            key=f"life-safety:{alert.pk}:{round_number}:coordinators",
            case=report.case,
            link=link,
        )
    return sent


def reason_for(*, in_danger_now: bool, self_harm_risk: bool) -> str | None:
    """The alert a report or case calls for, if any (suicide risk names the reason when
    both hold: it decides the protocol and what responders bring)."""
    if self_harm_risk:
        return LifeSafetyAlert.Reason.SUICIDE_RISK
    if in_danger_now:
        return LifeSafetyAlert.Reason.IN_DANGER_NOW
    return None


def raise_alert(
    report: Report,
    *,
    reason: str = "in_danger_now",
    already_told: Sequence[Organisation] = (),
) -> LifeSafetyAlert:
    """Create the alert and send the first round (inside the caller's transaction; the
    outbox delivers after commit). A report already alerted keeps its one alert.

    ``already_told`` are responders alerted a moment before by the channel itself (the 111
    card's "in danger now" button): they are responders of the alert, so later rounds and
    the acknowledgement include them, but the first round is not sent to them again."""
    existing = LifeSafetyAlert.objects.filter(report=report).first()
    if existing is not None:
        return existing
    now = timezone.now()
    alert = LifeSafetyAlert.objects.create(
        report=report,
        reason=reason,
        raised_at=now,
        next_at=now + timedelta(minutes=settings.LIFE_SAFETY_REPEAT_MINUTES),
        attempts=1,
        rounds=[now.isoformat()],
    )
    # Raised at registration, the report row already names its case (set by a queryset
    # update the caller's instance has not seen): the first round then links the case.
    report.refresh_from_db(fields=["case"])
    told = list(already_told)
    responders = responders_for(report)
    told_kinds = {o.kind for o in told}
    responders = told + [o for o in responders if o.kind not in told_kinds]
    alert.responders.set(responders)
    _send(alert, 1, [o for o in responders if o not in told])
    audit.record(
        actor=None,
        action="report.life_safety_alert",
        object_type="report",
        object_id=report.public_id,
        changes={
            "reason": reason,
            "responders": [o.code for o in responders],
            "already_told": [o.code for o in told],
        },
    )
    return alert


def repeat_unacknowledged(now: datetime | None = None) -> int:
    """The sweep: send the next round of every alert nobody acknowledged in time.

    Each alert is claimed by moving its ``next_at`` with a conditional UPDATE, so two
    workers running the sweep at once never send the same round twice.
    """
    now = now or timezone.now()
    repeat = timedelta(minutes=settings.LIFE_SAFETY_REPEAT_MINUTES)
    due = list(
        LifeSafetyAlert.objects.filter(acknowledged_at__isnull=True, next_at__lte=now)
        .values_list("pk", "next_at", "attempts")
        .order_by("next_at")[:SWEEP_BATCH]
    )
    rounds = 0
    for pk, next_at, attempts in due:
        with transaction.atomic():
            claimed = LifeSafetyAlert.objects.filter(
                pk=pk, next_at=next_at, acknowledged_at__isnull=True
            ).update(next_at=now + repeat, attempts=F("attempts") + 1)
            if not claimed:
                continue
            alert = LifeSafetyAlert.objects.select_related("report__school", "report__case").get(
                pk=pk
            )
            alert.rounds = [*alert.rounds, now.isoformat()]
            alert.save(update_fields=["rounds"])
            _send(alert, attempts + 1, list(alert.responders.order_by("pk")))
            rounds += 1
    return rounds


def may_acknowledge(user: User, alert: LifeSafetyAlert) -> bool:
    """A member of a responder organisation, or whoever may triage the report."""
    scope = policy.scope_for(user)
    responder_ids = {o.pk for o in alert.responders.all()}
    report = alert.report
    return bool(responder_ids & scope.organisation_ids) or access.permits(user, "triage", report)


@entry_point
def acknowledge(*, alert: LifeSafetyAlert, actor: User) -> LifeSafetyAlert:
    """Someone has taken the alert: the repeats stop."""
    if not may_acknowledge(actor, alert):
        raise NotAllowed(_("Only the on-duty responders or the report's handler can acknowledge."))
    now = timezone.now()
    updated = LifeSafetyAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=actor
    )
    if not updated:
        raise Conflict(_("The alert has already been acknowledged."))
    alert.refresh_from_db()
    _read_by(actor, alert)
    audit.record(
        actor=actor,
        action="report.life_safety_ack",
        object_type="report",
        object_id=alert.report.public_id,
        changes={"attempts": alert.attempts},
    )
    return alert


def acknowledge_by_step(*, case: Any, step_key: str, actor: User | None) -> int:
    """The case's immediate-safety step is done: the child has been made safe, so the
    alerts of its reports stop repeating (recorded as acknowledged by the step's author,
    with the step). Returns how many alerts were acknowledged."""
    if step_key not in IMMEDIATE_SAFETY_STEPS:
        return 0
    now = timezone.now()
    pending = list(
        LifeSafetyAlert.objects.filter(report__case=case, acknowledged_at__isnull=True)
        .select_related("report")
        .order_by("pk")
    )
    done = 0
    for alert in pending:
        updated = LifeSafetyAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor, acknowledged_step=step_key
        )
        if not updated:
            continue
        done += 1
        _read_by(actor, alert)
        audit.record(
            actor=actor,
            action="report.life_safety_ack",
            object_type="report",
            object_id=alert.report.public_id,
            changes={"attempts": alert.attempts, "step": step_key},
        )
    return done


def on_step_completed(sender: Any, step: Any, actor: User | None = None, **kwargs: Any) -> None:
    """``protocols.signals.step_completed`` receiver (connected in the app's ready())."""
    acknowledge_by_step(case=step.case, step_key=step.key, actor=actor)
