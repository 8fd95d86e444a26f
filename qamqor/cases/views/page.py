"""The case page: a case with its protocol steps, parties, classification, interagency
thread and timeline, shown again with a form's errors after a refused change; the
printable summary.

Every read goes through ``cases.selectors.get_case_for_user`` (404 outside the scope,
audited). Forms on the case page carry a prefix each, so that a re-shown form with its
errors never clashes with another one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.accounts.second_factor import fresh_second_factor
from qamqor.cases import parties as party_services
from qamqor.cases import selectors as case_selectors
from qamqor.cases import thread as thread_services
from qamqor.cases.forms import CloseCaseForm
from qamqor.cases.models import Case
from qamqor.cases.reclassification import ReclassifyForm
from qamqor.cases.timeline import case_safety_alerts, timeline
from qamqor.intake import alerts as intake_alerts
from qamqor.pages import user_of
from qamqor.protocols.models import FINISHED, ProtocolRun, Step
from qamqor.protocols.outputs import describe_output, recorder_must_hold, step_form_class

CHILD_PREFIX = "child"
REPRESENTATIVE_PREFIX = "representative"
RECLASSIFY_PREFIX = "reclassify"
MESSAGE_PREFIX = "message"


def step_prefix(step: Step) -> str:
    return f"step-{step.key}"


def representative_prefix(pk: int) -> str:
    return f"{REPRESENTATIVE_PREFIX}-{pk}"


def _can_complete(user: User, case: Case, step: Step) -> bool:
    return (
        not case.is_closed
        and step.status == Step.Status.OPEN
        and step.run.ended_at is None
        and access.permits(user, "complete", step)
    )


def _may_fill(user: User, case: Case, step: Step) -> bool:
    """Whether the step's form is offered to the user: they may complete it and hold the
    qualification it requires (brief 1.2.4)."""
    if not _can_complete(user, case, step):
        return False
    return recorder_must_hold(step.spec) != "interview" or user.interview_qualified


def output_rows(step: Step) -> list[tuple[str, str]]:
    """A finished step's output as (label, value) rows. A step carried over from the
    protocol the case ran before may hold fields this protocol names differently: they
    are shown as recorded rather than dropped."""
    output = step.output or {}
    if not output:
        return []
    spec = step.spec
    rows = describe_output(spec, output)
    known = {output_field.key for output_field in spec.output.fields}
    for key, value in output.items():
        if key not in known:
            rows.append((key.replace("_", " ").capitalize(), str(value)))
    return rows


@dataclass
class StepRow:
    step: Step
    form: forms.Form | None = None
    output: list[tuple[str, str]] = field(default_factory=list)
    needs_interview: bool = False
    unqualified: bool = False  # accountable, but without the interview qualification


def _step_row(user: User, case: Case, step: Step, bound: dict[str, forms.Form]) -> StepRow:
    spec = step.spec
    row = StepRow(step=step, needs_interview=spec.requires_qualification == "interview")
    if step.status == Step.Status.DONE:
        row.output = output_rows(step)
    if _can_complete(user, case, step):
        if recorder_must_hold(spec) == "interview" and not user.interview_qualified:
            row.unqualified = True
        else:
            prefix = step_prefix(step)
            row.form = bound.get(prefix) or step_form_class(step)(prefix=prefix)
    return row


@dataclass
class EarlierRun:
    run: ProtocolRun
    rows: list[StepRow]


def _step_sections(
    user: User, case: Case, steps: list[Step], runs: list[ProtocolRun], bound: dict[str, Any]
) -> tuple[list[StepRow], list[EarlierRun]]:
    """The steps of the protocol the case runs now, and those of the ones it ran before."""
    current: list[StepRow] = []
    earlier: dict[int, list[StepRow]] = {run.pk: [] for run in runs if run.ended_at is not None}
    for step in steps:
        row = _step_row(user, case, step, bound)
        if step.run_id in earlier:
            earlier[step.run_id].append(row)
        else:
            current.append(row)
    history = [EarlierRun(run=run, rows=earlier[run.pk]) for run in runs if run.pk in earlier]
    return current, list(reversed(history))


def _case_context(
    request: HttpRequest,
    case: Case,
    *,
    bound: dict[str, Any] | None = None,
    steps_alert: str | None = None,
    steps_notice: str | None = None,
    with_thread: bool = True,
) -> dict[str, Any]:
    """Everything the case page shows; ``bound`` holds forms to show again with errors,
    by prefix (``close`` for the closing form)."""
    user = user_of(request)
    bound = bound or {}
    steps = list(case.steps.all())
    runs = list(case.protocol_runs.select_related("protocol").order_by("started_at", "pk"))
    current_run = next((run for run in reversed(runs) if run.ended_at is None), None)
    step_rows, earlier_runs = _step_sections(user, case, steps, runs, bound)
    parties = party_services.case_parties(case)
    open_case = not case.is_closed
    can_close = open_case and access.permits(user, "close", case)
    can_edit_parties = open_case and access.permits(user, "edit_parties", case)
    representatives = [
        {
            "person": entry.person,
            "party": entry,
            "form": (
                bound.get(representative_prefix(entry.person.pk))
                or party_services.LegalRepresentativeForm(
                    prefix=representative_prefix(entry.person.pk),
                    initial={
                        "full_name": entry.person.full_name,
                        "relationship": entry.person.relationship,
                        "phone": entry.person.phone,
                        "email": entry.person.email,
                        "language": entry.person.language,
                        "is_alleged_perpetrator": entry.is_alleged_perpetrator,
                        "do_not_contact": entry.do_not_contact,
                        "do_not_contact_reason": entry.do_not_contact_reason,
                    },
                )
            )
            if can_edit_parties
            else None,
        }
        for entry in parties.entries
    ]
    # The case page's own read is audited (case.read); the thread is part of it.
    thread = (
        thread_services.open_thread(case=case, reader=user, audit_read=False)
        if with_thread
        else None
    )
    can_post = open_case and thread is not None and thread.organisation is not None
    safety_alerts = case_safety_alerts(case)  # one query for the page and the timeline
    return {
        "case": case,
        "safety_alerts": [
            {
                "alert": alert,
                "may_acknowledge": alert.acknowledged_at is None
                and intake_alerts.may_acknowledge(user, alert),
            }
            for alert in safety_alerts
        ],
        "runs": runs,
        "current_run": current_run,
        "step_rows": step_rows,
        "earlier_runs": earlier_runs,
        "steps_unfinished": any(step.status not in FINISHED for step in steps),
        "parties": parties,
        "representatives": representatives,
        "can_edit_parties": can_edit_parties,
        "child_form": (
            bound.get(CHILD_PREFIX)
            or party_services.ChildForm(prefix=CHILD_PREFIX, initial={"sex": case.child_sex})
        )
        if can_edit_parties and parties.child is None
        else None,
        "representative_form": (
            bound.get(REPRESENTATIVE_PREFIX)
            or party_services.LegalRepresentativeForm(prefix=REPRESENTATIVE_PREFIX)
        )
        if can_edit_parties and parties.child is not None
        else None,
        "reclassify_form": (
            bound.get(RECLASSIFY_PREFIX)
            or ReclassifyForm(prefix=RECLASSIFY_PREFIX, initial=ReclassifyForm.current(case))
        )
        if can_close
        else None,
        "can_close": can_close,
        "close_form": (bound.get("close") or CloseCaseForm()) if can_close else None,
        "thread": thread,
        "can_post": can_post,
        "message_form": (
            bound.get(MESSAGE_PREFIX) or thread_services.MessageForm(prefix=MESSAGE_PREFIX)
        )
        if can_post
        else None,
        "timeline": timeline(
            case,
            steps,
            runs=runs,
            representatives=parties.representatives,
            safety_alerts=safety_alerts,
        ),
        "steps_alert": steps_alert,
        "steps_notice": steps_notice,
    }


def _case(
    request: HttpRequest, number: str, *, audit_read: bool = False, read_as: str = "case.read"
) -> Case:
    return case_selectors.get_case_for_user(
        user_of(request), number, audit_read=audit_read, read_as=read_as
    )


def _show_again(
    request: HttpRequest,
    number: str,
    *,
    bound: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    """The case page again, with the forms in ``bound`` showing their errors (a read of
    the case, audited as such)."""
    case = _case(request, number, audit_read=True)
    context = _case_context(request, case, bound=bound)
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
@require_safe
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number, audit_read=True)
    return render(request, "cases/case_detail.html", _case_context(request, case))


@login_required
@require_safe
@fresh_second_factor
def case_summary(request: HttpRequest, number: str) -> HttpResponse:
    """A print-styled summary of the case. Every view is audited as ``case.print``: a
    printed case leaves the system (brief 1.4.1)."""
    case = _case(request, number, audit_read=True, read_as="case.print")
    steps = list(case.steps.all())
    runs = list(case.protocol_runs.select_related("protocol").order_by("started_at", "pk"))
    parties = party_services.case_parties(case)
    rows = [StepRow(step=step, output=output_rows(step)) for step in steps]
    return render(
        request,
        "cases/case_summary.html",
        {
            "case": case,
            "runs": runs,
            "current_run": next((r for r in reversed(runs) if r.ended_at is None), None),
            "step_rows": [row for row in rows if row.step.run.ended_at is None],
            "earlier_rows": [row for row in rows if row.step.run.ended_at is not None],
            "child": parties.child,
            "timeline": timeline(case, steps, runs=runs, representatives=parties.representatives),
            "printed_at": timezone.now(),
            "printed_by": user_of(request),
        },
    )
