"""Reads of reports, always through the access policy, each read of one report audited."""

from __future__ import annotations

import difflib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.http import Http404

from qamqor.accounts import access, policy
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.cases.models import Case
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.intake.models import LifeSafetyAlert, Report, ReportAttachment


def get_report_for_user(user: User, public_id: uuid.UUID, *, audit_read: bool = True) -> Report:
    """The report if the user may see it, else 404 (never 403); the read is audited."""
    report = (
        Report.objects.restrict(user, "view")
        .select_related("school", "region", "received_by", "triaged_by", "case")
        .filter(public_id=public_id)
        .first()
    )
    if report is None:
        raise Http404("report")
    if audit_read:
        audit.record(actor=user, action="report.read", object_type="report", object_id=public_id)
    return report


def get_attachment_for_user(user: User, public_id: uuid.UUID, pk: int) -> ReportAttachment:
    """An attachment of a report the user may see, else 404; the read is audited."""
    attachment = (
        ReportAttachment.objects.filter(report__in=Report.objects.restrict(user, "view"))
        .filter(report__public_id=public_id, pk=pk)
        .first()
    )
    if attachment is None:
        raise Http404("attachment")
    audit.record(
        actor=user,
        action="report.attachment_read",
        object_type="report",
        object_id=public_id,
        changes={"attachment": pk},
    )
    return attachment


def get_alert_for_user(user: User, public_id: uuid.UUID) -> LifeSafetyAlert:
    """The alert if the user is a responder or may see the report, else 404; audited."""
    scope = policy.scope_for(user)
    alert = (
        LifeSafetyAlert.objects.select_related("report__school", "report__region", "report__case")
        .filter(report__public_id=public_id)
        .filter(
            Q(report__in=Report.objects.restrict(user, "view"))
            | Q(responders__in=list(scope.organisation_ids))
        )
        .distinct()
        .first()
    )
    if alert is None:
        raise Http404("alert")
    audit.record(actor=user, action="report.alert_read", object_type="report", object_id=public_id)
    return alert


DUPLICATE_WINDOW_DAYS = 30
DUPLICATE_CANDIDATES = 50
DUPLICATE_MIN_SIMILARITY = 0.35


@dataclass(frozen=True)
class DuplicateCandidate:
    case: Case
    similarity: float


def duplicate_candidates(report: Report, user: User) -> list[DuplicateCandidate]:
    """Open cases the report may repeat: the same school (or region, when no school was
    named), registered in the last 30 days, with a similar description. The query uses
    the cases' (school, status) and registered_at indexes and reads at most 50 rows; the
    text comparison is difflib's ratio on the first 1,000 characters."""
    since = report.received_at - timedelta(days=DUPLICATE_WINDOW_DAYS)
    cases = Case.objects.restrict(user, "view").exclude(status=Case.Status.CLOSED)
    cases = (
        cases.filter(school=report.school)
        if report.school_id
        else cases.filter(region=report.region)
    )
    rows = list(
        cases.filter(registered_at__gte=since)
        .only("pk", "number", "summary", "registered_at", "status")
        .order_by("-registered_at")[:DUPLICATE_CANDIDATES]
    )
    text = report.narrative.lower()[:1000]
    found = []
    for case in rows:
        matcher = difflib.SequenceMatcher(None, text, case.summary.lower()[:1000])
        if matcher.real_quick_ratio() < DUPLICATE_MIN_SIMILARITY:
            continue
        ratio = matcher.ratio()
        if ratio >= DUPLICATE_MIN_SIMILARITY:
            found.append(DuplicateCandidate(case=case, similarity=round(ratio, 2)))
    return sorted(found, key=lambda c: -c.similarity)[:5]


def repeat_contacts(report: Report, user: User) -> list[Report]:
    """Other reports from the same channel identifier (same chat, same address)."""
    if not report.channel_ref:
        return []
    return list(
        Report.objects.restrict(user, "view")
        .filter(channel_ref=report.channel_ref)
        .exclude(pk=report.pk)
        .select_related("case")
        .order_by("-received_at")[:20]
    )


def triage_extras(report: Report, user: User) -> dict[str, Any]:
    """What the report page shows besides the report: the reporter's thread, the files,
    the life-safety alert, duplicates and repeat contacts, the choices triage needs."""
    from qamqor.intake import alerts, selfharm

    alert = LifeSafetyAlert.objects.filter(report=report).select_related("acknowledged_by").first()
    is_new = report.status == Report.Status.NEW
    may_triage = access.permits(user, "answer", report)
    return {
        "reporter_messages": list(report.messages.all()),
        # A suggestion for the reader, never a decision (data/self_harm_terms.json).
        "self_harm_words": selfharm.excerpts(report.narrative),
        "attachments": list(report.attachments.defer("content")),
        "safety_alert": alert,
        "may_acknowledge": bool(
            alert and not alert.acknowledged_at and alerts.may_acknowledge(user, alert)
        ),
        "may_answer": may_triage,
        "may_close_untrue": is_new and may_triage and access.permits(user, "close", report),
        "duplicates": duplicate_candidates(report, user) if is_new and may_triage else [],
        "repeat_contacts": repeat_contacts(report, user),
        "region_schools": list(
            Organisation.objects.filter(region=report.region, kind=OrganisationKind.SCHOOL)
            .order_by("code")
            .only("pk", "code", "name_kk", "name_ru", "name_en")[:500]
        )
        if is_new and report.school_id is None
        else [],
    }
