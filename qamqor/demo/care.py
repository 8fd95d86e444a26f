"""The demo of psychological support in the demo region, through ``care.services``: the
crisis exception at the PSC (brief 1.3.4, 1.5.2), the school psychologist's consultations
and an anonymous appeal (1.6.3), supervision and eight weeks of work log (1.5.4, 1.6.1).

``consult`` and ``consent`` are also how the referrals' demo records its sessions and
consents, so every consultation and consent of the demo is counted in one place.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from qamqor.accounts.models import Role, User
from qamqor.appeals import services as appeal_services
from qamqor.appeals.models import AppealCategory
from qamqor.care import services as care_services
from qamqor.care.models import (
    ConsentGiver,
    ConsentMethod,
    ConsentRecord,
    ConsultationFormat,
    CrisisGround,
    LegalGround,
    ShareBasis,
    SupervisionKind,
    SupervisionLevel,
    WorkCategory,
)
from qamqor.cases.models import Child
from qamqor.demo.world import DEMO_REGION, DemoRegion
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.referrals import services as referral_services
from qamqor.referrals.models import Concern, Urgency

# What a referral on a legal basis, not on consent, cites (brief 1.3.4).
LEGAL_BASIS_REFERENCE = "Synthetic demo reference: Order No. 506 p.15"
DEMO_PARENT = "Demo parent (synthetic)"

_CRISIS_PLAN = (  # (ground, crisis sessions, how it ends)
    (CrisisGround.ACUTE_TRAUMA, 2, "open"),
    (CrisisGround.SELF_HARM, 4, "open"),
    (CrisisGround.VIOLENCE_BY_REPRESENTATIVE, 3, "consent"),
    (CrisisGround.REPRESENTATIVE_UNREACHABLE, 1, "ended"),
)
_TOPICS = ("peer conflict", "anxiety at school", "sleep and mood", "family")
_DURATIONS = (30, 45, 45, 60)
# Weekly hours per work-log category, (fewest, most), for a PSC and a school psychologist.
_PSC_HOURS = {
    WorkCategory.CONSULTATION: (12, 18),
    WorkCategory.DIAGNOSTICS: (3, 7),
    WorkCategory.CRISIS_RESPONSE: (0, 4),
    WorkCategory.GROUP_WORK: (2, 4),
    WorkCategory.SUPERVISION: (0, 2),
    WorkCategory.CASE_PAPERWORK: (4, 6),
    WorkCategory.MONITORING: (1, 3),
    WorkCategory.OTHER_DUTIES: (0, 2),
}
_SCHOOL_HOURS = {
    WorkCategory.CONSULTATION: (5, 10),
    WorkCategory.DIAGNOSTICS: (3, 6),
    WorkCategory.GROUP_WORK: (2, 4),
    WorkCategory.CASE_PAPERWORK: (3, 5),
    WorkCategory.MONITORING: (3, 6),
    WorkCategory.CLUBS: (2, 4),
    WorkCategory.SUBSTITUTING: (2, 6),
    WorkCategory.OTHER_DUTIES: (1, 5),
}


def consult(
    site: DemoRegion,
    psychologist: User,
    organisation: Organisation,
    child: Child | None,
    held_at: datetime,
    *,
    confidential: bool = False,
    format: str = ConsultationFormat.IN_PERSON,
    participants: int = 1,
    topic: str | None = None,
    duration: int | None = None,
    hotline: bool = False,
) -> None:
    """Record a synthetic consultation; a topic and a duration are drawn unless given."""
    care_services.record_consultation.within(
        actor=psychologist,
        organisation=organisation,
        format=format,
        topic=(
            topic
            if topic is not None
            else "Synthetic demo consultation: " + site.rng.choice(_TOPICS)
        ),
        held_at=held_at,
        duration_minutes=duration if duration is not None else site.rng.choice(_DURATIONS),
        child=child,
        participants_count=participants,
        notes=(
            "Synthetic demo confidential note (no real child): the pupil spoke about "
            "the situation in class; trust is building."
            if confidential
            else ""
        ),
        next_steps="Synthetic demo: meet again next week." if child else "",
        hotline=hotline,
    )
    site.summary.consultations += 1


def consent(
    site: DemoRegion,
    *,
    actor: User,
    child: Child,
    organisation: Organisation,
    given_at: datetime,
    giver: str = ConsentGiver.LEGAL_REPRESENTATIVE,
    giver_name: str = DEMO_PARENT,
    method: str = ConsentMethod.SIGNED_IN_PERSON,
    **covers: Any,
) -> ConsentRecord:
    """Record a synthetic consent (by default a parent's, signed in person)."""
    record = care_services.record_consent.within(
        actor=actor,
        child=child,
        organisation=organisation,
        giver=giver,
        giver_name=giver_name,
        method=method,
        given_at=given_at,
        **covers,
    )
    site.summary.consents += 1
    return record


def crisis_support(site: DemoRegion) -> None:
    """Children helped at the PSC under the crisis exception, never at or over the session
    limit; one later covered by consent, one ended; and an anonymous hotline call."""
    rng = site.rng
    psychologist = site.login[Role.PSC_PSYCHOLOGIST]
    head = site.login[Role.PSC_HEAD]
    limit = settings.CRISIS_SESSION_LIMIT
    for ground, sessions, ending in _CRISIS_PLAN:
        child = care_services.register_child.within(
            actor=psychologist,
            organisation=site.psc,
            birth_date=site.birth_date(rng.randint(11, 16)),
            sex=rng.choice(("girl", "boy")),
        )
        basis = care_services.record_crisis_basis.within(
            actor=psychologist,
            child=child,
            organisation=site.psc,
            ground=ground,
            justification="Synthetic demo justification (not a real child): help could "
            "not wait for the legal representative's consent.",
        )
        site.summary.crisis_bases += 1
        held = site.ago(rng.uniform(10, 20))
        for _ in range(min(sessions, limit - 1)):  # never at or over the limit
            held += timedelta(days=rng.uniform(1, 3))
            consult(site, psychologist, site.psc, child, held, confidential=True)
        if ending == "consent":
            consent(
                site,
                actor=psychologist,
                child=child,
                organisation=site.psc,
                giver=ConsentGiver.GUARDIANSHIP_BODY,
                giver_name="Demo guardianship officer (synthetic)",
                given_at=held + timedelta(hours=4),
                covers_support=True,
            )
            consult(site, psychologist, site.psc, child, held + timedelta(days=2))
        elif ending == "ended":
            care_services.close_crisis_basis.within(actor=head, basis=basis)
        if ground == CrisisGround.VIOLENCE_BY_REPRESENTATIVE:
            # the PSC tells the guardianship body, on the protocol's legal basis
            referral_services.send_referral.within(
                actor=psychologist,
                from_organisation=site.psc,
                to_organisation=site.world.bodies[(DEMO_REGION, OrganisationKind.GUARDIANSHIP)],
                child=child,
                concern=Concern.VIOLENCE,
                urgency=Urgency.URGENT,
                reason="Synthetic demo referral (not a real child): the child describes "
                "violence at home by a legal representative.",
                share_basis=ShareBasis.LEGAL_BASIS,
                legal_ground=LegalGround.DUTY_TO_NOTIFY,
                reference=LEGAL_BASIS_REFERENCE,
            )
    # an anonymous call to the PSC's hotline: no child record
    consult(
        site,
        psychologist,
        site.psc,
        None,
        site.ago(2),
        format=ConsultationFormat.PHONE,
        topic="Synthetic demo hotline call: a parent worried about cyberbullying",
        duration=20,
        hotline=True,
    )


def school_support(site: DemoRegion) -> None:
    """The school psychologist's own work: two pupils with consent, a group session, the
    school's pupil count, and an anonymous appeal about non-specialist duties (1.6.1)."""
    rng = site.rng
    psychologist = site.login[Role.SCHOOL_PSYCHOLOGIST]
    care_services.set_enrolment.within(
        actor=site.login[Role.SCHOOL_COORDINATOR], school=site.school, pupils=1180
    )
    for number in range(2):
        child = care_services.register_child.within(
            actor=psychologist,
            organisation=site.school,
            full_name=site.world.person_name(),
            birth_date=site.birth_date(rng.randint(10, 14)),
            class_label=f"{rng.randint(4, 8)}B",
        )
        given = site.ago(rng.uniform(14, 30))
        consent(
            site,
            actor=psychologist,
            child=child,
            organisation=site.school,
            method=ConsentMethod.ONLINE,
            given_at=given,
            covers_support=True,
        )
        for session in range(2):
            held = given + timedelta(days=3 + 7 * session, hours=number)
            consult(site, psychologist, site.school, child, held, confidential=True)
    consult(
        site,
        psychologist,
        site.school,
        None,
        site.ago(5),
        format=ConsultationFormat.GROUP,
        participants=14,
    )
    appeal_services.submit_appeal.within(
        actor=psychologist,
        category=AppealCategory.NON_SPECIALIST_DUTIES,
        text="Synthetic demo appeal (not a real school): every week I am told to "
        "substitute absent teachers and to run events, so consultations are cancelled.",
        region=site.region,
        organisation_kind=OrganisationKind.SCHOOL,
    )


def _quarters(rng: random.Random, low: float, high: float) -> Decimal:
    """Hours in quarter-hour steps between ``low`` and ``high``."""
    return Decimal(rng.randint(int(low * 4), int(high * 4))) / 4


def supervision_and_work_log(site: DemoRegion) -> None:
    """A supervision session of the PSC's staff, and eight submitted work-log weeks each for
    the PSC psychologist, the PSC head and the school psychologist."""
    head = site.login[Role.PSC_HEAD]
    psc_staff = [
        user
        for org_id in care_services.provider_ids(site.psc)
        for user in site.world.members[org_id]
    ]
    care_services.record_supervision.within(
        actor=head,
        organisation=site.psc,
        kind=SupervisionKind.SUPERVISION,
        level=SupervisionLevel.ORGANISATION,
        held_at=site.ago(9),
        duration_minutes=90,
        topic="Synthetic demo supervision: supporting children after bullying",
        participants=[*psc_staff, site.login[Role.SCHOOL_PSYCHOLOGIST]],
        facilitator_name="Demo external supervisor (synthetic)",
    )
    current = care_services.week_start(site.today)
    for user, organisation, ranges in (
        (site.login[Role.PSC_PSYCHOLOGIST], site.psc, _PSC_HOURS),
        (head, site.psc, _PSC_HOURS),
        (site.login[Role.SCHOOL_PSYCHOLOGIST], site.school, _SCHOOL_HOURS),
    ):
        for weeks_back in range(1, 9):  # the eight weeks before this one
            week = current - timedelta(weeks=weeks_back)
            work_week = care_services.save_work_week.within(
                actor=user,
                organisation=organisation,
                week=week,
                hours={
                    category: _quarters(site.rng, low, high)
                    for category, (low, high) in ranges.items()
                },
                note="Synthetic demo week." if weeks_back % 3 else "",
            )
            submitted = timezone.make_aware(
                datetime.combine(week + timedelta(days=4), datetime.min.time())
            ) + timedelta(hours=17)
            type(work_week).objects.filter(pk=work_week.pk).update(
                submitted_at=submitted, updated_at=submitted
            )
            site.summary.work_weeks += 1
