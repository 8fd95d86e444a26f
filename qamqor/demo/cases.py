"""The demo's cases: registered through ``cases.services``, their steps completed through
the protocol engine, closed when every step is done, then moved back in time.

The services write everything at the moment of seeding; ``_backdate`` moves the steps,
the case, its protocol run, its timeline and its notifications back to the planned history,
with deadlines recomputed by the engine's own ``due_at``, so a step left open long enough
is overdue. The audit log, which is append-only, keeps the real time of seeding.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import dateformat, timezone

from qamqor.accounts.models import User
from qamqor.cases import services as case_services
from qamqor.cases.models import Case, CaseEvent
from qamqor.classification import Outcome
from qamqor.demo.world import DemoWorld, between, weighted
from qamqor.intake.models import Report
from qamqor.notify.models import Notification
from qamqor.protocols import services as protocol_services
from qamqor.protocols import sweeps as protocol_sweeps
from qamqor.protocols.models import FINISHED, ProtocolRun, Step
from qamqor.protocols.outputs import sample_output
from qamqor.protocols.workdays import ALMATY

_OUTCOMES = (
    (Outcome.RIGHTS_RESTORED, 60),
    (Outcome.REFERRED, 20),
    (Outcome.NOT_CONFIRMED, 15),
    (Outcome.OTHER, 5),
)


def follow(
    world: DemoWorld,
    *,
    report: Report,
    registrar: User,
    closer: User,
    classification: dict[str, Any],
    outcome: str,
    received_at: datetime,
    registered_at: datetime,
) -> Case:
    """Register the report as a case and take it as far as ``outcome`` (a case status)."""
    case = case_services.register_case.within(
        report=report, actor=registrar, classification=classification
    )
    completed = _complete_steps(world, case, outcome)
    closed = False
    if (
        outcome == Case.Status.CLOSED
        and not Step.objects.filter(case=case).exclude(status__in=FINISHED).exists()
    ):
        case_services.close_case.within(
            case=case,
            actor=closer,
            outcome=weighted(world.rng, _OUTCOMES),
            note="Synthetic demo case: closed after every protocol step was done.",
        )
        closed = True
    _backdate(world, case, received_at, registered_at, completed, closed)
    case.refresh_from_db(fields=["status"])
    world.summary.cases[case.status] += 1
    return case


def escalate_overdue(world: DemoWorld) -> None:
    """Run the escalation sweep until it finds nothing more, as the worker would have."""
    while escalated := protocol_sweeps.escalate_overdue():
        world.summary.escalated += escalated


def _complete_steps(world: DemoWorld, case: Case, outcome: str) -> list[int]:
    """Complete steps through the protocol engine; returns their ids in order done."""
    if outcome == Case.Status.REGISTERED:
        return []
    rng = world.rng
    total = Step.objects.filter(case=case).exclude(status__in=FINISHED).count()
    goal = total if outcome == Case.Status.CLOSED else rng.randint(1, max(1, total - 1))
    completed: list[int] = []
    while len(completed) < goal:
        candidates = [
            step
            for step in Step.objects.filter(case=case, status=Step.Status.OPEN)
            .select_related("run__protocol", "organisation", "case")
            .order_by("position")
            if world.members.get(step.organisation_id)
        ]
        if not candidates:
            break
        step = rng.choice(candidates)
        protocol_services.complete_step.within(
            step=step,
            actor=rng.choice(world.members[step.organisation_id]),
            output=sample_output(
                step.spec,
                f"Synthetic demo output for '{step.key}' (no real child or person involved)",
            ),
        )
        completed.append(step.pk)
    return completed


def _local_date(moment: datetime) -> str:
    """A moment as the notification templates write it (``d.m.Y H:i``, Almaty time)."""
    return dateformat.format(timezone.localtime(moment, ALMATY), "d.m.Y H:i")


def _backdate(
    world: DemoWorld,
    case: Case,
    received_at: datetime,
    registered_at: datetime,
    completed: list[int],
    closed: bool,
) -> None:
    """Move the rows the services wrote for this case back to its planned history.

    Steps open when their predecessors were done and are mostly done in time; deadlines
    are recomputed the engine's way, so a step left open long enough is overdue.
    """
    rng = world.rng
    latest = world.now - timedelta(minutes=1)
    case.registered_at = registered_at  # as the engine's deadlines will see it
    steps = {
        step.pk: step for step in Step.objects.filter(case=case).select_related("run__protocol")
    }
    old_due = {step.pk: step.due_at for step in steps.values()}
    done_at: dict[str, datetime] = {}

    def schedule(step: Step) -> tuple[datetime, datetime]:
        """Open the step when its predecessors were done; its deadline from then."""
        opened_at = max([registered_at, *(done_at[key] for key in step.spec.after)])
        due_at = protocol_services.due_at(
            step.spec, opened_at=opened_at, case=case, received=received_at
        )
        step.opened_at, step.due_at = opened_at, due_at
        return opened_at, due_at

    for pk in completed:
        step = steps[pk]
        opened_at, due_at = schedule(step)
        if rng.random() < 0.8:
            finish = opened_at + (due_at - opened_at) * rng.uniform(0.05, 0.9)
        else:
            finish = due_at + timedelta(hours=rng.uniform(6, 96))
        if finish > latest:
            finish = between(rng, opened_at, latest)
        step.completed_at = max(finish, opened_at)
        done_at[step.key] = step.completed_at
    for step in steps.values():
        if step.status == Step.Status.OPEN:
            schedule(step)
    Step.objects.bulk_update(steps.values(), ["opened_at", "due_at", "completed_at"])

    closed_at = None
    if closed:
        last = max(done_at.values(), default=registered_at)
        closed_at = last + timedelta(hours=rng.uniform(1, 72))
        if closed_at > latest:
            closed_at = max(last, between(rng, last, latest))
    Case.objects.filter(pk=case.pk).update(registered_at=registered_at, closed_at=closed_at)
    ProtocolRun.objects.filter(case=case).update(started_at=registered_at)
    _backdate_timeline(case, steps, closed_at, registered_at)
    _backdate_notifications(case, steps, old_due, closed_at)


def _backdate_timeline(
    case: Case, steps: dict[int, Step], closed_at: datetime | None, registered_at: datetime
) -> None:
    by_key = {step.key: step for step in steps.values()}
    events = list(CaseEvent.objects.filter(case=case))
    for event in events:
        step_key = event.payload.get("step")
        if event.kind == CaseEvent.Kind.STEP_OPENED and step_key in by_key:
            step = by_key[step_key]
            if step.opened_at and step.due_at:
                event.at = step.opened_at
                event.payload = {**event.payload, "due_at": step.due_at.isoformat()}
        elif event.kind == CaseEvent.Kind.STEP_COMPLETED and step_key in by_key:
            event.at = by_key[step_key].completed_at or event.at
        elif event.kind == CaseEvent.Kind.CLOSED and closed_at:
            event.at = closed_at
        elif event.kind in (CaseEvent.Kind.REGISTERED, CaseEvent.Kind.PROTOCOL_STARTED):
            event.at = registered_at
    CaseEvent.objects.bulk_update(events, ["at", "payload"])


def _backdate_notifications(
    case: Case,
    steps: dict[int, Step],
    old_due: dict[int, datetime | None],
    closed_at: datetime | None,
) -> None:
    """Step assignments and the closure notice at their new moments, with the new due date
    in the text."""
    notifications = list(Notification.objects.filter(case=case))
    for notification in notifications:
        kind, _, rest = notification.dedupe_key.partition(":")
        if kind == "step-assigned":
            step = steps[int(rest.split(":")[0])]
            if not step.opened_at:
                continue
            moment = step.opened_at
            before, after = old_due[step.pk], step.due_at
            if before and after:
                notification.body = notification.body.replace(
                    _local_date(before), _local_date(after)
                )
        elif kind == "case-closed" and closed_at:
            moment = closed_at
        else:
            continue
        notification.created_at = moment
        notification.next_attempt_at = moment
        if notification.sent_at:
            notification.sent_at = moment
    Notification.objects.bulk_update(
        notifications, ["created_at", "next_attempt_at", "sent_at", "body"]
    )
