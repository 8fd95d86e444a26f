"""State changes of a case: registration (with its number), closure."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import policy
from qamqor.accounts.models import Role, User
from qamqor.audit import services as audit
from qamqor.cases.models import Case, CaseEvent, CaseNumberCounter, CaseViolenceForm, Child
from qamqor.directory.models import Organisation, Region
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.intake import services as intake
from qamqor.intake.models import Report
from qamqor.notify import services as notify
from qamqor.protocols import definitions
from qamqor.protocols import services as protocols
from qamqor.protocols.models import Step
from qamqor.protocols.workdays import ALMATY

CHILD_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely


def new_child_code() -> str:
    """A pseudonymous code such as ``CH-7KQ2-M9XD`` (40 bits), unique in the database."""
    while True:
        raw = "".join(secrets.choice(CHILD_CODE_ALPHABET) for _ in range(8))
        code = f"CH-{raw[:4]}-{raw[4:]}"
        if not Child.objects.filter(code=code).exists():
            return code


def create_child(
    *,
    region: Region,
    school: Organisation | None = None,
    full_name: str = "",
    birth_date: date | None = None,
    sex: str = "unknown",
    class_label: str = "",
    synthetic: bool = False,
) -> Child:
    """Record a child, pseudonymous unless a name is given."""
    return Child.objects.create(
        code=new_child_code(),
        region=region,
        school=school,
        full_name=full_name.strip(),
        birth_date=birth_date,
        sex=sex,
        class_label=class_label.strip(),
        synthetic=synthetic,
    )


def allocate_number(region: Region, year: int) -> int:
    """The next sequence number of ``region`` in ``year``; call inside a transaction.

    The counter row is incremented by an UPDATE, which takes its row lock until the
    transaction ends: concurrent registrations queue on it, and a registration that
    rolls back gives its number back. Numbers are therefore gapless (brief 1.3.5).
    """
    CaseNumberCounter.objects.bulk_create(
        [CaseNumberCounter(region=region, year=year, last=0)], ignore_conflicts=True
    )
    counter = CaseNumberCounter.objects.filter(region=region, year=year)
    counter.update(last=F("last") + 1)
    return counter.values_list("last", flat=True).get()


@transaction.atomic
def register_case(*, report: Report, actor: User, classification: dict[str, Any]) -> Case:
    """Register a report as a case, give it a number and start its protocol (1.3.5, 1.4.2).

    ``classification`` is the cleaned data of ``cases.forms.RegisterCaseForm``.
    """
    report = intake.lock_for_triage(actor, report)
    setting = classification["setting"]
    try:
        protocol_code = definitions.protocol_for_setting(setting)
    except LookupError:
        raise InvalidInput.on(
            "setting",
            _(
                "No response protocol for this setting is published yet; "
                "refer the case to the police and guardianship body directly."
            ),
        ) from None
    now = timezone.now()
    year = now.astimezone(ALMATY).year
    region = report.region
    sequence = allocate_number(region, year)
    case = Case.objects.create(
        number=Case.format_number(region.code, year, sequence),
        region=region,
        year=year,
        sequence=sequence,
        school=report.school,
        received_by=report.received_by,
        setting=setting,
        risk_level=classification["risk_level"],
        in_danger_now=bool(classification.get("in_danger_now")),
        repeated=classification.get("repeated"),
        summary=classification["summary"],
        child_age=classification.get("child_age"),
        child_sex=classification.get("child_sex") or "unknown",
        registered_at=now,
        registered_by=actor,
    )
    CaseViolenceForm.objects.bulk_create(
        CaseViolenceForm(case=case, code=code) for code in sorted(set(classification["forms"]))
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.REGISTERED,
        actor=actor,
        at=now,
        payload={"report": str(report.public_id), "channel": report.channel},
    )
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.REGISTERED, case=case, triaged_by=actor, triaged_at=now
    )
    protocols.start_protocol(case, protocol_code, actor=actor)
    audit.record(
        actor=actor,
        action="case.register",
        object_type="case",
        object_id=case.number,
        changes={
            "report": str(report.public_id),
            "protocol": protocol_code,
            **{k: v for k, v in classification.items() if k != "summary"},
        },
    )
    return case


@transaction.atomic
def close_case(*, case: Case, actor: User, outcome: str, note: str = "") -> Case:
    """Close a case with its outcome once every protocol step is done."""
    if not policy.can_close_case(actor, school_id=case.school_id, region_id=case.region_id):
        raise NotAllowed(_("Only the school coordinator or a coordinator can close the case."))
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.is_closed:
        raise Conflict(_("The case is already closed."))
    unfinished = [
        step.title
        for step in Step.objects.filter(case=locked)
        .exclude(status=Step.Status.DONE)
        .select_related("run__protocol")
    ]
    if unfinished:
        raise Conflict(_("Steps are not done yet: %(steps)s.") % {"steps": "; ".join(unfinished)})
    now = timezone.now()
    locked.status = Case.Status.CLOSED
    locked.closed_at = now
    locked.closed_by = actor
    locked.outcome = outcome
    locked.outcome_note = note.strip()
    locked.save(update_fields=["status", "closed_at", "closed_by", "outcome", "outcome_note"])
    CaseEvent.objects.create(
        case=locked, kind=CaseEvent.Kind.CLOSED, actor=actor, at=now, payload={"outcome": outcome}
    )
    audit.record(
        actor=actor,
        action="case.close",
        object_type="case",
        object_id=locked.number,
        changes={"outcome": outcome, "note": locked.outcome_note},
    )
    if locked.school_id:
        notify.notify_organisation(
            locked.school,  # type: ignore[arg-type]
            "case_closed",
            {"case": locked},
            key=f"case-closed:{locked.pk}",
            case=locked,
            link=reverse("case-detail", args=[locked.number]),
            roles=[Role.SCHOOL_COORDINATOR],
        )
    return locked
