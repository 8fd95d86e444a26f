"""Reads of reports, always through the access policy, each read of one report audited."""

from __future__ import annotations

import uuid

from django.http import Http404

from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.intake.models import Report


def get_report_for_user(user: User, public_id: uuid.UUID, *, audit_read: bool = True) -> Report:
    """The report if the user may see it, else 404 (never 403); the read is audited."""
    report = (
        Report.objects.visible_to(user)
        .select_related("school", "region", "received_by", "triaged_by", "case")
        .filter(public_id=public_id)
        .first()
    )
    if report is None:
        raise Http404("report")
    if audit_read:
        audit.record(actor=user, action="report.read", object_type="report", object_id=public_id)
    return report
