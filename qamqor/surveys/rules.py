"""Who opens trust surveys and who reads their results (registered with ``accounts.access``).

Coordinators open campaigns and read a campaign's results: the national coordinator any,
a regional coordinator those of their region (another region's campaign is a 404). The
results by region (every campaign together, suppressed) are read by coordinators and
monitors. Schools' own staff do not read results, not even their school's: a school's
respondents are few and known to them, and the survey asks about the school's own
psychological service (docs/surveys.md, "Who reads the results"). Answering needs no
sign-in at all.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from qamqor.accounts import access
from qamqor.accounts.models import Role
from qamqor.accounts.policy import Scope


def coordinates(scope: Scope) -> bool:
    """The national coordinator, or a regional coordinator."""
    return scope.national or bool(scope.region_ids)


@access.gate("surveys")
def surveys_gate(scope: Scope) -> bool:
    """The campaigns pages: the list, opening one."""
    return coordinates(scope)


@access.gate("survey_results")
def survey_results_gate(scope: Scope) -> bool:
    """The results by region and respondent group, every campaign together (suppressed)."""
    return coordinates(scope) or Role.MONITOR in scope.roles


@access.rule("surveys.Campaign", "view")
def campaign_view(scope: Scope, user: Any) -> Q:
    """A region's campaigns to its coordinators; every one to the national coordinator."""
    return scope.where()


@access.rule("surveys.Campaign", "manage")
def campaign_manage(scope: Scope, user: Any) -> Q:
    """Closing a campaign early: those who see it."""
    return scope.where()


@access.check("surveys.Campaign", "manage")
def campaign_manage_check(scope: Scope, user: Any, campaign: Any) -> bool:
    return scope.national or campaign.region_id in scope.region_ids


access.operations(
    {
        "GET /surveys/campaigns": access.Guard(model="surveys.Campaign", gate="surveys"),
        "POST /surveys/campaigns": access.Guard(gate="surveys"),
        "GET /surveys/campaigns/{public_id}": access.Guard(model="surveys.Campaign"),
        "POST /surveys/campaigns/{public_id}/close": access.Guard(
            model="surveys.Campaign", action="manage"
        ),
        "GET /surveys/results": access.Guard(gate="survey_results"),
        "GET /surveys/answer/{token}": access.PUBLIC,
        "POST /surveys/answer/{token}": access.PUBLIC,
    }
)
