"""Reads of reports, always through the access policy, each read of one report audited."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q
from django.http import Http404

from qamqor.accounts import access, policy
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.intake import hooks
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
        "duplicates": hooks.cases_repeated_by(report, user) if is_new and may_triage else [],
        "repeat_contacts": repeat_contacts(report, user),
        "region_schools": list(
            Organisation.objects.filter(region=report.region, kind=OrganisationKind.SCHOOL)
            .order_by("code")
            .only("pk", "code", "name_kk", "name_ru", "name_en")[:500]
        )
        if is_new and report.school_id is None
        else [],
    }
