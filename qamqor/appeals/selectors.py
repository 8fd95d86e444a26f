"""Reads of anonymous appeals: released ones, to the coordinating body only; any other is a
404. Not audited as reads: an appeal has no author and no person in it (docs/security.md)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from qamqor.accounts.models import User
from qamqor.appeals.models import Appeal


def appeal_list(user: User) -> QuerySet[Appeal]:
    return Appeal.objects.restrict(user, "view").select_related("region").order_by("-week", "id")


def get_appeal_for_user(user: User, appeal_id: Any) -> Appeal:
    appeal = appeal_list(user).filter(pk=appeal_id).first()
    if appeal is None:
        raise Http404("appeal")
    return appeal
