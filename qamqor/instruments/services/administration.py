"""Starting a screening: an interview the psychologist asks, or an invitation with a
one-time code for the child to answer alone (brief 1.2.7); and the new pupil a school
psychologist records to screen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.accounts import access
from qamqor.accounts.models import User
from qamqor.audit import services as audit
from qamqor.cases import services as case_services
from qamqor.cases.models import Child
from qamqor.directory.models import Organisation
from qamqor.errors import InvalidInput, NotAllowed
from qamqor.instruments.models import (
    Administration,
    Campaign,
    InstrumentVersion,
)
from qamqor.instruments.services.catalogue import check_eligible, published_version
from qamqor.instruments.services.codes import access_code_for, code_hash
from qamqor.instruments.services.submission import submit_interview
from qamqor.units import entry_point

INVITATION_DAYS = 7


def screening_organisation(actor: User, child: Child) -> Organisation:
    """The school or PSC the psychologist screens this child for: the child's school for
    its psychologist, else their (first) PSC."""
    school = child.school if access.acts_for(actor, "screen_pupils", child.school_id) else None
    organisation = school or access.acting_organisation_on(actor, "screen_children")
    if organisation is not None:
        return organisation
    raise NotAllowed(_("Only a psychologist of the child's school or of a PSC can screen a child."))


def may_screen(actor: User, child: Child) -> bool:
    return Child.objects.restrict(actor, "screen").filter(pk=child.pk).exists()


def new_administration(
    *,
    instrument: InstrumentVersion,
    child: Child,
    organisation: Organisation,
    mode: str,
    status: str,
    language: str,
    actor: User | None,
    campaign: Campaign | None = None,
    expires_at: datetime | None = None,
) -> Administration:
    """An unsaved administration with the child's region, district, school and sex copied."""
    administration = Administration(
        instrument=instrument,
        child=child,
        campaign=campaign,
        organisation=organisation,
        mode=mode,
        status=status,
        language=language if language in ("kk", "ru", "en") else "ru",
        created_by=actor,
        expires_at=expires_at,
        region_id=child.region_id,
        district_id=child.school.district_id if child.school else None,
        school_id=child.school_id,
        sex=child.sex,
    )
    if mode == Administration.Mode.SELF:
        administration.access_code_hash = code_hash(access_code_for(administration))
    return administration


def _begin(
    *,
    actor: User,
    child: Child,
    instrument_code: str,
    mode: str,
    status: str,
    language: str,
    action: str,
    expires_at: datetime | None = None,
) -> Administration:
    """Store a new administration of the published instrument for a child the actor may
    screen and is eligible for, with its audit event."""
    if not may_screen(actor, child):
        raise NotAllowed(_("You cannot screen this child."))
    instrument = published_version(instrument_code)
    check_eligible(instrument.spec, child, mode)
    administration = new_administration(
        instrument=instrument,
        child=child,
        organisation=screening_organisation(actor, child),
        mode=mode,
        status=status,
        language=language,
        actor=actor,
        expires_at=expires_at,
    )
    administration.save()
    audit.record(
        actor=actor,
        action=action,
        object_type="administration",
        object_id=administration.public_id,
        changes={"child": child.code, "instrument": str(instrument), "mode": str(mode)},
    )
    return administration


@transaction.atomic
def start_interview(
    *,
    actor: User,
    child: Child,
    instrument_code: str,
    language: str,
    answers: Mapping[str, object] | None = None,
) -> Administration:
    """A psychologist starts asking an instrument in an interview; with ``answers`` the
    interview is recorded and scored at once, in the same transaction, so answers that
    are refused leave no interview behind."""
    administration = _begin(
        actor=actor,
        child=child,
        instrument_code=instrument_code,
        mode=Administration.Mode.INTERVIEW,
        status=Administration.Status.IN_PROGRESS,
        language=language,
        action="screening.start",
    )
    if answers is not None:
        return submit_interview.within(administration=administration, actor=actor, answers=answers)
    return administration


@transaction.atomic
def invite(
    *, actor: User, child: Child, instrument_code: str, language: str
) -> tuple[Administration, str]:
    """A one-time code for the child to answer alone (on a phone or a shared tablet)."""
    administration = _begin(
        actor=actor,
        child=child,
        instrument_code=instrument_code,
        mode=Administration.Mode.SELF,
        status=Administration.Status.INVITED,
        language=language,
        action="screening.invite",
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    return administration, access_code_for(administration)


@dataclass(frozen=True)
class Started:
    """A screening just started, and the child's one-time code when the child answers
    alone."""

    administration: Administration
    code: str | None = None


@entry_point
def start_screening(
    *,
    actor: User,
    child: Child,
    instrument_code: str,
    mode: str,
    language: str,
    answers: Mapping[str, object] | None = None,
) -> Started:
    """Start a screening the way the psychologist chose: an interview (its answers may come
    at once) or a one-time code for the child. The page and the API both start here."""
    if mode not in (Administration.Mode.INTERVIEW, Administration.Mode.SELF):
        raise InvalidInput.on("mode", _("Choose interview or self."))
    if language not in ("kk", "ru", "en"):
        raise InvalidInput.on("language", _("Choose kk, ru or en."))
    if mode == Administration.Mode.SELF:
        administration, code = invite(
            actor=actor, child=child, instrument_code=instrument_code, language=language
        )
        return Started(administration, code)
    return Started(
        start_interview(
            actor=actor,
            child=child,
            instrument_code=instrument_code,
            language=language,
            answers=answers,
        )
    )


@entry_point
def record_pupil(
    *,
    actor: User,
    school: Organisation,
    birth_date: date | None,
    sex: str,
    class_label: str,
) -> Child:
    """A new pupil of the psychologist's school under a pseudonymous code (no name is
    needed to screen), with its audit event."""
    child = case_services.create_child(
        region=school.region,  # type: ignore[arg-type]
        school=school,
        birth_date=birth_date,
        sex=sex,
        class_label=class_label,
    )
    audit.record(actor=actor, action="child.create", object_type="child", object_id=child.code)
    return child
