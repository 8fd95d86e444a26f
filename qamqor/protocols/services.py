"""The protocol engine: start a protocol on a case, open and complete steps, switch
protocols on reclassification, publish new versions.

Each accountable role in a definition is resolved to one organisation by the case's
jurisdiction (its school, the district's police unit, the region's PSC, …); an
unresolvable role is an error shown at registration, not a silent gap (brief 1.2.1,
2.2.2, 2.2.3). Reminders and escalation live in ``protocols.sweeps``.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Min, Prefetch, Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access, policy
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.cases.models import Case, CaseEvent
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.notify import services as notify
from qamqor.protocols import definitions, notices
from qamqor.protocols.definitions import StepSpec, any_holds, facts_of
from qamqor.protocols.models import FINISHED, ProtocolRun, ProtocolVersion, Step
from qamqor.protocols.outputs import clean_output, for_audit, recorder_must_hold
from qamqor.protocols.signals import case_reclassified, case_started, step_completed
from qamqor.protocols.workdays import deadline
from qamqor.units import entry_point

ORGANISATION_KINDS = {
    "psc": OrganisationKind.PSC,
    "juvenile_police": OrganisationKind.JUVENILE_POLICE,
    "police_duty": OrganisationKind.POLICE_DUTY,
    "guardianship": OrganisationKind.GUARDIANSHIP,
    "clinic": OrganisationKind.CLINIC,
    "education_department": OrganisationKind.EDUCATION_DEPARTMENT,
    "helpline": OrganisationKind.HELPLINE,
}
LEGAL_REPRESENTATIVES = "legal_representatives"


class RoutingError(InvalidInput):
    """No organisation can be made accountable for a step of the case's protocol."""


# --- jurisdiction -------------------------------------------------------------------------


def resolve_organisation(case: Case, role: str) -> Organisation:
    """The one organisation that answers for ``role`` on this case.

    The school is the case's school; the 111 center is national; every other body is
    the region's organisation of that kind, preferring the one in the school's district.
    """
    return resolve_organisations(case, [role])[role]


def resolve_organisations(case: Case, roles: Iterable[str]) -> dict[str, Organisation]:
    """``resolve_organisation`` for several roles with one query, and the chosen
    organisations' contact people with one more (``Organisation.main_contact``)."""
    roles = set(roles)
    kinds = {ORGANISATION_KINDS[role] for role in roles if role != "school"}
    by_kind: dict[str, list[Organisation]] = {kind: [] for kind in kinds}
    if kinds:
        regional = Q(kind__in=kinds - {OrganisationKind.HELPLINE}, region_id=case.region_id)
        national = Q(kind=OrganisationKind.HELPLINE) if OrganisationKind.HELPLINE in kinds else Q()
        for candidate in Organisation.objects.filter(regional | national).order_by("pk"):
            by_kind[candidate.kind].append(candidate)
    district_id = case.school.district_id if case.school else None
    chosen: dict[str, Organisation] = {}
    for role in roles:
        if role == "school":
            if case.school is None:
                raise RoutingError.on("school", _("This protocol needs the child's school."))
            chosen[role] = case.school
            continue
        kind = ORGANISATION_KINDS[role]
        candidates = by_kind[kind]
        in_district = [c for c in candidates if district_id and c.district_id == district_id]
        if not (in_district or candidates):
            raise RoutingError(
                _("No %(kind)s is registered in region %(region)s; add one in the directory.")
                % {
                    "kind": OrganisationKind(kind).label,
                    "region": f"{case.region} ({case.region.code})",
                }
            )
        chosen[role] = (in_district or candidates)[0]
    prefetch_related_objects(list(set(chosen.values())), "contacts")
    return chosen


# --- versions -------------------------------------------------------------------------------


def sync_versions() -> None:
    """Store every definition file's version; a stored version whose file changed is an error.

    A published version is what running cases follow, so its text must never change:
    a change needs a new version number.
    """
    for (code, version), loaded in definitions.load_all().items():
        stored, created = ProtocolVersion.objects.get_or_create(
            code=code,
            version=version,
            defaults={"definition": loaded.raw, "checksum": loaded.checksum},
        )
        if not created and stored.checksum != loaded.checksum:
            raise definitions.DefinitionError(
                f"{loaded.path}: version {version} of {code} differs from the stored one; "
                "give the changed definition a new version number"
            )


def published_version(code: str) -> ProtocolVersion:
    """The version new cases of ``code`` start with: the newest published one.

    On a fresh installation nothing is published yet; the newest file version is then
    published automatically, so the system works from its first start.
    """
    current = (
        ProtocolVersion.objects.filter(code=code, published_at__isnull=False)
        .order_by("-version")
        .first()
    )
    if current is not None:
        return current
    sync_versions()
    newest = ProtocolVersion.objects.filter(code=code).order_by("-version").first()
    if newest is None:
        raise LookupError(code)
    ProtocolVersion.objects.filter(pk=newest.pk, published_at__isnull=True).update(
        published_at=timezone.now()
    )
    newest.refresh_from_db()
    return newest


@entry_point
def publish(*, code: str, version: int, actor: User) -> ProtocolVersion:
    """The national coordinator publishes a version: new cases start on it (running cases
    keep theirs)."""
    if not policy.scope_for(actor).national:
        raise NotAllowed(_("Only the national coordinator publishes protocol versions."))
    sync_versions()
    row = ProtocolVersion.objects.select_for_update().filter(code=code, version=version).first()
    if row is None:
        raise InvalidInput.on("version", _("There is no such protocol version."))
    if row.published_at is not None:
        raise Conflict(_("This version is already published."))
    if ProtocolVersion.objects.filter(
        code=code, version__gt=version, published_at__isnull=False
    ).exists():
        raise Conflict(_("A newer version of this protocol is already published."))
    row.published_at = timezone.now()
    row.published_by = actor
    row.save(update_fields=["published_at", "published_by"])
    audit.record(
        actor=actor,
        action="protocol.publish",
        object_type="protocol",
        object_id=f"{code}/v{version}",
        changes={"checksum": row.checksum},
    )
    return row


def version_diff(old: ProtocolVersion | None, new: ProtocolVersion) -> dict[str, Any]:
    """What changes between two versions: steps added, removed and changed, and the text."""
    old_steps = {s["key"]: s for s in (old.definition["steps"] if old else [])}
    new_steps = {s["key"]: s for s in new.definition["steps"]}
    before = json.dumps(old.definition if old else {}, indent=2, ensure_ascii=False, sort_keys=True)
    after = json.dumps(new.definition, indent=2, ensure_ascii=False, sort_keys=True)
    return {
        "added": [k for k in new_steps if k not in old_steps],
        "removed": [k for k in old_steps if k not in new_steps],
        "changed": [k for k in new_steps if k in old_steps and new_steps[k] != old_steps[k]],
        "unified": list(
            difflib.unified_diff(
                before.splitlines(),
                after.splitlines(),
                fromfile=str(old) if old else "—",
                tofile=str(new),
                lineterm="",
            )
        ),
    }


# --- starting and opening steps -----------------------------------------------------------


def start_protocol(
    case: Case,
    code: str,
    *,
    actor: User | None,
    at: datetime | None = None,
    carried: dict[str, Step] | None = None,
) -> ProtocolRun:
    """Create every step of the protocol: steps whose condition fails are skipped, steps
    done under an earlier protocol stay done, the rest open or wait for their predecessors.
    """
    at = at or case.registered_at
    version = published_version(code)
    spec = version.spec
    facts = facts_of(case, case.form_codes)
    carried = carried or {}
    needed = [s for s in spec.steps if any_holds(s.when, facts)]
    accountable = resolve_organisations(case, {s.accountable for s in needed})  # may raise
    organisations = {s.key: accountable[s.accountable] for s in needed}
    run = ProtocolRun.objects.create(case=case, protocol=version, started_at=at)
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.PROTOCOL_STARTED,
        actor=actor,
        at=at,
        payload={"protocol": version.code, "version": version.version},
    )
    contacts = {org.pk: org.main_contact for org in set(organisations.values())}
    rows = []
    for position, step_spec in enumerate(spec.steps, start=1):
        previous = carried.get(step_spec.key)
        if previous is not None and not _fits(step_spec, previous.output):
            previous = None  # the new protocol asks for more: the step is done again
        if step_spec.key not in organisations:
            status, organisation = Step.Status.SKIPPED, case.received_by
        elif previous is not None:
            status, organisation = Step.Status.DONE, previous.organisation
        else:
            status, organisation = Step.Status.WAITING, organisations[step_spec.key]
        rows.append(
            Step(
                run=run,
                case=case,
                key=step_spec.key,
                position=position,
                organisation=organisation,
                contact_person=contacts[organisation.pk] if status == Step.Status.WAITING else None,
                status=status,
                output=previous.output if previous else {},
                completed_at=previous.completed_at if previous else None,
                completed_by=previous.completed_by if previous else None,
            )
        )
    Step.objects.bulk_create(rows)
    skipped = [row.key for row in rows if row.status == Step.Status.SKIPPED]
    if skipped:
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.STEP_SKIPPED,
            actor=actor,
            at=at,
            payload={"steps": skipped},
        )
    open_ready_steps(run, at=at, actor=actor)
    return run


def _fits(spec: StepSpec, output: dict[str, Any]) -> bool:
    """A finished step carries over only if its output has every field the new one requires."""
    return all(field.key in output for field in spec.output.fields if field.required)


def received_at(case: Case) -> datetime:
    """When the information reached the organisation: the case's earliest report, or its
    registration for a case opened without one (an alert). Order No. 506 p. 9 counts the
    school's conversation from here."""
    first = case.reports.aggregate(first=Min("received_at"))["first"]
    return min(first, case.registered_at) if first else case.registered_at


def due_at(spec: StepSpec, *, opened_at: datetime, case: Case, received: datetime) -> datetime:
    """The step's deadline: its working days or hours from the moment its definition names
    (when it opens, when the information was received, when the case was registered)."""
    start = spec.deadline.starts_at(
        opened_at=opened_at, received_at=received, registered_at=case.registered_at
    )
    return deadline(
        start,
        working_days=spec.deadline.working_days,
        hours=spec.deadline.hours,
        months=spec.deadline.months,
    )


def open_ready_steps(run: ProtocolRun, *, at: datetime, actor: User | None) -> list[Step]:
    """Open every waiting step whose predecessors are all finished (done or skipped)."""
    steps = list(Step.objects.filter(run=run).select_related("organisation", "case__school"))
    for step in steps:
        step.run = run  # the run and its protocol are at hand: no join, no definition to decode
    finished = {step.key for step in steps if step.status in FINISHED}
    ready = [
        step
        for step in steps
        if step.status == Step.Status.WAITING and set(step.spec.after) <= finished
    ]
    # the case's receipt is looked up only if a step counts its deadline from it
    anchored = any(step.spec.deadline.from_ == "received" for step in ready)
    received = received_at(ready[0].case) if anchored else at
    for step in ready:
        _open(step, at=at, actor=actor, received=received)
    return ready


def _open(step: Step, *, at: datetime, actor: User | None, received: datetime) -> None:
    spec = step.spec
    step.status = Step.Status.OPEN
    step.opened_at = at
    step.due_at = due_at(spec, opened_at=at, case=step.case, received=received)
    Step.objects.filter(pk=step.pk).update(status=step.status, opened_at=at, due_at=step.due_at)
    case = step.case
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.STEP_OPENED,
        actor=actor,
        at=at,
        payload={
            "step": step.key,
            "organisation": step.organisation.code,
            "due_at": step.due_at.isoformat(),
        },
    )
    link = reverse("case-detail", args=[case.number])
    context = {"case": case, "step_title": spec.title.model_dump(), "due_at": step.due_at}
    notify.notify_organisation(
        step.organisation,
        "step_assigned",
        context,
        key=f"step-assigned:{step.pk}",
        case=case,
        link=link,
    )
    for notice in spec.notify:
        if notice.to == LEGAL_REPRESENTATIVES:
            continue  # notices.fire below, as every notice to legal representatives
        if notice.to == "regional_coordinator":
            notify.notify_users(
                policy.regional_coordinators(case.region_id),
                notice.template,
                {**context, "organisation": step.organisation},
                key=f"step-notice:{step.pk}:coordinator",
                case=case,
                link=link,
            )
            continue
        try:
            organisation = resolve_organisation(case, notice.to)
        except RoutingError as error:
            CaseEvent.objects.create(
                case=case,
                kind=CaseEvent.Kind.NOTIFICATION_WITHHELD,
                at=at,
                payload={"step": step.key, "to": notice.to, "reason": str(error.detail)},
            )
            continue
        notify.notify_organisation(
            organisation,
            notice.template,
            {**context, "organisation": step.organisation},
            key=f"step-notice:{step.pk}:{organisation.pk}",
            case=case,
            link=link,
        )
    notices.fire(step, "step_opened")


def notify_legal_representatives_of(case: Case) -> int:
    """After a child or legal representatives are added to a case: the notices its protocol
    called for reach those not yet told, each person once (``notices.catch_up``)."""
    return notices.catch_up(case)


# --- completing -----------------------------------------------------------------------------


def _output_data(spec: StepSpec, output: dict[str, Any] | str) -> dict[str, Any]:
    """A plain text is accepted for a step whose only field is a text (first-version API)."""
    if isinstance(output, str):
        fields = spec.output.fields
        if len(fields) == 1 and fields[0].kind in {"text", "textarea"}:
            return {fields[0].key: output}
        raise InvalidInput.on("output", _("This step's result has several fields; send them all."))
    return output


@entry_point
def complete_step(*, step: Step, actor: User, output: dict[str, Any] | str) -> Step:
    """Record the step's required output; open the steps that were waiting for it."""
    if not access.permits(actor, "complete", step):
        raise NotAllowed(_("Only the accountable organisation can complete this step."))
    spec = step.spec
    # 1.2.4: the interviewer named on the step must hold the qualification (checked with the
    # output); a definition that names no one asks it of the person recording the step.
    if recorder_must_hold(spec) == "interview" and not actor.interview_qualified:
        raise NotAllowed(
            _("Only a specialist holding the interview qualification can record this interview.")
        )
    locked = (
        Step.objects.select_for_update().select_related("case", "run__protocol").get(pk=step.pk)
    )
    if locked.case.is_closed:
        raise Conflict(_("The case is closed."))
    if locked.status == Step.Status.DONE:
        raise Conflict(_("This step is already done."))
    if locked.status == Step.Status.WAITING:
        raise Conflict(_("This step waits for an earlier step to be done."))
    if locked.status != Step.Status.OPEN:
        raise Conflict(_("This step is no longer part of the case's protocol."))
    cleaned = clean_output(spec, _output_data(spec, output))
    now = timezone.now()
    Step.objects.filter(pk=step.pk).update(
        status=Step.Status.DONE, output=cleaned, completed_at=now, completed_by=actor
    )
    step.refresh_from_db()
    CaseEvent.objects.create(
        case=step.case,
        kind=CaseEvent.Kind.STEP_COMPLETED,
        actor=actor,
        at=now,
        payload={"step": step.key, "organisation": step.organisation.code},
    )
    audit.record(
        actor=actor,
        action="step.complete",
        object_type="case",
        object_id=step.case.number,
        changes={"step": step.key, "output": for_audit(spec, cleaned)},
    )
    if Case.objects.filter(pk=step.case_id, status=Case.Status.REGISTERED).update(
        status=Case.Status.IN_PROGRESS
    ):
        case_started.send(sender=Case, case=step.case)
    open_ready_steps(locked.run, at=now, actor=actor)  # loaded with its protocol above
    notices.fire(step, "step_completed")  # e.g. the invitation with the date and place, 1.3.5
    step_completed.send(sender=Step, step=step, actor=actor)
    return step


# --- reclassification -------------------------------------------------------------------------

CLASSIFICATION_FIELDS = (
    "setting",
    "risk_level",
    "in_danger_now",
    "repeated",
    "perpetrator_relationship",
    "self_harm_risk",
)


@entry_point
def reclassify(*, case: Case, actor: User, classification: dict[str, Any], reason: str) -> Case:
    """Change a case's classification; switch its protocol if the new one differs.

    Finished steps stay done and count for the new protocol's steps of the same name;
    open steps of the old protocol are cancelled; pending notifications the new protocol
    forbids (legal representatives, in a domestic case) are cancelled before they go out.
    """
    from qamqor.cases.models import CaseViolenceForm

    if not access.permits(actor, "close", case):
        raise NotAllowed(_("Only the school coordinator or a coordinator can reclassify a case."))
    reason = reason.strip()
    if not reason:
        raise InvalidInput.on("reason", _("Say why the case is reclassified."))
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.is_closed:
        raise Conflict(_("The case is closed."))
    before = {name: getattr(locked, name) for name in CLASSIFICATION_FIELDS}
    before["forms"] = locked.form_codes
    for name in CLASSIFICATION_FIELDS:
        if name in classification:
            setattr(locked, name, classification[name])
    locked.save(update_fields=list(CLASSIFICATION_FIELDS))
    forms = sorted(set(classification.get("forms", before["forms"])))
    CaseViolenceForm.objects.filter(case=locked).exclude(code__in=forms).delete()
    CaseViolenceForm.objects.bulk_create(
        [CaseViolenceForm(case=locked, code=code) for code in forms], ignore_conflicts=True
    )
    current = locked.protocol_runs.filter(ended_at__isnull=True).select_related("protocol").first()
    try:
        new_code = definitions.protocol_for(facts_of(locked, forms))
    except LookupError:
        raise InvalidInput.on(
            "setting", _("No response protocol applies to this classification.")
        ) from None
    now = timezone.now()
    switched = current is None or current.protocol.code != new_code
    if switched:
        carried = {
            s.key: s
            for s in Step.objects.filter(case=locked, status=Step.Status.DONE).select_related(
                "organisation", "completed_by"
            )
        }
        if current is not None:
            ProtocolRun.objects.filter(pk=current.pk).update(ended_at=now, end_reason=reason)
            Step.objects.filter(
                run=current, status__in=[Step.Status.OPEN, Step.Status.WAITING]
            ).update(status=Step.Status.CANCELLED)
        new_version = published_version(new_code)
        if LEGAL_REPRESENTATIVES in new_version.spec.never_notify:
            cancelled = notify.cancel_pending(locked, templates=legal_representative_templates())
            notices.cancel_drafts(locked)
            if cancelled:
                CaseEvent.objects.create(
                    case=locked,
                    kind=CaseEvent.Kind.NOTIFICATION_WITHHELD,
                    at=now,
                    payload={
                        "to": LEGAL_REPRESENTATIVES,
                        "reason": "protocol_forbids",
                        "cancelled": cancelled,
                    },
                )
        start_protocol(locked, new_code, actor=actor, at=now, carried=carried)
    before["protocol"] = current.protocol.code if current else None
    case_reclassified.send(sender=Case, case=locked, before=before)
    CaseEvent.objects.create(
        case=locked,
        kind=CaseEvent.Kind.RECLASSIFIED,
        actor=actor,
        at=now,
        payload={
            "from": current.protocol.code if current else None,
            "to": new_code,
            "switched": switched,
        },
        note=reason,
    )
    audit.record(
        actor=actor,
        action="case.reclassify",
        object_type="case",
        object_id=locked.number,
        changes={
            "before": before,
            "after": {**classification, "forms": forms},
            "reason": audit.sealed(reason),
            "protocol": new_code,
        },
    )
    return locked


def legal_representative_templates() -> Iterable[str]:
    """The notification templates addressed to legal representatives in any definition."""
    names = {"legal_representative_notice"}
    for loaded in definitions.load_all().values():
        for step in loaded.spec.steps:
            names.update(n.template for n in step.representative_notices())
    return sorted(names)


def current_run(case: Case) -> ProtocolRun | None:
    return case.protocol_runs.filter(ended_at__isnull=True).select_related("protocol").first()


# --- what cases ask of the engine (``cases.hooks.Engine``, registered in ``ready()``) --------


def protocol_for_classification(classification: dict[str, Any]) -> str:
    """The code of the protocol a registration's classification calls for (brief 1.4.2);
    ``LookupError`` when none is published for it."""
    return definitions.protocol_for(
        facts_of(classification, list(classification.get("forms") or []))
    )


def unfinished_step_titles(case: Case) -> list[str]:
    """The titles of the case's steps not yet done or skipped (closure waits for them)."""
    return [
        step.title
        for step in Step.objects.filter(case=case)
        .exclude(status__in=FINISHED)
        .select_related("run__protocol")
    ]


def case_steps_prefetch() -> Prefetch[Any]:
    """The case's steps as the case page shows them, in order, for ``prefetch_related``."""
    return Prefetch(
        "steps",
        queryset=Step.objects.select_related(
            "organisation", "contact_person", "completed_by", "run__protocol"
        ).order_by("position"),
    )
