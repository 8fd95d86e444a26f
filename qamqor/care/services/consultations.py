"""Consultations (brief 1.6.3): in person, online, phone, group; with a child they rest on
consent or the crisis exception, chosen here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from qamqor.accounts import access
from qamqor.accounts.models import Role, User
from qamqor.audit import services as audit
from qamqor.care.models import (
    CareClient,
    ConsentRecord,
    Consultation,
    ConsultationBasis,
    ConsultationFormat,
    CrisisBasis,
)
from qamqor.care.services.common import (
    CLOCK_SKEW,
    ensure_client,
    lock_child,
    provider_ids,
    staff_of,
)
from qamqor.care.services.consent import active_support_consent
from qamqor.care.services.crisis import crisis_sessions_used, open_crisis_basis
from qamqor.care.signals import consultation_recorded
from qamqor.cases.models import Case, Child
from qamqor.directory.models import Organisation
from qamqor.errors import Conflict, FieldProblem, InvalidInput, NotAllowed
from qamqor.notify import services as notify
from qamqor.units import entry_point


@dataclass(frozen=True)
class SessionBasis:
    basis: str
    consent: ConsentRecord | None = None
    crisis_basis: CrisisBasis | None = None
    number: int = 0  # the crisis session's number within the limit


def session_basis(child: Child, organisation: Organisation) -> SessionBasis:
    """What a session with this child would rest on now, or a refusal saying why not.

    Consent first; else an open crisis basis with sessions left; else refused — the
    session after the last allowed one is blocked until consent is recorded.
    """
    consent = active_support_consent(child, organisation)
    if consent is not None:
        return SessionBasis(ConsultationBasis.CONSENT, consent=consent)
    basis = open_crisis_basis(child, organisation)
    used = crisis_sessions_used(child, organisation)
    limit = basis.session_limit if basis else settings.CRISIS_SESSION_LIMIT
    if basis is not None and used < limit:
        return SessionBasis(ConsultationBasis.CRISIS, crisis_basis=basis, number=used + 1)
    if used >= limit:
        raise Conflict(
            ngettext(
                "This child has had %(used)d crisis session without consent, the limit is "
                "%(limit)d. Record consent before the next session.",
                "This child has had %(used)d crisis sessions without consent, the limit is "
                "%(limit)d. Record consent before the next session.",
                used,
            )
            % {"used": used, "limit": limit},
            [FieldProblem("child", _("Consent is needed before the next session."))],
        )
    raise Conflict(
        _(
            "No consent to support is recorded for this child here, and no crisis basis is "
            "open. Record the consent (or, at a PSC, a crisis basis) first."
        ),
        [FieldProblem("child", _("Consent is needed before a session."))],
    )


@entry_point
def record_consultation(
    *,
    actor: User,
    organisation: Organisation,
    format: str,
    topic: str,
    held_at: datetime,
    duration_minutes: int,
    child: Child | None = None,
    case: Case | None = None,
    participants_count: int = 1,
    participants_note: str = "",
    notes: str = "",
    next_steps: str = "",
    next_appointment_at: datetime | None = None,
    hotline: bool = False,
) -> Consultation:
    """Record a consultation (1.6.3). With a child it rests on consent or the crisis
    exception, chosen here, never by the caller; a group or an anonymous consultation
    (hotline) has no child record."""
    if not access.acts_for(actor, "give_care", organisation.pk):
        raise NotAllowed(_("Only a psychologist of this organisation can record consultations."))
    problems: list[FieldProblem] = []
    if format not in ConsultationFormat.values:
        problems.append(FieldProblem("format", _("Choose the format.")))
    if not (topic or "").strip():
        problems.append(FieldProblem("topic", _("Name the topic.")))
    if not 5 <= duration_minutes <= 480:
        problems.append(
            FieldProblem("duration_minutes", _("A consultation lasts 5 to 480 minutes."))
        )
    now = timezone.now()
    if held_at > now + CLOCK_SKEW:
        problems.append(FieldProblem("held_at", _("Record consultations that have taken place.")))
    if next_appointment_at is not None and next_appointment_at <= held_at:
        problems.append(
            FieldProblem("next_appointment_at", _("The next appointment comes after this one."))
        )
    if format == ConsultationFormat.GROUP:
        if child is not None:
            problems.append(
                FieldProblem("child", _("Record group work without an individual child record."))
            )
        if participants_count < 2:
            problems.append(
                FieldProblem("participants_count", _("A group has two participants or more."))
            )
    elif participants_count < 1:
        problems.append(FieldProblem("participants_count", _("Give the number of participants.")))
    if case is not None and (child is None or case.child_id not in (None, child.pk)):
        problems.append(FieldProblem("case", _("This case is about another child.")))
    if problems:
        raise InvalidInput(problems[0].message, problems)
    chosen = SessionBasis(
        ConsultationBasis.GROUP
        if format == ConsultationFormat.GROUP
        else ConsultationBasis.ANONYMOUS
    )
    if child is not None:
        child = lock_child(child)
        chosen = session_basis(child, organisation)
    consultation = Consultation.objects.create(
        organisation=organisation,
        psychologist=actor,
        child=child,
        case=case,
        format=format,
        basis=chosen.basis,
        consent=chosen.consent,
        crisis_basis=chosen.crisis_basis,
        hotline=hotline and child is None,
        topic=topic.strip(),
        participants_count=participants_count,
        participants_note=participants_note.strip(),
        held_at=held_at,
        duration_minutes=duration_minutes,
        notes=notes.strip(),
        next_steps=next_steps.strip(),
        next_appointment_at=next_appointment_at,
        recorded_at=now,
    )
    consultation_recorded.send(sender=Consultation, consultation=consultation)
    if child is not None:
        ensure_client(child, organisation, CareClient.Via.OWN_RECORD)
        Consultation.objects.filter(
            child=child, organisation=organisation, follow_up_done=False, held_at__lt=held_at
        ).exclude(pk=consultation.pk).update(follow_up_done=True)
    changes: dict[str, Any] = {
        "consultation": str(consultation.public_id),
        "organisation": organisation.code,
        "format": format,
        "basis": chosen.basis,
        "duration_minutes": duration_minutes,
        "notes_length": len(consultation.notes),  # the notes themselves stay confidential
    }
    if chosen.crisis_basis is not None:
        changes |= {
            "crisis_basis": str(chosen.crisis_basis.public_id),
            "session": chosen.number,
            "limit": chosen.crisis_basis.session_limit,
        }
    audit.record(
        actor=actor,
        action="crisis.session" if chosen.crisis_basis else "consultation.record",
        object_type="child" if child else "consultation",
        object_id=child.code if child else str(consultation.public_id),
        changes=changes,
    )
    if chosen.crisis_basis is not None and chosen.number >= chosen.crisis_basis.session_limit:
        heads = staff_of(provider_ids(organisation), [Role.PSC_HEAD])
        notify.notify_users(
            [actor, *heads],
            "care_crisis_limit_reached",
            {"organisation": organisation, "limit": chosen.crisis_basis.session_limit},
            key=f"care-crisis-limit:{chosen.crisis_basis.pk}",
            case=case,
            link=reverse("care-child", args=[child.code]) if child else "",
        )
    return consultation
