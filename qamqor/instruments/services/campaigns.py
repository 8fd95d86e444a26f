"""Screening campaigns: created for a school, a district or a region, closed by whoever
runs them; a district or region campaign enrols its pupils in the background."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.directory.models import District, Organisation, OrganisationKind, Region
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.instruments.models import (
    Administration,
    Campaign,
)
from qamqor.instruments.services.catalogue import published_version, today
from qamqor.units import entry_point

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CampaignArea:
    level: str
    region: Region
    district: District | None = None
    school: Organisation | None = None


def _coordinating_organisation(actor: User, region: Region) -> Organisation:
    """The coordinating body (a national coordinator) or the region's education department
    a coordinator runs it from."""
    organisation = access.acting_organisation_on(actor, "coordinate_nationally") or (
        access.organisations(actor, "coordinate_region")
        .filter(region=region)
        .order_by("pk")
        .first()
    )
    if organisation is None:
        raise NotAllowed(_("Only the region's coordinator can run this campaign."))
    return organisation


@transaction.atomic
def create_campaign(
    *,
    actor: User,
    title: str,
    instrument_code: str,
    area: CampaignArea,
    opens_on: date,
    closes_on: date,
    language: str = "ru",
    consent_required: bool = True,
    follow_up_threshold: int | None = None,
    class_labels: Iterable[str] = (),
) -> Campaign:
    """Start a campaign. A school's psychologist then adds class lists; a district or
    region campaign enrols the area's pupils in the background."""
    school = area.school
    proposed = Campaign(level=area.level, region=area.region, school=school)
    if not access.permits(actor, "run", proposed):
        raise NotAllowed(
            _(
                "A school campaign is run by the school's psychologist; a district or region "
                "campaign by the region's coordinator."
            )
        )
    if area.level == Campaign.Level.DISTRICT and (
        area.district is None or area.district.region_id != area.region.pk
    ):
        raise InvalidInput.on("district", _("Choose a district of the region."))
    if closes_on < opens_on:
        raise InvalidInput.on("closes_on", _("The campaign cannot close before it opens."))
    if closes_on < today():
        raise InvalidInput.on("closes_on", _("This date has passed."))
    instrument = published_version(instrument_code)
    spec = instrument.spec
    if not spec.allows(Administration.Mode.SELF):
        raise InvalidInput.on(
            "instrument",
            _("%(instrument)s is asked in an interview only; a campaign uses one-time codes.")
            % {"instrument": spec.short_name},
        )
    if follow_up_threshold is not None and spec.score_range is not None:
        low, high = spec.score_range
        if not low <= follow_up_threshold <= high:
            raise InvalidInput.on(
                "follow_up_threshold",
                _("Enter a score between %(low)s and %(high)s.") % {"low": low, "high": high},
            )
    organisation = school if school is not None else _coordinating_organisation(actor, area.region)
    campaign = Campaign.objects.create(
        title=title.strip(),
        instrument=instrument,
        level=area.level,
        region=area.region,
        district=area.district if area.level == Campaign.Level.DISTRICT else None,
        school=school if area.level == Campaign.Level.SCHOOL else None,
        class_labels=sorted({label.strip() for label in class_labels if label.strip()}),
        consent_required=consent_required,
        follow_up_threshold=follow_up_threshold,
        language=language,
        opens_on=opens_on,
        closes_on=closes_on,
        status=(
            Campaign.Status.OPEN
            if area.level == Campaign.Level.SCHOOL
            else Campaign.Status.ENROLLING
        ),
        organisation=organisation,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="campaign.create",
        object_type="campaign",
        object_id=campaign.public_id,
        changes={
            "title": campaign.title,
            "instrument": str(instrument),
            "level": campaign.level,
            "region": area.region.code,
            "district": area.district.code if area.district else None,
            "school": school.code if school else None,
        },
    )
    if campaign.status == Campaign.Status.ENROLLING:
        campaign_id = campaign.pk
        transaction.on_commit(lambda: _enqueue_enrolment(campaign_id))
    return campaign


def campaign_area(
    *, level: str, school_code: str = "", district_code: str = "", region_code: str = ""
) -> CampaignArea:
    """The campaign's area from the codes typed in the form; errors name the field."""
    if level == Campaign.Level.SCHOOL:
        school = Organisation.objects.filter(code=school_code, kind=OrganisationKind.SCHOOL).first()
        if school is None or school.region is None:
            raise InvalidInput.on("school", _("No school has this code."))
        return CampaignArea(level=level, region=school.region, school=school)
    if level == Campaign.Level.DISTRICT:
        district = District.objects.select_related("region").filter(code=district_code).first()
        if district is None:
            raise InvalidInput.on("district", _("No district has this code."))
        return CampaignArea(level=level, region=district.region, district=district)
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise InvalidInput.on("region", _("No region has this code."))
    return CampaignArea(level=level, region=region)


@entry_point
def create_campaign_from_form(*, actor: User, data: dict[str, Any]) -> Campaign:
    """The cleaned ``forms.CampaignForm`` data (page and API) to a campaign."""
    return create_campaign(
        actor=actor,
        title=data["title"],
        instrument_code=data["instrument"],
        area=campaign_area(
            level=data["level"],
            school_code=data.get("school") or "",
            district_code=data.get("district") or "",
            region_code=data.get("region") or "",
        ),
        opens_on=data["opens_on"],
        closes_on=data["closes_on"],
        language=data["language"],
        consent_required=bool(data.get("consent_required")),
        follow_up_threshold=data.get("follow_up_threshold"),
        class_labels=(data.get("class_labels") or "").split(","),
    )


def _enqueue_enrolment(campaign_id: int) -> None:
    from qamqor.instruments.tasks import enrol_campaign

    try:
        enrol_campaign.enqueue(campaign_id)
    except Exception:  # the campaign page offers to run it again
        logger.exception("could not enqueue the enrolment of campaign %s", campaign_id)


@entry_point
def close_campaign(*, actor: User, campaign: Campaign) -> Campaign:
    """Close a campaign: codes not used yet stop working."""
    if campaign.created_by_id != actor.pk and not access.permits(actor, "run", campaign):
        raise NotAllowed(_("Only whoever runs the campaign can close it."))
    if campaign.status == Campaign.Status.CLOSED:
        raise Conflict(_("The campaign is closed."))
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CLOSED)
    campaign.status = Campaign.Status.CLOSED
    audit.record(
        actor=actor, action="campaign.close", object_type="campaign", object_id=campaign.public_id
    )
    return campaign
