"""Who answers a campaign: class lists added by the school's psychologist, a district's or
region's pupils enrolled in batches, their one-time codes issued, and the legal
representatives' consent recorded."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.cases import services as case_services
from qamqor.cases.models import Child
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.instruments.models import (
    Administration,
    Campaign,
    CampaignPupil,
)
from qamqor.instruments.services.administration import new_administration
from qamqor.instruments.services.catalogue import today
from qamqor.units import entry_point, entry_point_in_steps

ENROL_BATCH = 2000


def _end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _issue_codes(campaign: Campaign, pupils: list[CampaignPupil]) -> int:
    """Create the invited administration (the one-time code) of each eligible pupil."""
    spec = campaign.instrument.spec
    expires = _end_of_day(campaign.closes_on)
    day = today()
    created: list[tuple[CampaignPupil, Administration]] = []
    for pupil in pupils:
        if pupil.administration_id is not None:
            continue
        age = pupil.child.age_on(day)
        if age is not None and not spec.age_range.contains(age):
            continue  # the roster shows the pupil as outside the age range
        created.append(
            (
                pupil,
                new_administration(
                    instrument=campaign.instrument,
                    child=pupil.child,
                    organisation=pupil.school,
                    mode=Administration.Mode.SELF,
                    status=Administration.Status.INVITED,
                    language=campaign.language,
                    actor=campaign.created_by,
                    campaign=campaign,
                    expires_at=expires,
                ),
            )
        )
    Administration.objects.bulk_create([administration for _pupil, administration in created])
    by_public_id = dict(
        Administration.objects.filter(
            public_id__in=[administration.public_id for _pupil, administration in created]
        ).values_list("public_id", "pk")
    )
    for pupil, administration in created:
        pupil.administration_id = by_public_id[administration.public_id]
    CampaignPupil.objects.bulk_update([pupil for pupil, _a in created], ["administration"])
    return len(created)


def _check_pupil_lines(lines: list[str]) -> list[tuple[date | None, str]]:
    """``2012-05-14 girl`` per line (both parts optional); errors name the line."""
    pupils: list[tuple[date | None, str]] = []
    # the words of the form's example in each language ("2012-05-14 қыз", "… девочка")
    sexes = {
        **dict.fromkeys(("girl", "f", "қыз", "девочка"), "girl"),
        **dict.fromkeys(("boy", "m", "ұл", "мальчик"), "boy"),
        "-": "unknown",
    }
    for number, line in enumerate(lines, start=1):
        birth: date | None = None
        sex = "unknown"
        for part in line.split():
            lowered = part.lower()
            if lowered in sexes:
                sex = sexes[lowered]
                continue
            try:
                birth = date.fromisoformat(part)
            except ValueError:
                raise InvalidInput.on(
                    "pupils",
                    _("Line %(line)s: write a birth date as 2012-05-14 and the sex as girl or boy.")
                    % {"line": number},
                ) from None
            if birth > today():
                raise InvalidInput.on(
                    "pupils",
                    _("Line %(line)s: the birth date is in the future.") % {"line": number},
                )
        pupils.append((birth, sex))
    return pupils


@entry_point
def add_class(
    *,
    actor: User,
    campaign: Campaign,
    school: Organisation,
    class_label: str,
    new_pupils: int = 0,
    pupil_lines: Iterable[str] = (),
) -> int:
    """Put a class on the campaign's list: the pupils the school already has in that class,
    and new pseudonymous pupils (a count, or one line per pupil with birth date and sex).
    Returns how many pupils were added."""
    if campaign.status == Campaign.Status.CLOSED:
        raise Conflict(_("The campaign is closed."))
    if not access.acts_for(actor, "screen_pupils", school.pk):
        raise NotAllowed(_("Only the school's psychologist can add its classes."))
    in_area = (
        campaign.school_id == school.pk
        if campaign.level == Campaign.Level.SCHOOL
        else school.region_id == campaign.region_id
        and (campaign.district_id is None or school.district_id == campaign.district_id)
    )
    if not in_area:
        raise InvalidInput.on("school", _("This school is not part of the campaign."))
    label = class_label.strip()
    if not label:
        raise InvalidInput.on("class_label", _("This field is required."))
    details = _check_pupil_lines([line for line in pupil_lines if line.strip()])
    details += [(None, "unknown")] * max(new_pupils - len(details), 0)
    for birth, sex in details:
        case_services.create_child(
            region=school.region,  # type: ignore[arg-type]
            school=school,
            birth_date=birth,
            sex=sex,
            class_label=label,
        )
    enrolled = set(
        CampaignPupil.objects.filter(campaign=campaign).values_list("child_id", flat=True)
    )
    children = [
        child
        for child in Child.objects.filter(school=school, class_label=label).order_by("pk")
        if child.pk not in enrolled
    ]
    pupils = CampaignPupil.objects.bulk_create(
        [
            CampaignPupil(campaign=campaign, child=child, school=school, class_label=label)
            for child in children
        ]
    )
    pupils = list(
        CampaignPupil.objects.filter(campaign=campaign, child__in=children).select_related(
            "child", "school"
        )
    )
    _issue_codes(campaign, pupils)
    if label not in campaign.class_labels and campaign.level == Campaign.Level.SCHOOL:
        Campaign.objects.filter(pk=campaign.pk).update(
            class_labels=sorted({*campaign.class_labels, label})
        )
    audit.record(
        actor=actor,
        action="campaign.add_class",
        object_type="campaign",
        object_id=campaign.public_id,
        changes={"school": school.code, "class": label, "pupils": [c.code for c in children]},
    )
    return len(pupils)


@entry_point_in_steps
def enrol_area(campaign_id: int) -> int:
    """Enrol every pupil of a district or region campaign's schools (in batches), issue
    their codes, then open the campaign. Safe to run again: it enrols whom it missed."""
    campaign = Campaign.objects.select_related("instrument", "created_by").get(pk=campaign_id)
    schools = Organisation.objects.filter(
        region_id=campaign.region_id, kind=OrganisationKind.SCHOOL
    )
    if campaign.district_id:
        schools = schools.filter(district_id=campaign.district_id)
    children = Child.objects.filter(school__in=schools)
    if campaign.class_labels:
        children = children.filter(class_label__in=campaign.class_labels)
    total = 0
    last_pk = 0
    while True:
        batch = list(children.filter(pk__gt=last_pk).order_by("pk")[:ENROL_BATCH])
        if not batch:
            break
        last_pk = batch[-1].pk
        with transaction.atomic():
            CampaignPupil.objects.bulk_create(
                [
                    CampaignPupil(
                        campaign=campaign,
                        child=child,
                        school_id=child.school_id,  # type: ignore[misc]
                        class_label=child.class_label,
                    )
                    for child in batch
                ],
                ignore_conflicts=True,
            )
            pupils = list(
                CampaignPupil.objects.filter(
                    campaign=campaign, child__in=batch, administration__isnull=True
                ).select_related("child", "school")
            )
            total += _issue_codes(campaign, pupils)
    Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.ENROLLING).update(
        status=Campaign.Status.OPEN
    )
    audit.record(
        actor=None,
        action="campaign.enrol",
        object_type="campaign",
        object_id=campaign.public_id,
        changes={"codes_issued": total},
    )
    return total


@entry_point
def record_consent(
    *, actor: User, campaign: Campaign, pupil_ids: Iterable[int], consent: str
) -> int:
    """Record the legal representatives' answer for some pupils of the actor's schools."""
    if consent not in CampaignPupil.Consent.values:
        raise InvalidInput.on("consent", _("Choose given, refused or not recorded."))
    schools = access.acting_ids(actor, "screen_pupils")
    pupils = CampaignPupil.objects.filter(
        campaign=campaign, pk__in=list(pupil_ids), school_id__in=schools
    )
    codes = list(pupils.values_list("child__code", flat=True))
    if not codes:
        raise InvalidInput.on("pupils", _("Choose at least one pupil of your school."))
    changed = pupils.update(
        consent=consent, consent_recorded_at=timezone.now(), consent_recorded_by=actor
    )
    audit.record(
        actor=actor,
        action="campaign.consent",
        object_type="campaign",
        object_id=campaign.public_id,
        changes={"consent": consent, "pupils": codes},
    )
    return changed
