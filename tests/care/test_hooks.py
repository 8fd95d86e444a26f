"""Care asks referrals through hooks that referrals register in ``ready()``
(docs/decisions/0012-layers.md): care imports nothing of referrals."""

from __future__ import annotations

from qamqor.audit.models import AuditEvent
from qamqor.care import hooks
from qamqor.care import services as care_services
from qamqor.referrals import services as referral_services
from qamqor.referrals.models import Referral
from tests.factories import CarePlaces, World, care_pupil, record_parent_consent, refer_to_psc


def test_referrals_register_their_hooks_at_start_up() -> None:
    assert referral_services.on_shares_revoked in hooks.SHARES_REVOKED
    [reader] = hooks.REFERRAL_READERS
    assert reader == Referral.objects.restrict


def test_withdrawing_consent_cancels_the_referrals_resting_on_it_through_the_hook(
    world: World, care: CarePlaces
) -> None:
    child = care_pupil(world)
    consent = record_parent_consent(
        world,
        child,
        world.a.school,
        world.psychologist_a,
        covers_support=False,
        covers_sharing=True,
        share_with=[world.a.psc],
    )
    referral = refer_to_psc(world, child, share_basis="consent")
    care_services.withdraw_consent(actor=world.psychologist_a, consent=consent)
    referral.refresh_from_db()
    assert referral.status == "cancelled"
    event = AuditEvent.objects.get(action="consent.withdraw")
    assert event.changes["referrals_cancelled"] == [str(referral.public_id)]


def test_the_referrals_a_user_sees_come_from_the_registered_reader(
    world: World, care: CarePlaces
) -> None:
    referral = refer_to_psc(world)
    seen = hooks.restricted_referrals(world.psychologist_a)
    assert list(seen.values_list("pk", flat=True)) == [referral.pk]
    assert not hooks.restricted_referrals(world.psc_b).exists()
