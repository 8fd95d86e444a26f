"""The demo's school → PSC referrals (brief 1.3.1), through ``referrals.services``: every
state at the demo school, and a few in other regions; each on consent or a legal basis,
accepted ones with the PSC's consent and consultations, then moved back in time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from qamqor.accounts.models import Role, User
from qamqor.care import services as care_services
from qamqor.care.models import ConsentRecord, LegalGround, ShareBasis
from qamqor.demo.care import LEGAL_BASIS_REFERENCE, consent, consult
from qamqor.demo.world import FEMALE_NAMES, DemoRegion, weighted
from qamqor.directory.models import Organisation, OrganisationKind
from qamqor.referrals import services as referral_services
from qamqor.referrals.models import Concern, Referral, ReferralEvent, Urgency

_DEMO_SCHOOL_STATES = (  # school → PSC, in the demo region
    *(("sent",) * 5),
    *(("accepted",) * 6),
    *(("declined",) * 3),
    *(("completed",) * 7),
    *(("withdrawn",) * 3),
)
_OTHER_REGION_STATES = ("sent", "accepted", "declined", "completed", "completed", "accepted")
_CONCERNS = (
    (Concern.BULLYING, "is mocked and pushed by older pupils and has stopped eating at school"),
    (Concern.CYBERBULLYING, "is insulted under every post of a fake account with her photos"),
    (Concern.EMOTIONAL, "cries in lessons, withdraws from friends and sleeps badly"),
    (Concern.FAMILY_CONFLICT, "is anxious since the parents' conflict and misses lessons"),
    (Concern.VIOLENCE, "came to school with bruises after a fight behind the school"),
)
_DECLINE_REASONS = (
    "Synthetic demo: the child already has a psychologist at another service.",
    "Synthetic demo: the family moved to another region; refer to that region's PSC.",
)


def referrals(site: DemoRegion) -> None:
    """Referrals from the demo school to its PSC in every state, then one school in each of
    a few other regions to that region's PSC."""
    world = site.world
    school_actor = site.login[Role.SCHOOL_PSYCHOLOGIST]
    psc_actor = site.login[Role.PSC_PSYCHOLOGIST]
    for state in _DEMO_SCHOOL_STATES:
        _referral(site, site.school, school_actor, site.psc, psc_actor, state)
    others = [s for s in world.schools[1:] if s.region_id != site.region.pk]
    for school, state in zip(others, _OTHER_REGION_STATES, strict=False):
        code = world.region_codes[school.region_id or 0]
        psc = world.bodies[(code, OrganisationKind.PSC)]
        psychologist = next(
            user for user in world.members[psc.pk] if user.username.startswith("psc-psychologist-")
        )
        _referral(site, school, world.school_coordinator[school.pk], psc, psychologist, state)


def _referral(
    site: DemoRegion,
    school: Organisation,
    actor: User,
    psc: Organisation,
    psychologist: User,
    state: str,
) -> None:
    rng = site.rng
    concern, reason = rng.choice(_CONCERNS)
    first, last = site.world.person()
    child = care_services.register_child.within(
        actor=actor,
        organisation=school,
        full_name=f"{first} {last}",
        birth_date=site.birth_date(rng.randint(9, 15)),
        sex="girl" if first in FEMALE_NAMES else "boy",
        class_label=f"{rng.randint(3, 9)}{rng.choice('ABV')}",
    )
    pending = state == "sent"
    sent_at = (
        site.now - timedelta(hours=rng.uniform(1, 20)) if pending else site.ago(rng.uniform(6, 56))
    )
    sharing: ConsentRecord | None = None
    if state == "withdrawn" or rng.random() < 0.7:
        sharing = consent(
            site,
            actor=actor,
            child=child,
            organisation=school,
            given_at=sent_at - timedelta(hours=rng.uniform(2, 48)),
            covers_sharing=True,
            share_with=[psc],
        )
    urgency = weighted(rng, ((Urgency.ROUTINE, 70), (Urgency.URGENT, 30)))
    referral = referral_services.send_referral.within(
        actor=actor,
        from_organisation=school,
        to_organisation=psc,
        child=child,
        concern=concern,
        urgency=urgency,
        reason=f"Synthetic demo referral (not a real child): the pupil {reason}.",
        actions_taken="Synthetic demo: talks with the class teacher and the parents.",
        share_basis=ShareBasis.CONSENT if sharing else ShareBasis.LEGAL_BASIS,
        legal_ground="" if sharing else LegalGround.DUTY_TO_NOTIFY,
        reference="" if sharing else LEGAL_BASIS_REFERENCE,
    )
    responded_at = sent_at + timedelta(hours=rng.uniform(2, 40))
    completed_at = None
    if state == "withdrawn":
        assert sharing is not None  # noqa: S101  a withdrawn referral rests on consent
        care_services.withdraw_consent.within(
            actor=actor,
            consent=sharing,
            note="Synthetic demo: the parents withdrew the consent to sharing.",
        )
    elif state == "declined":
        referral_services.decline_referral.within(
            actor=psychologist, referral=referral, reason=rng.choice(_DECLINE_REASONS)
        )
    elif state in ("accepted", "completed"):
        referral_services.accept_referral.within(actor=psychologist, referral=referral)
        support = consent(
            site,
            actor=psychologist,
            child=child,
            organisation=psc,
            given_at=responded_at + timedelta(hours=1),
            covers_support=True,
            covers_diagnostics=True,
        )
        held = support.given_at
        sessions = rng.randint(2, 4) if state == "completed" else rng.randint(0, 2)
        for number in range(sessions):
            held = min(held + timedelta(days=rng.uniform(2, 8)), site.now - timedelta(hours=2))
            consult(site, psychologist, psc, child, held, confidential=number == 0)
        if state == "completed":
            referral_services.complete_referral.within(
                actor=psychologist,
                referral=referral,
                feedback="Synthetic demo feedback: the course of consultations is finished; "
                "the pupil copes better. Keep an eye on the class atmosphere.",
            )
            completed_at = min(held + timedelta(days=1), site.now - timedelta(minutes=30))
    site.summary.referrals[state] += 1
    if not pending:  # one sent today is not yet due, so it stays as it is
        _backdate(referral, sent_at, responded_at, completed_at)


def _backdate(
    referral: Referral, sent_at: datetime, responded_at: datetime, completed_at: datetime | None
) -> None:
    """Move an answered referral and its timeline back to when it happened."""
    referral.refresh_from_db()
    fields: dict[str, Any] = {
        "sent_at": sent_at,
        "respond_by": referral_services.respond_by(referral.urgency, sent_at),
    }
    if referral.responded_at:
        fields["responded_at"] = responded_at
    if referral.completed_at and completed_at:
        fields["completed_at"] = completed_at
    if referral.cancelled_at:
        fields["cancelled_at"] = responded_at
    Referral.objects.filter(pk=referral.pk).update(**fields)
    moments: dict[str, datetime | None] = {
        ReferralEvent.Kind.SENT: sent_at,
        ReferralEvent.Kind.ACCEPTED: responded_at,
        ReferralEvent.Kind.DECLINED: responded_at,
        ReferralEvent.Kind.CANCELLED: responded_at,
        ReferralEvent.Kind.COMPLETED: completed_at,
    }
    events = list(ReferralEvent.objects.filter(referral=referral))
    for event in events:
        event.at = moments.get(event.kind) or event.at
    ReferralEvent.objects.bulk_update(events, ["at"])
