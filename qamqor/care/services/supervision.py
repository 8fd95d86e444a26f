"""Supervision and intervision sessions of psychologists (brief 2.3.3)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import policy
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.care.models import SupervisionKind, SupervisionLevel, SupervisionSession
from qamqor.care.services.common import CLOCK_SKEW
from qamqor.directory.models import Organisation
from qamqor.errors import FieldProblem, InvalidInput, NotAllowed
from qamqor.units import entry_point


@entry_point
def record_supervision(
    *,
    actor: User,
    organisation: Organisation,
    kind: str,
    level: str,
    held_at: datetime,
    duration_minutes: int,
    topic: str,
    participants: Iterable[User],
    online: bool = False,
    facilitator: User | None = None,
    facilitator_name: str = "",
    guests: int = 0,
) -> SupervisionSession:
    """Record a supervision or intervision session with its participants (2.3.3)."""
    care = policy.care_scope_for(actor)
    allowed = (
        care.national
        or organisation.pk in care.referral_org_ids
        or (organisation.region_id is not None and organisation.region_id in care.region_ids)
    )
    if not allowed:
        raise NotAllowed(_("You cannot record sessions for this organisation."))
    people = list(dict.fromkeys(participants))
    problems: list[FieldProblem] = []
    if kind not in SupervisionKind.values:
        problems.append(FieldProblem("kind", _("Choose supervision or intervision.")))
    if level not in SupervisionLevel.values:
        problems.append(FieldProblem("level", _("Choose the level.")))
    if not (topic or "").strip():
        problems.append(FieldProblem("topic", _("Name the topic.")))
    if not 15 <= duration_minutes <= 480:
        problems.append(FieldProblem("duration_minutes", _("A session lasts 15 to 480 minutes.")))
    if held_at > timezone.now() + CLOCK_SKEW:
        problems.append(FieldProblem("held_at", _("Record sessions that have taken place.")))
    if not people:
        problems.append(FieldProblem("participants", _("Choose the participants.")))
    if kind == SupervisionKind.SUPERVISION and facilitator is None and not facilitator_name.strip():
        problems.append(FieldProblem("facilitator_name", _("Name the supervisor.")))
    if problems:
        raise InvalidInput(problems[0].message, problems)
    session = SupervisionSession.objects.create(
        kind=kind,
        level=level,
        online=online,
        organisation=organisation,
        held_at=held_at,
        duration_minutes=duration_minutes,
        topic=topic.strip(),
        facilitator=facilitator,
        facilitator_name=facilitator_name.strip(),
        guests=guests,
        recorded_by=actor,
    )
    session.participants.set(people)
    audit.record(
        actor=actor,
        action="supervision.record",
        object_type="supervision",
        object_id=str(session.public_id),
        changes={
            "organisation": organisation.code,
            "kind": kind,
            "level": level,
            "online": online,
            "participants": len(people) + guests,
        },
    )
    return session
