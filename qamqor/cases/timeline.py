"""The case timeline as people read it: each event with the step, organisation and reason
it refers to, in the active language.

Withheld notifications are spelled out ("Legal representatives not notified: the
alleged perpetrator"), because the reason is what a reader must be able to check
(brief 1.3.5, 1.4.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, ngettext

from qamqor.cases.hooks import engine
from qamqor.cases.models import Case, CaseEvent, LegalRepresentative
from qamqor.classification import Outcome
from qamqor.directory.models import OrganisationKind
from qamqor.intake.models import Channel, LifeSafetyAlert


class StepShown(Protocol):
    """What the timeline reads of a step: the engine sits above cases and hands its steps
    in (docs/decisions/0012-layers.md)."""

    @property
    def key(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def organisation(self) -> Any: ...


class ProtocolShown(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def title(self) -> str: ...


class RunShown(Protocol):
    """What the timeline reads of a protocol run: its protocol's code and title."""

    @property
    def protocol(self) -> ProtocolShown: ...


@dataclass
class Entry:
    event: CaseEvent
    label: str
    step: str = ""
    detail: str = ""
    organisation: str = ""
    due_at: datetime | None = None
    alert: bool = False

    @property
    def kind(self) -> str:
        return self.event.kind


def _withheld_reason(
    payload: dict[str, Any], people: dict[str, LegalRepresentative], note: str
) -> str:
    reason = payload.get("reason", "")
    person = people.get(str(payload.get("representative", "")))
    if reason == "protocol_forbids":
        text = gettext("the protocol forbids it")
    elif reason == "alleged_perpetrator":
        text = gettext("the alleged perpetrator")
    elif reason == "none_recorded":
        text = gettext("none is recorded on the case yet")
    elif reason == "do_not_contact":
        text = (
            gettext("%(name)s is not to be contacted in this case") % {"name": person.full_name}
            if person
            else gettext("a representative is not to be contacted in this case")
        )
    elif reason == "no_address":
        text = (
            gettext("no email address or phone for %(name)s") % {"name": person.full_name}
            if person
            else gettext("no email address or phone recorded")
        )
    elif reason == "cancelled_by_staff":
        text = gettext("staff decided not to send the notice: %(note)s") % {"note": note}
    elif reason == "no_email":
        text = (
            gettext("no email address for %(name)s") % {"name": person.full_name}
            if person
            else gettext("no email address recorded")
        )
    else:
        text = str(reason)
    cancelled = payload.get("cancelled")
    if cancelled:
        text += "; " + ngettext(
            "%(count)d message not yet sent was cancelled",
            "%(count)d messages not yet sent were cancelled",
            cancelled,
        ) % {"count": cancelled}
    return text


def _withheld_label(payload: dict[str, Any]) -> str:
    target = payload.get("to", "")
    if target == "legal_representatives":
        return gettext("Legal representatives not notified")
    roles = engine().organisation_roles
    if target in roles:
        kind = OrganisationKind(roles[target]).label
        return gettext("Not notified: %(organisation)s") % {"organisation": kind}
    return gettext("Notification withheld")


def _protocol_name(runs: Iterable[RunShown], code: str | None) -> str:
    for run in runs:
        if run.protocol.code == code:
            return run.protocol.title
    return code or "—"


def timeline(
    case: Case,
    steps: Sequence[StepShown],
    *,
    runs: Sequence[RunShown],
    representatives: list[LegalRepresentative] | None = None,
    safety_alerts: list[LifeSafetyAlert] | None = None,
) -> list[Entry]:
    """The case's events (prefetched on ``case.events``) with the names they refer to."""
    titles = {step.key: step.title for step in steps}  # later runs win: steps are in order
    organisations = {step.organisation.code: step.organisation.name for step in steps}
    people = {str(person.pk): person for person in representatives or []}
    channels = dict(Channel.choices)
    outcomes = dict(Outcome.choices)
    entries = []
    for event in case.events.all():
        payload = event.payload or {}
        entry = Entry(
            event=event,
            label=str(event.get_kind_display()),
            step=titles.get(payload.get("step", ""), payload.get("step", "")),
            organisation=organisations.get(payload.get("organisation", ""), ""),
            due_at=parse_datetime(payload["due_at"]) if payload.get("due_at") else None,
        )
        kind = event.kind
        if kind == CaseEvent.Kind.REGISTERED and payload.get("channel"):
            entry.detail = str(channels.get(payload["channel"], payload["channel"]))
        elif kind == CaseEvent.Kind.PROTOCOL_STARTED:
            entry.detail = (
                f"{_protocol_name(runs, payload.get('protocol'))} · v{payload.get('version')}"
            )
        elif kind == CaseEvent.Kind.STEP_SKIPPED:
            entry.detail = "; ".join(titles.get(key, key) for key in payload.get("steps", []))
        elif kind == CaseEvent.Kind.STEP_ESCALATED:
            entry.alert = True
            entry.detail = (
                gettext("to the national coordinator")
                if payload.get("to") == "national_coordinator"
                else gettext("to the region's coordinators")
            )
        elif kind == CaseEvent.Kind.NOTIFICATION_WITHHELD:
            entry.alert = True
            entry.label = _withheld_label(payload)
            entry.detail = _withheld_reason(payload, people, event.note)
            if payload.get("to") not in (None, "legal_representatives"):
                entry.detail = str(payload.get("reason", ""))
        elif kind == CaseEvent.Kind.RECLASSIFIED:
            if payload.get("switched"):
                entry.detail = gettext("protocol %(old)s → %(new)s; reason: %(reason)s") % {
                    "old": _protocol_name(runs, payload.get("from")),
                    "new": _protocol_name(runs, payload.get("to")),
                    "reason": event.note,
                }
            else:
                entry.label = gettext("reclassified, same protocol")
                entry.detail = gettext("reason: %(reason)s") % {"reason": event.note}
        elif kind == CaseEvent.Kind.CLOSED and payload.get("outcome"):
            entry.detail = str(outcomes.get(payload["outcome"], payload["outcome"]))
        entries.append(entry)
    if safety_alerts is None:
        safety_alerts = case_safety_alerts(case)
    entries.extend(_alert_entries(case, titles, safety_alerts))
    entries.sort(key=lambda item: item.event.at)  # stable: events keep their own order
    return entries


LIFE_SAFETY = "life_safety_alert"


def case_safety_alerts(case: Case) -> list[LifeSafetyAlert]:
    """The life-safety alerts of the case's reports (with what the page and the timeline
    show of them), oldest first."""
    return list(
        LifeSafetyAlert.objects.filter(report__case=case)
        .select_related("report", "acknowledged_by")
        .prefetch_related("responders")
        .order_by("raised_at", "pk")
    )


def _alert_entries(
    case: Case, titles: dict[str, str], alerts: list[LifeSafetyAlert]
) -> list[Entry]:
    """The life-safety alerts of the case's reports: raised (often before the case was
    registered), each repeat, and the acknowledgement, as timeline entries."""
    entries = []
    for alert in alerts:
        reason = str(alert.get_reason_display())
        responders = ", ".join(str(o.name) for o in alert.responders.all())
        entries.append(
            Entry(
                event=CaseEvent(case=case, kind=LIFE_SAFETY, at=alert.raised_at),
                label=gettext("Life-safety alert sent"),
                detail=f"{reason} · {responders}" if responders else reason,
                alert=True,
            )
        )
        for number, sent in enumerate(alert.rounds[1:], start=2):
            at = parse_datetime(sent)
            if at is None:
                continue
            entries.append(
                Entry(
                    event=CaseEvent(case=case, kind=LIFE_SAFETY, at=at),
                    label=gettext("Life-safety alert repeated, not yet acknowledged"),
                    detail=gettext("round %(number)d") % {"number": number},
                    alert=True,
                )
            )
        if alert.acknowledged_at is not None:
            entries.append(
                Entry(
                    event=CaseEvent(
                        case=case,
                        kind=LIFE_SAFETY,
                        at=alert.acknowledged_at,
                        actor=alert.acknowledged_by,
                    ),
                    label=gettext("Life-safety alert acknowledged"),
                    detail=(
                        gettext("by completing the immediate-safety step")
                        if alert.acknowledged_step
                        else ""
                    ),
                    step=titles.get(alert.acknowledged_step, alert.acknowledged_step),
                )
            )
    return entries
