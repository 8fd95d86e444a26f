"""Alerts on critical answers: the psychologists are told at once, a rule may open a
protocol, and an alert nobody acknowledges in time goes to the PSC on duty."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.models import Membership, Role, User
from qamqor.audit import services as audit
from qamqor.cases import services as case_services
from qamqor.cases.models import Case, Child
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.errors import Conflict, DomainError
from qamqor.instruments.models import (
    Administration,
    Alert,
)
from qamqor.notify import services as notify
from qamqor.units import entry_point

logger = logging.getLogger(__name__)

PSYCHOLOGIST_ROLES = [Role.SCHOOL_PSYCHOLOGIST, Role.PSC_PSYCHOLOGIST, Role.PSC_HEAD]


def _psychologists_for(administration: Administration) -> list[User]:
    """Who is told at once: the school's psychologists (only they: whoever created a
    region campaign is a coordinator and must not learn a pupil's answers), or, at a PSC,
    the psychologist who ran it (else the PSC's psychologists)."""
    users = User.objects.filter(is_active=True)
    if administration.organisation.kind != OrganisationKind.SCHOOL and administration.created_by_id:
        psc_staff = Membership.objects.filter(
            organisation_id=administration.organisation_id, active=True, role__in=PSYCHOLOGIST_ROLES
        ).values("user_id")
        chosen = users.filter(pk=administration.created_by_id, pk__in=psc_staff)
    else:
        members = Membership.objects.filter(
            organisation_id=administration.organisation_id,
            active=True,
            role__in=PSYCHOLOGIST_ROLES,
        ).values("user_id")
        chosen = users.filter(pk__in=members)
    return list(chosen.order_by("pk"))


def duty_psc(child: Child) -> Organisation | None:
    """The PSC on duty for a child: the region's PSC, preferring the school's district."""
    candidates = Organisation.objects.filter(
        region_id=child.region_id, kind=OrganisationKind.PSC
    ).order_by("pk")
    district_id = child.school.district_id if child.school_id and child.school else None
    if district_id:
        in_district = candidates.filter(district_id=district_id).first()
        if in_district is not None:
            return in_district
    return candidates.first()


def _alert_context(administration: Administration, alert: Alert) -> dict[str, Any]:
    rule = administration.spec.alert_rule(alert.rule)
    return {
        "child_code": administration.child.code,
        "instrument": administration.instrument.short_name,
        "alert_label": rule.label.as_dict() if rule else alert.rule,
        "minutes": settings.ALERT_ESCALATION_MINUTES,
    }


def raise_alerts(
    administration: Administration, rules: Iterable[str], *, actor: User | None, now: datetime
) -> list[Alert]:
    """Record one alert per critical rule and tell the psychologists at once (in-app and
    email, through the outbox); a rule that opens a protocol opens it now."""
    spec = administration.spec
    alerts = []
    for code in rules:
        rule = spec.alert_rule(code)
        if rule is None:
            continue
        alerts.append(
            Alert(
                administration=administration,
                child=administration.child,
                rule=code,
                severity=rule.severity,
                organisation=administration.organisation,
                created_at=now,
                opens_protocol=rule.opens_protocol or "",
            )
        )
    Alert.objects.bulk_create(alerts)
    saved = list(Alert.objects.filter(administration=administration).order_by("pk"))
    link = reverse("screening-result", args=[administration.public_id])
    recipients = _psychologists_for(administration)
    for alert in saved:
        if not recipients:  # no psychologist at the school: the PSC is told at once
            transaction.on_commit(partial(_escalate_now, alert.pk))
        notify.notify_users(
            recipients,
            "screening_alert",
            _alert_context(administration, alert),
            key=f"screening-alert:{alert.pk}",
            link=link,
        )
        audit.record(
            actor=actor,
            action="screening.alert",
            object_type="administration",
            object_id=administration.public_id,
            changes={"rule": alert.rule, "severity": alert.severity},
        )
        if alert.opens_protocol:
            opener = actor or administration.created_by
            if opener is not None:
                case = open_protocol_for_alert(alert, actor=opener)
                if case is not None:
                    Alert.objects.filter(pk=alert.pk).update(case=case)
                    alert.case = case
    return saved


def open_protocol_for_alert(alert: Alert, *, actor: User) -> Case | None:
    """Open a case on the alert's protocol (an ASQ acute positive: the suicide-risk
    protocol, through ``cases.services.open_alert_case``).

    Runs in a savepoint: if no case can be opened (no PSC in the region, …) the child's
    answers and the alert are still saved, and the psychologists are told why.
    """
    administration = alert.administration
    summary = gettext(
        "Screening %(instrument)s of child %(child)s: %(band)s. Opened from the alert."
    ) % {
        "instrument": str(administration.instrument),
        "child": administration.child.code,
        "band": administration.band_label(),
    }
    try:
        with transaction.atomic():
            case: Case = case_services.open_alert_case(
                child=administration.child,
                actor=actor,
                summary=summary,
                protocol_code=alert.opens_protocol,
                source="screening",
            )
            return case
    except DomainError as error:
        logger.warning("alert %s: could not open protocol: %s", alert.pk, error.detail)
        audit.record(
            actor=actor,
            action="screening.protocol_failed",
            object_type="administration",
            object_id=administration.public_id,
            changes={"protocol": alert.opens_protocol, "reason": str(error.detail)},
        )
        return None


@entry_point
def acknowledge_alert(*, alert: Alert, actor: User) -> Alert:
    """A psychologist takes the alert in hand; it will not be escalated after this."""
    updated = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=actor
    )
    if not updated:
        raise Conflict(_("This alert is already acknowledged."))
    alert.refresh_from_db()
    audit.record(
        actor=actor,
        action="screening.alert_acknowledge",
        object_type="administration",
        object_id=alert.administration.public_id,
        changes={"rule": alert.rule},
    )
    return alert


def escalate_unacknowledged_alerts(now: datetime | None = None, limit: int = 500) -> int:
    """Send every alert nobody acknowledged within QAMQOR_ALERT_ESCALATION_MINUTES to the
    PSC on duty. Each alert is claimed by a conditional UPDATE, so concurrent workers
    escalate it once."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.ALERT_ESCALATION_MINUTES)
    due = list(
        Alert.objects.filter(
            acknowledged_at__isnull=True, escalated_at__isnull=True, created_at__lte=cutoff
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(_escalate(pk, now) for pk in due)


def _escalate_now(pk: int) -> None:
    _escalate(pk, timezone.now())


def _escalate(pk: int, now: datetime) -> bool:
    """Escalate one alert to the PSC on duty, unless someone acknowledged or escalated it."""
    with transaction.atomic():
        alert = Alert.objects.select_related(
            "administration__instrument", "administration__child__school", "child"
        ).get(pk=pk)
        psc = duty_psc(alert.child)
        claimed = Alert.objects.filter(
            pk=pk, acknowledged_at__isnull=True, escalated_at__isnull=True
        ).update(escalated_at=now, escalated_to=psc)
        if not claimed:
            return False
        administration = alert.administration
        audit.record(
            actor=None,
            action="screening.alert_escalate",
            object_type="administration",
            object_id=administration.public_id,
            changes={"rule": alert.rule, "to": psc.code if psc else None},
        )
        if psc is None:
            logger.error("alert %s: no PSC in region %s to escalate to", pk, alert.child.region_id)
            return True
        notify.notify_organisation(
            psc,
            "screening_alert_escalated",
            _alert_context(administration, alert),
            key=f"screening-alert-escalated:{pk}",
            link=reverse("screening-result", args=[administration.public_id]),
            roles=[Role.PSC_PSYCHOLOGIST, Role.PSC_HEAD],
        )
    return True
