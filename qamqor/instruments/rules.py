"""Who may see screenings (registered with ``accounts.access``).

Answers and results of a screening are seen by psychologists only: a school psychologist
for the pupils of the school, PSC staff for the children visible to them (cases,
referrals) and for alerts escalated to their PSC (brief 1.2.7). Coordinators see campaign
progress and, like monitors, suppressed aggregates only; nobody else sees a result.

- ``cases.Child`` / "screen": the children the user may screen and see results of;
- ``instruments.Administration`` / "view": the answers and results the user may see;
- ``instruments.Campaign`` / "view": campaigns the user's organisation runs or takes
  part in, and (progress only) those of the regions they coordinate.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from qamqor.accounts import access, policy
from qamqor.accounts.policy import NOTHING, Scope


@access.rule("cases.Child", "screen")
def child_screen(scope: Scope, user: Any) -> Q:
    from qamqor.instruments.models import Alert

    screening = policy.screening_scope_for(user)
    q = NOTHING
    if screening.school_ids:
        q |= Q(school_id__in=screening.school_ids)
    if screening.psc_ids:
        q |= access.filter_for(user, "cases.Child", "view")
        q |= Q(
            Exists(
                Alert.objects.filter(child_id=OuterRef("pk"), escalated_to_id__in=screening.psc_ids)
            )
        )
    return q


@access.rule("instruments.Administration", "view")
def administration_view(scope: Scope, user: Any) -> Q:
    from qamqor.cases.models import Child
    from qamqor.instruments.models import Alert

    screening = policy.screening_scope_for(user)
    if not screening.administers:
        return NOTHING
    q = Q(organisation_id__in=screening.organisation_ids)
    if screening.school_ids:
        q |= Q(child__school_id__in=screening.school_ids)
    if screening.psc_ids:
        q |= Q(child_id__in=Child.objects.restrict(user, "view").values("pk"))
        q |= Q(
            Exists(
                Alert.objects.filter(
                    administration_id=OuterRef("pk"), escalated_to_id__in=screening.psc_ids
                )
            )
        )
    return q


@access.rule("instruments.Campaign", "view")
def campaign_view(scope: Scope, user: Any) -> Q:
    from qamqor.instruments.models import CampaignPupil

    screening = policy.screening_scope_for(user)
    q = scope.where(organisation_id=screening.organisation_ids, school_id=screening.school_ids)
    if q and screening.school_ids:  # Q() (the national coordinator) is every campaign
        q |= Q(
            Exists(
                CampaignPupil.objects.filter(
                    campaign_id=OuterRef("pk"), school_id__in=screening.school_ids
                )
            )
        )
    return q


@access.gate("screenings")
def screenings_gate(scope: Scope) -> bool:
    """The screenings page: psychologists screen, coordinators watch campaigns,
    coordinators and monitors see the statistics."""
    return bool(scope.school_psychologist_ids or scope.psc_ids or scope.region_ids) or (
        scope.sees_statistics
    )


@access.rule("instruments.Campaign", "follow_up")
def campaign_follow_up(scope: Scope, user: Any) -> Q:
    """The pupils a campaign asks to follow up (results): the psychologists (of a school,
    a PSC) among those who see the campaign; coordinators watch progress only."""
    if not (scope.school_psychologist_ids or scope.psc_ids):
        return NOTHING
    return campaign_view(scope, user)


@access.rule("instruments.Campaign", "run")
def campaign_run(scope: Scope, user: Any) -> Q:
    """A school campaign is run (and closed) by the school's psychologist; a district or
    region campaign by the region's coordinator or the national coordinator."""
    if scope.national:
        return ~Q(level="school") | Q(school_id__in=scope.school_psychologist_ids)
    return (Q(level="school") & Q(school_id__in=scope.school_psychologist_ids)) | (
        ~Q(level="school") & Q(region_id__in=scope.region_ids)
    )


@access.check("instruments.Campaign", "run")
def campaign_run_check(scope: Scope, user: Any, campaign: Any) -> bool:
    """Also for a campaign not saved yet (whether the user may start it)."""
    if campaign.level == "school":
        return campaign.school_id is not None and campaign.school_id in (
            scope.school_psychologist_ids
        )
    return scope.national or campaign.region_id in scope.region_ids


@access.acting("screen_pupils")
def screens_pupils_for(scope: Scope) -> frozenset[int]:
    """The schools whose pupils a user screens and enrols: theirs as its psychologist."""
    return scope.school_psychologist_ids


@access.acting("screen_children")
def screens_children_for(scope: Scope) -> frozenset[int]:
    """The PSCs a user screens any child they see for (a PSC head: also the branches)."""
    return scope.psc_ids


ADMINISTRATION = access.Guard(model="instruments.Administration")
CAMPAIGN = access.Guard(model="instruments.Campaign")
access.operations(
    {
        "GET /screenings/instruments": access.SIGNED_IN,
        "GET /screenings/instruments/{code}": access.SIGNED_IN,
        "GET /screenings/instruments/{code}/fhir": access.SIGNED_IN,
        "POST /screenings/administrations": access.Guard(model="cases.Child", action="screen"),
        "GET /screenings/administrations/{public_id}": ADMINISTRATION,
        "POST /screenings/administrations/{public_id}/answers": ADMINISTRATION,
        "GET /screenings/administrations/{public_id}/fhir": ADMINISTRATION,
        "POST /screenings/fhir/QuestionnaireResponse": access.Guard(
            model="cases.Child", action="screen"
        ),
        "GET /screenings/children/{code}/administrations": access.Guard(
            model="cases.Child", action="screen"
        ),
        "GET /screenings/alerts": ADMINISTRATION,
        "POST /screenings/alerts/{pk}/acknowledge": ADMINISTRATION,
        "POST /screenings/campaigns": access.Guard(model="instruments.Campaign", action="run"),
        "GET /screenings/campaigns": CAMPAIGN,
        "GET /screenings/campaigns/{public_id}": CAMPAIGN,
        "GET /screenings/campaigns/{public_id}/follow-up": access.Guard(
            model="instruments.Campaign", action="follow_up"
        ),
        "POST /screenings/self": access.PUBLIC,
        "GET /screenings/aggregates": access.Guard(gate="dashboard"),
    }
)
