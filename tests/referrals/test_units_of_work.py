"""An entry-point service of referrals is a unit of work of its own:
``atomic(durable=True)`` refuses to run inside a caller's transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from qamqor.referrals import services
from tests.factories import CarePlaces, World, refer_to_psc


def test_cancelling_refuses_to_run_inside_another_transaction(
    world: World, care: CarePlaces
) -> None:
    referral = refer_to_psc(world)
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        services.cancel_referral(actor=world.psychologist_a, referral=referral, reason="Moved")
    referral.refresh_from_db()
    assert referral.status == "sent"
    services.cancel_referral(actor=world.psychologist_a, referral=referral, reason="Moved")
    referral.refresh_from_db()
    assert referral.status == "cancelled"
