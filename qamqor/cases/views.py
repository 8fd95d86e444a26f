"""The case pages: a case with its protocol steps, parties, classification, interagency
thread and timeline; the forms that change it; the printable summary.

Every read goes through ``cases.selectors.get_case_for_user`` (404 outside the scope,
audited); every change through a service, whose refusal is shown on its form with the
service's status code. Forms on the case page carry a prefix each, so that a re-shown
form with its errors never clashes with another one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.postgres.aggregates import StringAgg
from django.db.models import F, OuterRef, QuerySet, Subquery, TextField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qamqor import exports
from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.accounts.second_factor import fresh_second_factor
from qamqor.audit import services as audit
from qamqor.cases import parties as party_services
from qamqor.cases import selectors as case_selectors
from qamqor.cases import services as case_services
from qamqor.cases import thread as thread_services
from qamqor.cases.forms import CaseFilterForm, CloseCaseForm
from qamqor.cases.models import Case, CaseViolenceForm
from qamqor.cases.reclassification import ReclassifyForm, classification_of
from qamqor.cases.timeline import case_safety_alerts, timeline
from qamqor.classification import RiskLevel, Setting, ViolenceForm
from qamqor.directory.models import Organisation, Region
from qamqor.errors import DomainError
from qamqor.htmx import is_htmx, partial_response
from qamqor.intake import alerts as intake_alerts
from qamqor.pages import apply_domain_error, exportable, paginate, run_form, success, user_of
from qamqor.protocols import services as protocol_services
from qamqor.protocols.models import FINISHED, ProtocolRun, Step
from qamqor.protocols.outputs import describe_output, recorder_must_hold, step_form_class
from qamqor.protocols.selectors import step_on_case
from qamqor.translation import db_name

CHILD_PREFIX = "child"
REPRESENTATIVE_PREFIX = "representative"
RECLASSIFY_PREFIX = "reclassify"
MESSAGE_PREFIX = "message"


# --- list -------------------------------------------------------------------------------


def _case_rows(request: HttpRequest) -> tuple[Any, CaseFilterForm]:
    """The cases the list shows the user, with its filters (the page and its download)."""
    cases = case_selectors.case_list(user_of(request))
    filters = CaseFilterForm(request.GET)
    filters.is_valid()  # an unknown value is ignored, the valid filters still apply
    chosen = getattr(filters, "cleaned_data", {})
    if chosen.get("status"):
        cases = cases.filter(status=chosen["status"])
    if chosen.get("form"):
        cases = cases.filter(forms__code=chosen["form"])
    return cases, filters


_CASE_VALUES = (
    "pk",
    "number",
    "region_id",
    "school_id",
    "setting",
    "risk_level",
    "in_danger_now",
    "status",
    "registered_at",
    "closed_at",
)
_CASE_CHUNK_ROWS = 2000


def _add_names(
    model: type[Region] | type[Organisation], names: dict[int, str], ids: set[Any]
) -> None:
    """Add to ``names`` the name (in the active language) of each of ``ids`` not in it."""
    missing = {pk for pk in ids if pk is not None and pk not in names}
    if missing:
        for one in model.objects.filter(pk__in=missing).only("name_kk", "name_ru", "name_en"):
            names[one.pk] = one.name


def _case_values(cases: QuerySet[Case]) -> Iterator[tuple[Any, ...]]:
    """The export's rows as database values (brief 1.4.1, 3.1.1): only the exported
    columns are selected (never the encrypted summary or outcome note, so nothing is
    decrypted), labels come from dicts translated once per export, and the forms of
    violence of a chunk of cases are read in one query. Same cells as the columns of
    ``CASES`` give for a model row."""
    settings_ = {code: str(label) for code, label in Setting.choices}
    risks = {code: str(label) for code, label in RiskLevel.choices}
    statuses = {code: str(label) for code, label in Case.Status.choices}
    form_labels = {code: str(label) for code, label in ViolenceForm.choices}
    regions: dict[int, str] = {}  # names in the active language, read once each
    schools: dict[int, str] = {}
    values = (
        cases.select_related(None)
        .prefetch_related(None)
        .values_list(*_CASE_VALUES)
        .iterator(chunk_size=_CASE_CHUNK_ROWS)
    )
    while chunk := list(islice(values, _CASE_CHUNK_ROWS)):
        forms: dict[int, list[str]] = {}
        for case_id, code in (
            CaseViolenceForm.objects.filter(case_id__in=[row[0] for row in chunk])
            .order_by("pk")
            .values_list("case_id", "code")
        ):
            forms.setdefault(case_id, []).append(form_labels.get(code, code))
        _add_names(Region, regions, {row[2] for row in chunk})
        _add_names(Organisation, schools, {row[3] for row in chunk})
        for pk, number, region, school, setting, risk, danger, status, at, closed in chunk:
            yield (
                number,
                regions.get(region),
                schools.get(school),
                ", ".join(forms.get(pk, ())),
                settings_.get(setting, setting),
                risks.get(risk, risk),
                danger,
                statuses.get(status, status),
                at,
                closed,
            )


def _case_copy(cases: QuerySet[Case]) -> QuerySet[Any, Any]:
    """The export's cells computed by PostgreSQL, for ``COPY`` (brief 1.4.1, 3.1.1): the
    same cells as ``_case_values`` gives (a test compares them in kk, ru and en), the
    forms of violence joined in the order they were recorded."""
    forms = (
        CaseViolenceForm.objects.filter(case_id=OuterRef("pk"))
        .order_by()
        .values("case_id")
        .annotate(
            labels=StringAgg(exports.db_label("code", ViolenceForm.choices), ", ", order_by="pk")
        )
        .values("labels")
    )
    return (
        cases.select_related(None)
        .prefetch_related(None)
        .annotate(
            c_number=exports.DbText(F("number")),
            c_region=exports.DbText(db_name("region")),
            c_school=exports.DbText(db_name("school")),
            c_forms=Subquery(forms, output_field=TextField()),
            c_setting=exports.db_label("setting", Setting.choices),
            c_risk=exports.db_label("risk_level", RiskLevel.choices),
            c_danger=exports.db_yes_no("in_danger_now"),
            c_status=exports.db_label("status", Case.Status.choices),
            c_registered=exports.DbTime(F("registered_at")),
            c_closed=exports.DbTime(F("closed_at")),
        )
        .values_list(
            "c_number",
            "c_region",
            "c_school",
            "c_forms",
            "c_setting",
            "c_risk",
            "c_danger",
            "c_status",
            "c_registered",
            "c_closed",
        )
    )


CASES = exports.TableExport(
    name="cases",
    title=_("Cases"),
    rows=lambda request: _case_rows(request)[0],
    columns=[
        exports.column(_("Number"), "number"),
        exports.column(_("Region"), "region.name"),
        exports.column(_("School"), "school.name"),
        exports.Column(_("Forms of violence"), lambda case: ", ".join(case.get_form_labels())),
        exports.column(_("Setting"), "get_setting_display"),
        exports.column(_("Risk"), "get_risk_level_display"),
        exports.column(_("In danger now"), "in_danger_now"),
        exports.column(_("Status"), "get_status_display"),
        exports.column(_("Registered"), "registered_at"),
        exports.column(_("Closed"), "closed_at"),
    ],
    filters=("status", "form"),
    values=_case_values,
    copy=_case_copy,
)


@login_required
@exportable(CASES)
@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    cases, filters = _case_rows(request)
    return render(
        request,
        "cases/case_list.html",
        {
            "page": paginate(request, cases, audit_as="case", audit_id="number"),
            "filters": filters,
            "filtered": bool(getattr(filters, "cleaned_data", {})),
        },
    )


# --- the case page ----------------------------------------------------------------------


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


def _case(request: HttpRequest, number: str, *, audit_read: bool = False) -> Case:
    return case_selectors.get_case_for_user(user_of(request), number, audit_read=audit_read)


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


# --- steps ------------------------------------------------------------------------------


def _output_values(form: forms.Form) -> dict[str, Any]:
    """The answered fields of a valid step form (the service validates them again)."""
    return {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}


@login_required
@require_POST
def case_step_complete(request: HttpRequest, number: str, key: str) -> HttpResponse:
    """Complete one step with its structured output; answers the steps partial to htmx,
    redirects a plain POST back to the steps."""
    user = user_of(request)
    case = _case(request, number)
    step = step_on_case(case, key)
    prefix = step_prefix(step)
    form = step_form_class(step)(request.POST, prefix=prefix)
    status = 200
    steps_alert = None
    # A user who may not complete the step is told why by the service (403, 409), not
    # shown the fields of a form they are not offered.
    if form.is_valid() or not _may_fill(user, case, step):
        values = _output_values(form) if form.is_valid() else {}
        try:
            protocol_services.complete_step(step=step, actor=user, output=values)
        except DomainError as error:
            status = error.status_code
            case = _case(request, number)
            step = step_on_case(case, key)
            if _may_fill(user, case, step) and status == 422:
                apply_domain_error(form, error, field_prefix="output.")
            else:
                steps_alert = str(error.detail)
        else:
            notice = gettext("The step “%(title)s” is done.") % {"title": step.title}
            if is_htmx(request):
                case = _case(request, number)
                context = _case_context(request, case, steps_notice=notice, with_thread=False)
                return partial_response(
                    render(request, "cases/partials/steps.html", {**context, "oob": True})
                )
            messages.success(request, notice)
            return redirect(reverse("case-detail", args=[case.number]) + f"#step-{step.key}")
    if is_htmx(request):
        context = _case_context(
            request, case, bound={prefix: form}, steps_alert=steps_alert, with_thread=False
        )
        return partial_response(
            render(request, "cases/partials/steps.html", {**context, "oob": True}, status=status)
        )
    context = _case_context(request, case, bound={prefix: form}, steps_alert=steps_alert)
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
@require_POST
def case_close(request: HttpRequest, number: str) -> HttpResponse:
    """Close the case with its outcome (the service refuses while steps are open)."""
    user = user_of(request)
    case = _case(request, number)
    form = CloseCaseForm(request.POST)
    return run_form(
        form,
        lambda data: case_services.close_case(case=case, actor=user, **data),
        done=lambda closed: success(
            request, gettext("The case is closed."), redirect("case-detail", number=case.number)
        ),
        again=lambda status: _show_again(request, number, bound={"close": form}, status=status),
    )


# --- parties ----------------------------------------------------------------------------


@login_required
@require_POST
def case_child(request: HttpRequest, number: str) -> HttpResponse:
    """Record the case's child: an existing one by code, or a new (pseudonymous) one."""
    case = _case(request, number)
    form = party_services.ChildForm(request.POST, prefix=CHILD_PREFIX)
    return run_form(
        form,
        lambda data: party_services.attach_child(case=case, actor=user_of(request), data=data),
        done=lambda child: success(
            request,
            gettext("The child is recorded with the code %(code)s.") % {"code": child.code},
            _to_parties(number),
        ),
        again=lambda status: _show_again(
            request, number, bound={CHILD_PREFIX: form}, status=status
        ),
    )


@login_required
@require_POST
def case_representative_add(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    form = party_services.LegalRepresentativeForm(request.POST, prefix=REPRESENTATIVE_PREFIX)
    return run_form(
        form,
        lambda data: party_services.add_legal_representative(
            case=case, actor=user_of(request), data=data
        ),
        done=lambda added: success(
            request, gettext("The legal representative is recorded."), _to_parties(number)
        ),
        again=lambda status: _show_again(
            request, number, bound={REPRESENTATIVE_PREFIX: form}, status=status
        ),
    )


@login_required
@require_POST
def case_representative_update(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = _case(request, number)
    person = party_services.representative_on_case(case, pk)
    prefix = representative_prefix(person.pk)
    form = party_services.LegalRepresentativeForm(request.POST, prefix=prefix)
    return run_form(
        form,
        lambda data: party_services.update_legal_representative(
            case=case, actor=user_of(request), representative=person, data=data
        ),
        done=lambda updated: success(
            request, gettext("The legal representative is updated."), _to_parties(number)
        ),
        again=lambda status: _show_again(request, number, bound={prefix: form}, status=status),
    )


def _to_parties(number: str) -> HttpResponse:
    return redirect(reverse("case-detail", args=[number]) + "#parties")


# --- reclassification ---------------------------------------------------------------------


@login_required
@require_POST
def case_reclassify(request: HttpRequest, number: str) -> HttpResponse:
    """Change the classification with a reason; the protocol switches if it must."""
    case = _case(request, number)
    form = ReclassifyForm(request.POST, prefix=RECLASSIFY_PREFIX)
    before = protocol_services.current_run(case)

    def reclassified(result: object) -> HttpResponse:
        after = protocol_services.current_run(case)
        if after is not None and (before is None or before.pk != after.pk):
            message = gettext(
                "The case is reclassified and now follows the protocol “%(title)s”."
            ) % {"title": after.protocol.title}
        else:
            message = gettext("The case is reclassified; its protocol stays.")
        return success(request, message, redirect(reverse("case-detail", args=[number]) + "#steps"))

    return run_form(
        form,
        lambda data: protocol_services.reclassify(
            case=case,
            actor=user_of(request),
            classification=classification_of(data),
            reason=data["reason"],
        ),
        done=reclassified,
        again=lambda status: _show_again(
            request, number, bound={RECLASSIFY_PREFIX: form}, status=status
        ),
    )


# --- interagency thread -------------------------------------------------------------------


def _thread_response(
    request: HttpRequest, case: Case, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    user = user_of(request)
    thread = thread_services.open_thread(case=case, reader=user)
    can_post = not case.is_closed and thread.organisation is not None
    context = {
        "case": case,
        "thread": thread,
        "can_post": can_post,
        "message_form": (form or thread_services.MessageForm(prefix=MESSAGE_PREFIX))
        if can_post
        else None,
    }
    return partial_response(render(request, "cases/partials/thread.html", context, status=status))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_messages(request: HttpRequest, number: str) -> HttpResponse:
    """The case's thread: GET gives the section (htmx) or the case page at the thread;
    POST writes a message as the author's organisation."""
    anchor = reverse("case-detail", args=[number]) + "#thread"
    if request.method != "POST":
        case = _case(request, number)
        return _thread_response(request, case) if is_htmx(request) else redirect(anchor)
    case = _case(request, number)
    form = thread_services.MessageForm(request.POST, prefix=MESSAGE_PREFIX)

    def sent(message: object) -> HttpResponse:
        if is_htmx(request):
            return _thread_response(request, case)
        return success(request, gettext("The message is sent."), redirect(anchor))

    def again(status: int) -> HttpResponse:
        if is_htmx(request):
            return _thread_response(request, case, form=form, status=status)
        return _show_again(request, number, bound={MESSAGE_PREFIX: form}, status=status)

    return run_form(
        form,
        lambda data: thread_services.post_message(case=case, author=user_of(request), **data),
        done=sent,
        again=again,
    )


# --- printable summary --------------------------------------------------------------------


@login_required
@require_safe
@fresh_second_factor
def case_summary(request: HttpRequest, number: str) -> HttpResponse:
    """A print-styled summary of the case. Every view is audited as ``case.print``: a
    printed case leaves the system (brief 1.4.1)."""
    user = user_of(request)
    case = _case(request, number)
    audit.record(actor=user, action="case.print", object_type="case", object_id=case.number)
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
            "printed_by": user,
        },
    )
