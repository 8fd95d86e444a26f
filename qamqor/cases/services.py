"""State changes of a case: registration (with its number), linking a report, closure.

The protocol engine sits above cases: registration and closure ask it through
``cases.hooks`` (docs/decisions/0012-layers.md)."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import Role, User
from qamqor.audit import services as audit
from qamqor.cases.hooks import engine
from qamqor.cases.models import Case, CaseEvent, CaseNumberCounter, CaseViolenceForm, Child
from qamqor.cases.signals import case_closed, case_registered
from qamqor.directory.models import Organisation, Region
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.intake import services as intake
from qamqor.intake.models import Report
from qamqor.notify import services as notify
from qamqor.units import entry_point

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


def choose_protocol(classification: dict[str, Any]) -> str:
    """The protocol a classification calls for (brief 1.4.2); a 422 on ``setting`` if none."""
    try:
        return engine().choose_protocol(classification)
    except LookupError:
        raise InvalidInput.on(
            "setting",
            _(
                "No response protocol for this setting is published yet; "
                "refer the case to the police and guardianship body directly."
            ),
        ) from None


def _new_case(
    *,
    region: Region,
    school: Organisation | None,
    received_by: Organisation,
    actor: User,
    classification: dict[str, Any],
    child: Child | None = None,
) -> Case:
    """Allocate the number and create the case row with its forms (inside a transaction)."""
    now = timezone.now()
    year = timezone.localtime(now).year  # the year in Kazakhstan (settings.TIME_ZONE)
    sequence = allocate_number(region, year)
    case = Case.objects.create(
        number=Case.format_number(region.code, year, sequence),
        region=region,
        year=year,
        sequence=sequence,
        school=school,
        received_by=received_by,
        child=child,
        setting=classification["setting"],
        risk_level=classification["risk_level"],
        in_danger_now=bool(classification.get("in_danger_now")),
        repeated=classification.get("repeated"),
        perpetrator_relationship=classification.get("perpetrator_relationship") or "unknown",
        self_harm_risk=bool(classification.get("self_harm_risk")),
        summary=classification["summary"],
        child_age=classification.get("child_age"),
        child_sex=classification.get("child_sex") or "unknown",
        registered_at=now,
        registered_by=actor,
    )
    CaseViolenceForm.objects.bulk_create(
        CaseViolenceForm(case=case, code=code)
        for code in sorted(set(classification.get("forms") or []))
    )
    return case


@transaction.atomic
def open_alert_case(
    *,
    child: Child,
    actor: User,
    summary: str,
    protocol_code: str = "suicide_risk",
    source: str = "screening",
) -> Case:
    """Open a case straight from an alert (a screening's acute suicide-risk answer, …) and
    start ``protocol_code`` at once, without waiting for a report and triage."""
    memberships = list(actor.memberships.filter(active=True).select_related("organisation"))
    # the organisation that took the alert: the child's school if the actor works there,
    # else a PSC, else any of the actor's organisations
    received_by = next(
        (m for m in memberships if m.organisation_id == child.school_id),
        next((m for m in memberships if m.organisation.kind in {"psc", "psc_branch"}), None)
        or (memberships[0] if memberships else None),
    )
    if received_by is None:
        raise NotAllowed(_("Only a member of an organisation can open a case."))
    case = _new_case(
        region=child.region,
        school=child.school,
        received_by=received_by.organisation,
        actor=actor,
        child=child,
        classification={
            "setting": "unknown",
            "risk_level": "immediate",
            "self_harm_risk": protocol_code == "suicide_risk",
            "summary": summary,
            "child_sex": child.sex,
            "child_age": child.age_on(timezone.localdate()),
        },
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.REGISTERED,
        actor=actor,
        at=case.registered_at,
        payload={"source": source},
    )
    engine().start_protocol(case, protocol_code, actor=actor)
    case_registered.send(sender=Case, case=case)
    audit.record(
        actor=actor,
        action="case.register",
        object_type="case",
        object_id=case.number,
        changes={"source": source, "protocol": protocol_code, "child": child.code},
    )
    return case


def _school_in_region(code: str | None, region: Region) -> Organisation | None:
    """The school triage chose for a report that named only a region (111, email)."""
    if not code:
        return None
    school = intake.find_school(code)
    if school is None or school.region_id != region.pk:
        raise InvalidInput.on("school", _("Choose a school of the report's region."))
    return school


@entry_point
def register_case(*, report: Report, actor: User, classification: dict[str, Any]) -> Case:
    """Register a report as a case, give it a number and start its protocol (1.3.5, 1.4.2).

    ``classification`` is the cleaned data of ``cases.forms.RegisterCaseForm``.
    """
    report = intake.lock_for_triage(actor, report)
    protocol_code = choose_protocol(classification)
    school = report.school or _school_in_region(classification.get("school"), report.region)
    case = _new_case(
        region=report.region,
        school=school,
        received_by=report.received_by,
        actor=actor,
        classification=classification,
    )
    now = case.registered_at
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.REGISTERED,
        actor=actor,
        at=now,
        payload={"report": str(report.public_id), "channel": report.channel},
    )
    intake.mark_registered(report, case=case, actor=actor, at=now, school=school)
    engine().start_protocol(case, protocol_code, actor=actor)
    case_registered.send(sender=Case, case=case)
    intake.tell_reporter_registered(report, case)  # 1.3.5: the number, on their channel
    if case.self_harm_risk or case.in_danger_now:
        from qamqor.intake import alerts

        alerts.raise_alert(
            report, reason="suicide_risk" if case.self_harm_risk else "in_danger_now"
        )
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


@entry_point
def link_report(*, report: Report, case: Case, actor: User) -> Report:
    """Attach a report to an open case it repeats, and tell the reporter the case number."""
    locked = intake.lock_for_triage(actor, report)
    if not Case.objects.restrict(actor, "view").filter(pk=case.pk).exists():
        raise InvalidInput.on("case", _("No case with this number is open to you."))
    if case.is_closed:
        raise Conflict(_("The case is closed; register the report as a new case."))
    if case.region_id != locked.region_id:
        raise InvalidInput.on("case", _("The case is in another region."))
    intake.mark_registered(locked, case=case, actor=actor, at=timezone.now())
    locked.refresh_from_db()
    audit.record(
        actor=actor,
        action="report.link",
        object_type="report",
        object_id=locked.public_id,
        changes={"case": case.number},
    )
    intake.tell_reporter_registered(locked, case)
    return locked


@entry_point
def close_case(*, case: Case, actor: User, outcome: str, note: str = "") -> Case:
    """Close a case with its outcome once every protocol step is done."""
    if not access.permits(actor, "close", case):
        raise NotAllowed(_("Only the school coordinator or a coordinator can close the case."))
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.is_closed:
        raise Conflict(_("The case is already closed."))
    unfinished = engine().unfinished_steps(locked)
    if unfinished:
        raise Conflict(_("Steps are not done yet: %(steps)s.") % {"steps": "; ".join(unfinished)})
    now = timezone.now()
    previous_status = locked.status
    locked.status = Case.Status.CLOSED
    locked.closed_at = now
    locked.closed_by = actor
    locked.outcome = outcome
    locked.outcome_note = note.strip()
    locked.save(update_fields=["status", "closed_at", "closed_by", "outcome", "outcome_note"])
    CaseEvent.objects.create(
        case=locked, kind=CaseEvent.Kind.CLOSED, actor=actor, at=now, payload={"outcome": outcome}
    )
    case_closed.send(sender=Case, case=locked, previous_status=previous_status)
    audit.record(
        actor=actor,
        action="case.close",
        object_type="case",
        object_id=locked.number,
        changes={"outcome": outcome, "note": audit.sealed(locked.outcome_note)},
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
