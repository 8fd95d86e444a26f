"""The receivers that turn what the domain apps announce into delta rows (decision 0014).

Connected in ``AnalyticsConfig.ready()``; each runs inside the domain service's
transaction (the signals are sent there), so a delta commits or rolls back with the fact
it counts. The dimensions are codes read from the rows the service just wrote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Subquery

from qamqor.analytics.grains import duration_measures, month_of, whole_seconds
from qamqor.analytics.models import Delta
from qamqor.care.models import Consultation, CrisisBasis
from qamqor.cases.models import Case
from qamqor.directory.models import Organisation
from qamqor.instruments.models import Administration
from qamqor.intake.models import Report
from qamqor.protocols.models import ProtocolRun, Step
from qamqor.referrals.models import Referral

CASE_STATUS_MEASURES = {
    Case.Status.REGISTERED: "registered",
    Case.Status.IN_PROGRESS: "in_progress",
    Case.Status.CLOSED: "closed",
}


def ownership_of(school: Organisation | None) -> str:
    """public, private or none (no school): the comparison of brief 2.3.9."""
    if school is None:
        return "none"
    return "private" if school.is_private else "public"


@dataclass(frozen=True)
class CaseFacts:
    """What the statistics count a case by, read in one query: its place (region code,
    the district of its school else of the organisation that received it, ownership), its
    forms, its latest protocol and when its first report was received."""

    place: dict[str, str]
    forms: list[str]
    protocol: str
    first_received: dt.datetime | None
    received_by_kind: str


def case_facts(case: Case) -> CaseFacts:
    """The case's ``CaseFacts`` (one query, whatever the signal: registration stays within
    its query budget)."""
    runs = ProtocolRun.objects.filter(case=OuterRef("pk")).order_by("-pk")
    reports = Report.objects.filter(case=OuterRef("pk")).order_by("received_at")
    rows = list(
        Case.objects.filter(pk=case.pk)
        .annotate(
            latest_protocol=Subquery(runs.values("protocol__code")[:1]),
            first_received=Subquery(reports.values("received_at")[:1]),
        )
        .values_list(
            "region__code",
            "school_id",
            "school__is_private",
            "school__district__code",
            "received_by__district__code",
            "received_by__kind",
            "forms__code",
            "latest_protocol",
            "first_received",
        )
    )
    region, school, private, school_district, received_district, kind = rows[0][:6]
    protocol, received = rows[0][7:]
    ownership = "none" if school is None else ("private" if private else "public")
    return CaseFacts(
        place={
            "region": region,
            "district": school_district or received_district or "",
            "ownership": ownership,
        },
        forms=sorted({row[6] for row in rows if row[6]}),
        protocol=protocol or "",
        first_received=received,
        received_by_kind=kind,
    )


def _write(rows: list[tuple[str, dict[str, Any], dict[str, int]]]) -> None:
    Delta.objects.bulk_create(
        Delta(
            kind=kind,
            dimensions={k: v.isoformat() if isinstance(v, dt.date) else v for k, v in dims.items()},
            measures=measures,
        )
        for kind, dims, measures in rows
        if any(measures.values())
    )


def _case_rows(
    case: Case,
    place: dict[str, str],
    classification: dict[str, Any],
    sign: int,
    status_measure: str,
) -> list[tuple[str, dict[str, Any], dict[str, int]]]:
    """The case's rows in the two case grains, as ``classification`` says, times ``sign``."""
    month = month_of(case.registered_at)
    common = {
        "month": month,
        **place,
        "setting": classification["setting"],
        "relationship": classification["perpetrator_relationship"],
    }
    rows: list[tuple[str, dict[str, Any], dict[str, int]]] = [
        (
            "cases",
            {**common, "protocol": classification["protocol"]},
            {"cases": sign, status_measure: sign},
        )
    ]
    rows += [
        ("case_forms", {**common, "form": form}, {"cases": sign})
        for form in sorted(set(classification["forms"]))
    ]
    return rows


def _classification(case: Case, facts: CaseFacts) -> dict[str, Any]:
    return {
        "setting": case.setting,
        "perpetrator_relationship": case.perpetrator_relationship,
        "forms": facts.forms,
        "protocol": facts.protocol,
    }


def on_case_registered(sender: Any, case: Case, **kwargs: Any) -> None:
    """A new case: counted in its registration month; the report's wait to registration."""
    facts = case_facts(case)
    rows = _case_rows(case, facts.place, _classification(case, facts), 1, "registered")
    if facts.first_received is not None:
        rows.append(
            (
                "durations",
                {
                    "measure": "report_to_registration",
                    "month": month_of(case.registered_at),
                    "region": facts.place["region"],
                    "organisation_kind": facts.received_by_kind,
                },
                duration_measures(whole_seconds(facts.first_received, case.registered_at)),
            )
        )
    _write(rows)


def _case_cell(case: Case, facts: CaseFacts) -> dict[str, Any]:
    """The case's cell in the ``cases`` grain (its forms are not a dimension there)."""
    classification = {**_classification(case, facts), "forms": []}
    [(_kind, dims, _measures)] = _case_rows(case, facts.place, classification, 1, "cases")
    return dims


def on_case_started(sender: Any, case: Case, **kwargs: Any) -> None:
    """The first step done: the case moves from registered to in progress."""
    cell = _case_cell(case, case_facts(case))
    _write([("cases", cell, {"registered": -1, "in_progress": 1})])


def on_case_reclassified(sender: Any, case: Case, before: dict[str, Any], **kwargs: Any) -> None:
    """Take the case back from its old cells and add it to its new ones (brief 1.4.1)."""
    status = CASE_STATUS_MEASURES[Case.Status(case.status)]
    facts = case_facts(case)
    old = {
        "setting": before["setting"],
        "perpetrator_relationship": before["perpetrator_relationship"],
        "forms": before["forms"],
        "protocol": before.get("protocol") or "",
    }
    new = _classification(case, facts)
    _write(
        _case_rows(case, facts.place, old, -1, status)
        + _case_rows(case, facts.place, new, 1, status)
    )


def on_case_closed(sender: Any, case: Case, previous_status: str, **kwargs: Any) -> None:
    """Closure: its status moves in the registration month; the closure month counts it
    by outcome; the time from registration to closure."""
    facts = case_facts(case)
    previous = CASE_STATUS_MEASURES[Case.Status(previous_status)]
    closed_at = case.closed_at or case.registered_at
    place = facts.place
    _write(
        [
            ("cases", _case_cell(case, facts), {previous: -1, "closed": 1}),
            (
                "closures",
                {"month": month_of(closed_at), **place, "outcome": case.outcome},
                {"closed": 1},
            ),
            (
                "durations",
                {
                    "measure": "registration_to_closure",
                    "month": month_of(closed_at),
                    "region": place["region"],
                    "organisation_kind": "",
                },
                duration_measures(whole_seconds(case.registered_at, closed_at)),
            ),
        ]
    )


def timeliness_of(step: Step) -> str:
    """on_time, or late when it was done after its deadline."""
    due, done = step.due_at, step.completed_at
    return "late" if due is not None and done is not None and done > due else "on_time"


def on_step_completed(sender: Any, step: Step, **kwargs: Any) -> None:
    """A step done, on time or late, by the kind of organisation responsible (1.2.1)."""
    completed_at = step.completed_at
    if completed_at is None:
        return
    _write(
        [
            (
                "steps",
                {
                    "month": month_of(completed_at),
                    "region": step.case.region.code,
                    "organisation_kind": step.organisation.kind,
                    "timeliness": timeliness_of(step),
                },
                {"steps": 1},
            )
        ]
    )


def _organisation_region(organisation: Organisation, fallback: str) -> str:
    return organisation.region.code if organisation.region_id else fallback  # type: ignore[union-attr]


def on_referral_accepted(sender: Any, referral: Referral, **kwargs: Any) -> None:
    """The time a referral waited for its receiver to accept it."""
    if referral.responded_at is None:
        return
    receiver = referral.to_organisation
    _write(
        [
            (
                "durations",
                {
                    "measure": "referral_acceptance",
                    "month": month_of(referral.responded_at),
                    "region": _organisation_region(receiver, referral.child.region.code),
                    "organisation_kind": receiver.kind,
                },
                duration_measures(whole_seconds(referral.sent_at, referral.responded_at)),
            )
        ]
    )


def _activity(activity: str, organisation: Organisation, at: dt.datetime) -> None:
    _write(
        [
            (
                "activity",
                {
                    "activity": activity,
                    "month": month_of(at),
                    "region": _organisation_region(organisation, ""),
                    "organisation_kind": organisation.kind,
                    "organisation": organisation.code,
                },
                {"events": 1},
            )
        ]
    )


def on_consultation_recorded(sender: Any, consultation: Consultation, **kwargs: Any) -> None:
    """A consultation, counted for the organisation of the psychologist (1.6.3)."""
    _activity("consultation", consultation.organisation, consultation.held_at)


def on_crisis_exception_used(sender: Any, basis: CrisisBasis, **kwargs: Any) -> None:
    """The crisis exception opened for a child (1.5.2)."""
    _activity("crisis_exception", basis.organisation, basis.recorded_at)


def on_screening_completed(sender: Any, administration: Administration, **kwargs: Any) -> None:
    """A screening scored: its instrument and band."""
    submitted = administration.submitted_at
    if submitted is None:
        return
    school = administration.school
    district = administration.district
    _write(
        [
            (
                "screenings",
                {
                    "month": month_of(submitted),
                    "region": administration.region.code,
                    "district": district.code if district else "",
                    "ownership": ownership_of(school),
                    "instrument": administration.instrument.code,
                    "band": administration.band,
                },
                {"screenings": 1},
            )
        ]
    )


def connect() -> None:
    """Connect every receiver (``AnalyticsConfig.ready``)."""
    from qamqor.care.signals import consultation_recorded, crisis_exception_used
    from qamqor.cases.signals import case_closed, case_registered
    from qamqor.instruments.signals import screening_completed
    from qamqor.protocols.signals import case_reclassified, case_started, step_completed
    from qamqor.referrals.signals import referral_accepted

    uid = "analytics"
    case_registered.connect(on_case_registered, dispatch_uid=f"{uid}.registered")
    case_started.connect(on_case_started, dispatch_uid=f"{uid}.started")
    case_reclassified.connect(on_case_reclassified, dispatch_uid=f"{uid}.reclassified")
    case_closed.connect(on_case_closed, dispatch_uid=f"{uid}.closed")
    step_completed.connect(on_step_completed, dispatch_uid=f"{uid}.step")
    referral_accepted.connect(on_referral_accepted, dispatch_uid=f"{uid}.referral")
    consultation_recorded.connect(on_consultation_recorded, dispatch_uid=f"{uid}.consultation")
    crisis_exception_used.connect(on_crisis_exception_used, dispatch_uid=f"{uid}.crisis")
    screening_completed.connect(on_screening_completed, dispatch_uid=f"{uid}.screening")
