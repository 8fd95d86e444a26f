"""Answers in, score out: an interview's answers or the child's own submission through a
one-time code, scored at once, with the alerts its critical answers raise.

The status change is a conditional UPDATE, so one administration is scored once however
many times its answers arrive.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.errors import Conflict
from qamqor.instruments import fhir, scoring
from qamqor.instruments.models import (
    Administration,
)
from qamqor.instruments.services.alerts import raise_alerts
from qamqor.instruments.services.codes import find_by_code
from qamqor.instruments.signals import screening_completed
from qamqor.units import entry_point


def _threshold(administration: Administration) -> int | None:
    campaign = administration.campaign if administration.campaign_id else None
    return campaign.follow_up_threshold if campaign else None


def complete_administration(
    administration: Administration,
    scored: scoring.Scored,
    *,
    actor: User | None,
    now: datetime,
    expected_status: str,
    stated: fhir.StatedTotal | None = None,
    submitted_at: datetime | None = None,
) -> Administration:
    """Store the score and raise the alerts; refuses an administration already completed.

    The status change is a conditional UPDATE, so two submissions of one code (a double
    tap, two tablets) cannot both be scored.
    """
    spec = administration.spec
    age = administration.child.age_on(timezone.localtime(submitted_at or now).date())
    follow_up = scoring.needs_follow_up(spec, scored, _threshold(administration))
    fields: dict[str, Any] = {
        "status": Administration.Status.COMPLETED,
        "submitted_at": submitted_at or now,
        "answers": scored.answers,
        "raw_total": scored.raw_total,
        "score": scored.score,
        "subscales": scored.subscales,
        "band": scored.band,
        "needs_follow_up": follow_up,
        "critical": bool(scored.alerts),
        "age_years": age,
        "stated_total": stated.value if stated else None,
        "stated_total_scale": stated.scale if stated else "",
    }
    updated = Administration.objects.filter(pk=administration.pk, status=expected_status).update(
        **fields
    )
    if not updated:
        raise Conflict(_("These answers were already sent."))
    for name, value in fields.items():
        setattr(administration, name, value)
    screening_completed.send(sender=Administration, administration=administration)
    audit.record(
        actor=actor,
        action="screening.submit",
        object_type="administration",
        object_id=administration.public_id,
        changes={
            "instrument": str(administration.instrument),
            "mode": administration.mode,
            "band": scored.band,
            "alerts": scored.alerts,
        },
    )
    if scored.alerts:
        raise_alerts(administration, scored.alerts, actor=actor, now=now)
    return administration


@entry_point
def submit_interview(
    *, administration: Administration, actor: User, answers: Mapping[str, object]
) -> Administration:
    """The psychologist records the interview's answers; scored at once."""
    if administration.status != Administration.Status.IN_PROGRESS:
        raise Conflict(_("This screening is not waiting for answers."))
    scored = scoring.score_answers(administration.spec, answers)
    return complete_administration(
        administration,
        scored,
        actor=actor,
        now=timezone.now(),
        expected_status=Administration.Status.IN_PROGRESS,
    )


@entry_point
def submit_by_code(*, code: str, answers: Mapping[str, object]) -> Administration:
    """The child's own submission through a one-time code (no login).

    The hot path of a national campaign: one read, one conditional update, the audit row,
    and alerts only when an answer is critical.
    """
    now = timezone.now()
    administration = find_by_code(code, now=now)
    scored = scoring.score_answers(administration.spec, answers)
    return complete_administration(
        administration,
        scored,
        actor=None,
        now=now,
        expected_status=Administration.Status.INVITED,
    )
