"""Changes to trust surveys (brief 3.3.4): a coordinator opens or closes a campaign; anyone
with the link answers it once per device, anonymously.

Opening and closing are audited like every staff change. An answer is not: the audit log
keeps the requester's address and request id, which is exactly what a response must never
be tied to (docs/surveys.md). Pages and the API call the entry points (``open_campaign``,
``close_campaign``, ``submit_response``); the demo seed, inside its one transaction, calls
the plain functions they wrap.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.directory.models import Organisation, OrganisationKind, Region
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.surveys.models import Answer, Campaign, DeviceMark, RespondentGroup, Response
from qamqor.surveys.questions import questionnaire
from qamqor.units import entry_point

#: The longest a campaign stays open.
MAX_DAYS = 92
#: A device value shorter than this is refused: it must be random, not a name or a number.
MIN_DEVICE_LENGTH = 16


def week_of(day: date) -> date:
    """The Monday of ``day``'s week: all a response keeps of when it was given."""
    return day - timedelta(days=day.weekday())


def device_key(campaign: Campaign, device: str) -> str:
    """The keyed hash kept for a device's campaign cookie (HMAC-SHA256 with the site's
    secret key, the campaign's key inside): the cookie cannot be read back from it, and the
    same cookie gives unrelated keys in two campaigns."""
    message = f"survey-device:{campaign.token}:{device}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _coordinating_organisation(actor: User, region: Region) -> Organisation:
    """The coordinating body (a national coordinator) or the region's education department
    a regional coordinator acts for."""
    organisation = access.acting_organisation_on(actor, "coordinate_nationally") or (
        access.organisations(actor, "coordinate_region")
        .filter(region=region)
        .order_by("pk")
        .first()
    )
    if organisation is None:
        raise NotAllowed(
            _("Only the region's coordinator or the national coordinator can do this.")
        )
    return organisation


@transaction.atomic
def create_campaign(
    *,
    actor: User,
    title: str,
    region: Region | None = None,
    school: Organisation | None = None,
    for_adolescents: bool = True,
    for_parents: bool = True,
    opens_on: date,
    closes_on: date,
) -> Campaign:
    """A campaign for one school (its region follows) or a whole region."""
    if school is not None:
        if school.kind != OrganisationKind.SCHOOL or school.region is None:
            raise InvalidInput.on("school", _("Choose a school."))
        if region is not None and region.pk != school.region_id:
            raise InvalidInput.on("school", _("This school is not in the chosen region."))
        region = school.region
    if region is None:
        raise InvalidInput.on("region", _("Choose a region or a school."))
    title = (title or "").strip()
    if not title:
        raise InvalidInput.on("title", _("Give the campaign a title."))
    if not (for_adolescents or for_parents):
        raise InvalidInput.on("for_adolescents", _("Ask adolescents, parents or both."))
    if closes_on < opens_on:
        raise InvalidInput.on("closes_on", _("The campaign must close after it opens."))
    if (closes_on - opens_on).days > MAX_DAYS:
        raise InvalidInput.on("closes_on", _("A campaign stays open at most three months."))
    if closes_on < timezone.localdate():
        raise InvalidInput.on("closes_on", _("This date is already past."))
    organisation = _coordinating_organisation(actor, region)
    campaign = Campaign.objects.create(
        title=title,
        region=region,
        school=school,
        for_adolescents=for_adolescents,
        for_parents=for_parents,
        opens_on=opens_on,
        closes_on=closes_on,
        questions_version=questionnaire().version,
        organisation=organisation,
        opened_by=actor,
    )
    audit.record(
        actor=actor,
        action="surveys.open",
        object_type="survey_campaign",
        object_id=campaign.public_id,
        changes={
            "region": region.code,
            "school": school.code if school else None,
            "groups": campaign.groups,
            "dates": [opens_on.isoformat(), closes_on.isoformat()],
        },
    )
    return campaign


open_campaign = entry_point(create_campaign)


@entry_point
def close_campaign(*, actor: User, campaign: Campaign) -> Campaign:
    """Close a campaign today, before its planned last day."""
    if not access.permits(actor, "manage", campaign):
        raise NotAllowed(
            _("Only the region's coordinator or the national coordinator can do this.")
        )
    current = Campaign.objects.select_for_update().get(pk=campaign.pk)
    today = timezone.localdate()
    if current.last_day < today:
        raise Conflict(_("This campaign is already closed."))
    Campaign.objects.filter(pk=current.pk).update(closed_early_on=max(today, current.opens_on))
    audit.record(
        actor=actor,
        action="surveys.close",
        object_type="survey_campaign",
        object_id=current.public_id,
        changes={"closed_on": today.isoformat()},
    )
    current.refresh_from_db()
    return current


def clean_answers(group: str, answers: Mapping[str, str]) -> dict[str, str]:
    """The answers given, checked against the questionnaire: known questions, options of
    their scale, at least one answered (a question left out is a skipped question)."""
    if group not in RespondentGroup.values:
        raise InvalidInput.on("group", _("Choose who is answering."))
    known = {question.code: question for question in questionnaire().questions}
    cleaned: dict[str, str] = {}
    for code, option in answers.items():
        if not option:
            continue
        question = known.get(code)
        if question is None:
            raise InvalidInput.on(code, _("There is no such question."))
        if option not in question.option_codes:
            raise InvalidInput.on(code, _("Choose one of the answers."))
        cleaned[code] = option
    if not cleaned:
        raise InvalidInput.on("answers", _("Answer at least one question."))
    return cleaned


@transaction.atomic
def record_response(
    *,
    campaign: Campaign,
    group: str,
    device: str,
    answers: Mapping[str, str],
    today: date | None = None,
) -> Response:
    """Keep one anonymous response. Refused when the campaign is not open, the group is
    not asked, or the device (its random value) has answered this campaign already."""
    today = today or timezone.localdate()
    if not campaign.is_open(today):
        raise Conflict(_("This survey is not open."))
    if group not in campaign.groups:
        raise InvalidInput.on("group", _("This survey does not ask this group."))
    cleaned = clean_answers(group, answers)
    if len(device or "") < MIN_DEVICE_LENGTH:
        raise InvalidInput.on(
            "device",
            _("Your browser must accept cookies to answer, so that each device answers once."),
        )
    try:
        with transaction.atomic():
            DeviceMark.objects.create(campaign=campaign, key=device_key(campaign, device))
    except IntegrityError:
        raise Conflict(_("This device has already answered this survey. Thank you!")) from None
    response = Response.objects.create(campaign=campaign, group=group, week=week_of(today))
    Answer.objects.bulk_create(
        [
            Answer(response=response, question=question, option=option)
            for question, option in sorted(cleaned.items())
        ]
    )
    return response


submit_response = entry_point(record_response)
