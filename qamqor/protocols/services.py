"""The protocol engine: start a protocol on a case, open and complete steps, escalate.

Each accountable role in a definition is resolved to one organisation by the case's
jurisdiction (its school, its region's PSC, …); an unresolvable role is an error shown at
registration, not a silent gap (brief 1.2.1, 2.2.3).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import policy
from qamqor.accounts.models import Role, User
from qamqor.audit import services as audit
from qamqor.cases.models import Case, CaseEvent
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.notify import services as notify
from qamqor.protocols import definitions
from qamqor.protocols.models import ProtocolRun, ProtocolVersion, Step
from qamqor.protocols.workdays import deadline

ACCOUNTABLE_KINDS = {
    "psc": OrganisationKind.PSC,
    "juvenile_police": OrganisationKind.JUVENILE_POLICE,
    "guardianship": OrganisationKind.GUARDIANSHIP,
    "education_department": OrganisationKind.EDUCATION_DEPARTMENT,
}


class RoutingError(InvalidInput):
    """No organisation can be made accountable for a step of the case's protocol."""


def resolve_organisation(case: Case, accountable: str) -> Organisation:
    """The one organisation that answers for a step of this case.

    The school is the case's school; other bodies are the region's organisation of that
    kind, preferring one in the school's district.
    """
    if accountable == "school":
        if case.school is None:
            raise RoutingError.on("school", _("This protocol needs the child's school."))
        return case.school
    kind = ACCOUNTABLE_KINDS[accountable]
    candidates = Organisation.objects.filter(region_id=case.region_id, kind=kind).order_by("pk")
    district_id = case.school.district_id if case.school else None
    chosen = None
    if district_id:
        chosen = candidates.filter(district_id=district_id).first()
    chosen = chosen or candidates.first()
    if chosen is None:
        raise RoutingError(
            _("No %(kind)s is registered in region %(region)s; add one in the directory.")
            % {
                "kind": OrganisationKind(kind).label,
                "region": f"{case.region} ({case.region.code})",
            }
        )
    return chosen


def published_version(code: str) -> ProtocolVersion:
    """The newest definition of ``code``, stored so running cases keep exactly this text."""
    loaded = definitions.latest(code)
    version, _created = ProtocolVersion.objects.get_or_create(
        code=code,
        version=loaded.spec.version,
        defaults={"definition": loaded.raw, "checksum": loaded.checksum},
    )
    return version


def start_protocol(case: Case, code: str, *, actor: User) -> ProtocolRun:
    """Create every step of the protocol; steps with no predecessors open at once."""
    version = published_version(code)
    spec = definitions.ProtocolSpec.model_validate(version.definition)
    by_role = {
        role: resolve_organisation(case, role) for role in {s.accountable for s in spec.steps}
    }
    contacts = {org.pk: org.main_contact for org in by_role.values()}
    organisations = {step.key: by_role[step.accountable] for step in spec.steps}
    run = ProtocolRun.objects.create(case=case, protocol=version, started_at=case.registered_at)
    steps = [
        Step(
            run=run,
            case=case,
            key=step.key,
            position=position,
            organisation=organisations[step.key],
            contact_person=contacts[organisations[step.key].pk],
            status=Step.Status.WAITING if step.after else Step.Status.OPEN,
        )
        for position, step in enumerate(spec.steps, start=1)
    ]
    Step.objects.bulk_create(steps)
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.PROTOCOL_STARTED,
        actor=actor,
        at=case.registered_at,
        payload={"protocol": version.code, "version": version.version},
    )
    for step in Step.objects.filter(run=run, status=Step.Status.OPEN).select_related(
        "run__protocol", "organisation", "case"
    ):
        _open(step, at=case.registered_at, actor=actor)
    return run


def _open(step: Step, *, at: datetime, actor: User | None) -> None:
    spec = step.spec["deadline"]
    step.status = Step.Status.OPEN
    step.opened_at = at
    step.due_at = deadline(at, working_days=spec.get("working_days"), hours=spec.get("hours"))
    Step.objects.filter(pk=step.pk).update(
        status=step.status, opened_at=step.opened_at, due_at=step.due_at
    )
    CaseEvent.objects.create(
        case=step.case,
        kind=CaseEvent.Kind.STEP_OPENED,
        actor=actor,
        at=at,
        payload={
            "step": step.key,
            "organisation": step.organisation.code,
            "due_at": step.due_at.isoformat(),
        },
    )
    notify.notify_organisation(
        step.organisation,
        "step_assigned",
        {"case": step.case, "step_title": step.spec["title"], "due_at": step.due_at},
        key=f"step-assigned:{step.pk}",
        case=step.case,
        link=reverse("case-detail", args=[step.case.number]),
    )


@transaction.atomic
def complete_step(*, step: Step, actor: User, output_text: str) -> Step:
    """Record the step's required output; open the steps that were waiting for it."""
    if not policy.can_complete_step(actor, organisation_id=step.organisation_id):
        raise NotAllowed(_("Only the accountable organisation can complete this step."))
    if step.case.is_closed:
        raise Conflict(_("The case is closed."))
    if step.status == Step.Status.DONE:
        raise Conflict(_("This step is already done."))
    if step.status == Step.Status.WAITING:
        raise Conflict(_("This step waits for an earlier step to be done."))
    text = output_text.strip()
    if not text:
        raise InvalidInput.on("output", _("Describe the result: this step requires it."))
    if len(text) > 10000:
        raise InvalidInput.on("output", _("The result is too long (10,000 characters at most)."))
    now = timezone.now()
    updated = Step.objects.filter(pk=step.pk, status=Step.Status.OPEN).update(
        status=Step.Status.DONE, output={"text": text}, completed_at=now, completed_by=actor
    )
    if not updated:
        raise Conflict(_("This step is already done."))
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
        changes={"step": step.key, "output": {"text": text}},
    )
    Case.objects.filter(pk=step.case_id, status=Case.Status.REGISTERED).update(
        status=Case.Status.IN_PROGRESS
    )
    done = set(
        Step.objects.filter(run_id=step.run_id, status=Step.Status.DONE).values_list(
            "key", flat=True
        )
    )
    for waiting in Step.objects.filter(
        run_id=step.run_id, status=Step.Status.WAITING
    ).select_related("run__protocol", "organisation", "case"):
        if set(waiting.spec.get("after", [])) <= done:
            _open(waiting, at=now, actor=actor)
    return step


def escalate_overdue(now: datetime | None = None) -> int:
    """Escalate open steps past their deadline to the regional coordinators (1.3.3).

    The claim is an UPDATE of ``escalation_level`` guarded by its old value, so sweeps
    running in several workers escalate each step once.
    """
    now = now or timezone.now()
    count = 0
    overdue = (
        Step.objects.overdue(now)
        .filter(escalation_level=0)
        .select_related("case__region", "organisation", "run__protocol")
    )
    for step in overdue[:500]:
        with transaction.atomic():
            claimed = Step.objects.filter(pk=step.pk, escalation_level=0).update(
                escalation_level=F("escalation_level") + 1
            )
            if not claimed:
                continue
            CaseEvent.objects.create(
                case=step.case,
                kind=CaseEvent.Kind.STEP_ESCALATED,
                at=now,
                payload={"step": step.key, "organisation": step.organisation.code, "level": 1},
            )
            coordinators = User.objects.filter(
                memberships__role=Role.REGIONAL_COORDINATOR,
                memberships__active=True,
                memberships__organisation__region_id=step.case.region_id,
                is_active=True,
            ).distinct()
            notify.notify_users(
                coordinators,
                "step_overdue",
                {
                    "case": step.case,
                    "step_title": step.spec["title"],
                    "organisation": step.organisation,
                    "due_at": step.due_at,
                },
                key=f"step-overdue:{step.pk}:1",
                case=step.case,
                link=reverse("case-detail", args=[step.case.number]),
            )
            count += 1
    return count
