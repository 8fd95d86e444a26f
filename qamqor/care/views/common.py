"""What the care pages share: a choice among organisations, and the organisations where
the user works as a psychologist."""

from __future__ import annotations

from datetime import datetime

from django import forms as dj
from django.utils import timezone

from qamqor.accounts import policy
from qamqor.accounts.models import User
from qamqor.directory.models import Organisation, OrganisationKind

PSC_KINDS = [OrganisationKind.PSC, OrganisationKind.PSC_BRANCH]


def org_select(organisations: list[Organisation]) -> dj.Widget:
    """A hidden field for one organisation, a choice for several."""
    if len(organisations) == 1:
        return dj.HiddenInput()
    return dj.Select(choices=[(org.code, org.name) for org in organisations])


def care_organisations(user: User) -> list[Organisation]:
    """The schools and PSCs where the user works as a psychologist."""
    care = policy.care_scope_for(user)
    return list(Organisation.objects.filter(pk__in=care.psychologist_org_ids).order_by("name_en"))


def now_local_minutes() -> datetime:
    """Now, local and to the minute, as a form's initial date and time."""
    return timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
