"""The consent rules (brief 1.3.4, 1.5.2), as properties and as examples.

Properties (hypothesis), each example in its own savepoint:
- no session beyond the crisis limit without consent, whatever the order of events;
- withdrawal stops sharing at once;
- sharing without consent or a basis is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qamqor.audit.models import AuditEvent
from qamqor.care import services
from qamqor.care.models import CareClient, ChildShare, Consultation, CrisisBasis
from qamqor.cases.models import Case, CaseRepresentative, Child, LegalRepresentative
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.notify.models import Notification
from qamqor.referrals.models import Referral
from tests.factories import (
    CarePlaces,
    World,
    care_pupil,
    record_parent_consent,
    refer_to_psc,
    register_case,
)

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run one hypothesis example in a savepoint and undo it, so examples don't mix.

    The block is marked as Django's ``TestCase`` marks its own, so that the services'
    durable entry points run inside it as they do inside a test's transaction."""
    block = transaction.atomic()
    block._from_testcase = True  # type: ignore[attr-defined]
    try:
        with block:
            yield
            raise _Rollback
    except _Rollback:
        pass


def session(world: World, child: Child, *, by: str = "psc_a", **extra: Any) -> Consultation:
    user = getattr(world, by)
    organisation = world.a.school if by.startswith("psychologist") else world.a.psc
    return services.record_consultation(
        actor=user,
        organisation=organisation,
        child=child,
        format="in_person",
        topic="support",
        held_at=timezone.now(),
        duration_minutes=45,
        notes="confidential",
        **extra,
    )


def crisis(world: World, child: Child, **extra: Any) -> CrisisBasis:
    return services.record_crisis_basis(
        actor=world.psc_a,
        child=child,
        organisation=world.a.psc,
        ground=extra.pop("ground", "suicide_risk"),
        justification=extra.pop(
            "justification", "Says she wants to die; parents cannot be reached tonight."
        ),
        **extra,
    )


def psc_child(world: World) -> Child:
    return services.register_child(actor=world.psc_a, organisation=world.a.psc)


# --- property: no session beyond the crisis limit without consent -------------------------

OPERATIONS = st.lists(
    st.sampled_from(["basis", "session", "consent", "withdraw", "close", "school_session"]),
    max_size=14,
)


@PROPERTY
@given(limit=st.integers(min_value=1, max_value=6), operations=OPERATIONS)
def test_no_session_beyond_the_crisis_limit_without_consent(
    world: World, care: CarePlaces, limit: int, operations: list[str]
) -> None:
    with rolled_back(), override_settings(CRISIS_SESSION_LIMIT=limit):
        child = psc_child(world)
        consents: list[Any] = []
        basis_open = False
        used = 0  # crisis sessions since consent was last recorded
        for operation in operations:
            active = [c for c in consents if c.withdrawn_at is None]
            if operation == "basis":
                allowed = not basis_open and not active and used < limit
                if allowed:
                    crisis(world, child)
                    basis_open = True
                else:
                    with pytest.raises(Conflict):
                        crisis(world, child)
            elif operation == "session":
                if active:
                    assert session(world, child).basis == "consent"
                elif basis_open and used < limit:
                    made = session(world, child)
                    assert made.basis == "crisis" and made.consent is None
                    used += 1
                else:
                    with pytest.raises(Conflict):
                        session(world, child)
            elif operation == "consent":
                consents.append(record_parent_consent(world, child, world.a.psc, world.psc_a))
                basis_open, used = False, 0
            elif operation == "withdraw" and active:
                services.withdraw_consent(actor=world.psc_a, consent=active[-1])
                active[-1].refresh_from_db()
            elif operation == "close" and basis_open:
                services.close_crisis_basis(
                    actor=world.psc_a, basis=CrisisBasis.objects.get(child=child, closed_at=None)
                )
                basis_open = False
            elif operation == "school_session":
                # The school has no consent of its own here and no crisis exception.
                with pytest.raises((Conflict, NotAllowed)):
                    session(world, child, by="psychologist_a")
            without_consent = Consultation.objects.filter(
                child=child, basis="crisis", crisis_basis__superseded_by_consent=False
            ).count()
            assert without_consent == used <= limit
        # Every crisis session rests on a basis recorded with its justification.
        for made in Consultation.objects.filter(child=child, basis="crisis"):
            assert made.crisis_basis is not None and len(made.crisis_basis.justification) >= 20


# --- property: withdrawal stops sharing at once -------------------------------------------


@PROPERTY
@given(
    operations=st.lists(st.sampled_from(["consent", "refer", "withdraw"]), min_size=1, max_size=8)
)
def test_withdrawal_stops_sharing_at_once(
    world: World, care: CarePlaces, operations: list[str]
) -> None:
    with rolled_back():
        child = care_pupil(world)
        consents: list[Any] = []
        referrals: list[tuple[Referral, bool]] = []  # and whether its sharing still holds
        for operation in operations:
            active = [c for c in consents if c.withdrawn_at is None]
            if operation == "consent":
                consents.append(
                    record_parent_consent(
                        world,
                        child,
                        world.a.school,
                        world.psychologist_a,
                        covers_support=False,
                        covers_sharing=True,
                        share_with=[world.a.psc],
                    )
                )
            elif operation == "refer":
                if active:
                    referrals.append((refer_to_psc(world, child, share_basis="consent"), True))
                else:
                    with pytest.raises(InvalidInput) as refused:
                        refer_to_psc(world, child, share_basis="consent")
                    assert refused.value.errors[0].field == "basis"
            elif operation == "withdraw" and active:
                for consent in active:
                    services.withdraw_consent(actor=world.psychologist_a, consent=consent)
                    consent.refresh_from_db()
                # every share rested on one of the consents just withdrawn: all stop now
                referrals = [(referral, False) for referral, _held in referrals]
            shared = {referral.pk for referral, held in referrals if held}
            # The receiving PSC sees the child and the referrals exactly while sharing holds.
            psc = world.psc_a
            assert Child.objects.restrict(psc, "view").filter(pk=child.pk).exists() == bool(shared)
            assert (
                set(Referral.objects.restrict(psc, "view").values_list("pk", flat=True)) == shared
            )
            assert ChildShare.objects.active().filter(child=child).count() == len(shared)
            assert (services.sharing_consent(child, world.a.psc) is not None) == any(
                c.withdrawn_at is None for c in consents
            )
            # A referral whose sharing stopped is cancelled; the referrer still sees it.
            for referral, held in referrals:
                referral.refresh_from_db()
                assert referral.status == ("sent" if held else "cancelled")
            assert Referral.objects.restrict(world.psychologist_a, "view").filter(
                child=child
            ).count() == (len(referrals))


# --- property: sharing without consent or a basis is refused --------------------------------

TEXTS = st.sampled_from(["", "ab", "Art. 10 of the Law", "x" * 25])


@PROPERTY
@given(
    basis=st.sampled_from(["consent", "legal_basis", "override", "child_agreement", "bogus"]),
    legal_ground=st.sampled_from(["", "danger_to_life", "duty_to_notify", "bogus"]),
    reference=TEXTS,
    override_reason=TEXTS,
    consent_names=st.sampled_from(["none", "receiver", "other", "receiver_withdrawn"]),
)
def test_sharing_without_consent_or_basis_is_refused(
    world: World,
    care: CarePlaces,
    basis: str,
    legal_ground: str,
    reference: str,
    override_reason: str,
    consent_names: str,
) -> None:
    with rolled_back():
        child = care_pupil(world)
        if consent_names != "none":
            named = world.a.psc if consent_names.startswith("receiver") else care.clinic_a
            consent = record_parent_consent(
                world,
                child,
                world.a.school,
                world.psychologist_a,
                covers_support=False,
                covers_sharing=True,
                share_with=[named],
            )
            if consent_names == "receiver_withdrawn":
                services.withdraw_consent(actor=world.psychologist_a, consent=consent)
        allowed = {
            "consent": consent_names == "receiver",
            "legal_basis": legal_ground in ("danger_to_life", "duty_to_notify")
            and len(reference) >= 3,
            "override": len(override_reason) >= 20,
            "child_agreement": False,  # only a PSC telling the school may rest on it
            "bogus": False,
        }[basis]

        def share() -> ChildShare:
            return services.share_child(
                actor=world.psychologist_a,
                child=child,
                from_organisation=world.a.school,
                to_organisation=world.a.psc,
                basis=basis,
                legal_ground=legal_ground,
                reference=reference,
                override_reason=override_reason,
            )

        if allowed:
            made = share()
            assert made.basis == basis and made.is_active
            assert Child.objects.restrict(world.psc_a, "view").filter(pk=child.pk).exists()
        else:
            with pytest.raises(InvalidInput) as refused:
                share()
            assert refused.value.errors and refused.value.errors[0].field in {
                "basis",
                "legal_ground",
                "reference",
                "override_reason",
            }
            assert not ChildShare.objects.filter(child=child).exists()
            assert not Child.objects.restrict(world.psc_a, "view").filter(pk=child.pk).exists()


# --- examples ---------------------------------------------------------------------------------


def test_sixth_crisis_session_is_blocked_until_consent(world: World, care: CarePlaces) -> None:
    referral = refer_to_psc(world)
    child = referral.child
    crisis(world, child)
    for number in range(1, 6):
        assert session(world, child).basis == "crisis"
        assert services.crisis_sessions_used(child, world.a.psc) == number
    with pytest.raises(Conflict) as blocked:
        session(world, child)
    assert blocked.value.errors[0].field == "child"
    assert "5" in str(blocked.value.detail)
    # a new crisis basis does not reopen the count
    services.close_crisis_basis(actor=world.psc_a, basis=CrisisBasis.objects.get(child=child))
    with pytest.raises(Conflict):
        crisis(world, child)
    record_parent_consent(world, child, world.a.psc, world.psc_a)
    assert session(world, child).basis == "consent"


def test_the_limit_is_configuration(world: World, care: CarePlaces, settings: Any) -> None:
    settings.CRISIS_SESSION_LIMIT = 2
    child = psc_child(world)
    basis = crisis(world, child)
    assert basis.session_limit == 2
    session(world, child)
    session(world, child)
    with pytest.raises(Conflict):
        session(world, child)
    settings.CRISIS_SESSION_LIMIT = 5  # a running exception keeps the limit it started with
    with pytest.raises(Conflict):
        session(world, child)


def test_a_branch_shares_its_psc_count(world: World, care: CarePlaces) -> None:
    child = psc_child(world)
    crisis(world, child)
    for _n in range(4):
        session(world, child)
    branch_session = services.record_consultation(
        actor=world.psc_branch_a,
        organisation=care.branch_a,
        child=child,
        format="online",
        topic="crisis follow-up",
        held_at=timezone.now(),
        duration_minutes=30,
    )
    assert branch_session.basis == "crisis"
    with pytest.raises(Conflict):
        session(world, child)


def test_crisis_basis_needs_a_psc_a_listed_ground_and_a_justification(
    world: World, care: CarePlaces
) -> None:
    child = care_pupil(world)
    with pytest.raises(NotAllowed):
        services.record_crisis_basis(
            actor=world.psychologist_a,
            child=child,
            organisation=world.a.school,
            ground="suicide_risk",
            justification="A long enough justification for the test.",
        )
    referral = refer_to_psc(world, child)
    with pytest.raises(InvalidInput) as short:
        crisis(world, referral.child, justification="urgent")
    assert short.value.errors[0].field == "justification"
    with pytest.raises(InvalidInput) as ground:
        crisis(world, referral.child, ground="feels_sad")
    assert ground.value.errors[0].field == "ground"
    assert not CrisisBasis.objects.exists()


def test_every_exception_is_reported_and_every_use_audited(world: World, care: CarePlaces) -> None:
    child = psc_child(world)
    basis = crisis(world, child)
    reported = Notification.objects.filter(template="care_crisis_exception")
    assert {n.recipient for n in reported if n.recipient} == {world.regional_a}
    assert all("Aigerim" not in n.body and child.code not in n.body for n in reported)
    for _n in range(5):
        session(world, child)
    uses = AuditEvent.objects.filter(action="crisis.session", object_id=child.code)
    assert [event.changes["session"] for event in uses] == [1, 2, 3, 4, 5]
    assert all(event.changes["crisis_basis"] == str(basis.public_id) for event in uses)
    assert all("notes" not in event.changes for event in uses)  # confidential stays out
    assert AuditEvent.objects.filter(action="crisis.record", object_id=child.code).count() == 1
    limit = Notification.objects.filter(template="care_crisis_limit_reached")
    assert {n.recipient for n in limit if n.recipient} == {world.psc_a, world.psc_head_a}


def test_age_rule_decides_whether_the_child_consents_alone(
    world: World, care: CarePlaces, settings: Any
) -> None:
    child = psc_child(world)
    arguments: dict[str, Any] = {
        "actor": world.psc_a,
        "child": child,
        "organisation": world.a.psc,
        "giver": "child",
        "method": "signed_in_person",
        "given_at": timezone.now(),
        "covers_support": True,
    }
    with pytest.raises(InvalidInput) as too_young:
        services.record_consent(**arguments, child_age=15)
    assert too_young.value.errors[0].field == "giver"
    with pytest.raises(InvalidInput) as unknown:
        services.record_consent(**arguments)
    assert unknown.value.errors[0].field == "child_age"
    assert services.record_consent(**arguments, child_age=16).child_age == 16
    settings.CONSENT_SELF_AGE = 14
    assert services.record_consent(**arguments, child_age=14).giver == "child"


def test_the_birth_date_wins_over_a_stated_age(world: World, care: CarePlaces) -> None:
    today = timezone.localdate()
    child = services.register_child(
        actor=world.psc_a,
        organisation=world.a.psc,
        birth_date=today.replace(year=today.year - 12) - timedelta(days=3),
    )
    with pytest.raises(InvalidInput):
        services.record_consent(
            actor=world.psc_a,
            child=child,
            organisation=world.a.psc,
            giver="child",
            child_age=17,
            method="online",
            given_at=timezone.now(),
            covers_support=True,
        )


def test_an_alleged_perpetrator_cannot_consent(world: World, care: CarePlaces) -> None:
    child = psc_child(world)
    father = LegalRepresentative.objects.create(
        child=child, full_name="Father Test", relationship="father"
    )
    case = register_case(world)
    Case.objects.filter(pk=case.pk).update(child=child)
    # marked in a case of the child: the flag is per case, the consent rule reads any case
    CaseRepresentative.objects.create(case=case, representative=father, is_alleged_perpetrator=True)
    with pytest.raises(InvalidInput) as refused:
        record_parent_consent(world, child, world.a.psc, world.psc_a, representative=father)
    assert refused.value.errors[0].field == "representative"
    other_child = psc_child(world)
    stranger = LegalRepresentative.objects.create(
        child=other_child, full_name="Not Theirs", relationship="mother"
    )
    with pytest.raises(InvalidInput):
        record_parent_consent(world, child, world.a.psc, world.psc_a, representative=stranger)


def test_consent_details_are_checked_field_by_field(world: World, care: CarePlaces) -> None:
    child = psc_child(world)
    with pytest.raises(InvalidInput) as nothing:
        record_parent_consent(world, child, world.a.psc, world.psc_a, covers_support=False)
    assert nothing.value.errors[0].field == "covers"
    with pytest.raises(InvalidInput) as scan:
        record_parent_consent(world, child, world.a.psc, world.psc_a, method="paper_scan")
    assert scan.value.errors[0].field == "document"
    with pytest.raises(InvalidInput) as future:
        record_parent_consent(
            world, child, world.a.psc, world.psc_a, given_at=timezone.now() + timedelta(days=2)
        )
    assert future.value.errors[0].field == "given_at"
    with pytest.raises(InvalidInput) as unnamed:
        record_parent_consent(
            world, child, world.a.psc, world.psc_a, covers_sharing=True, share_with=[]
        )
    assert unnamed.value.errors[0].field == "share_with"


def test_consent_closes_the_crisis_basis_and_withdrawal_takes_effect_at_once(
    world: World, care: CarePlaces
) -> None:
    child = psc_child(world)
    basis = crisis(world, child)
    session(world, child)
    consent = record_parent_consent(world, child, world.a.psc, world.psc_a)
    basis.refresh_from_db()
    assert basis.close_reason == "consent_recorded" and basis.superseded_by_consent
    assert session(world, child).basis == "consent"
    services.withdraw_consent(actor=world.psc_a, consent=consent, note="Mother withdrew.")
    with pytest.raises(Conflict):
        session(world, child)
    with pytest.raises(Conflict):
        services.withdraw_consent(actor=world.psc_a, consent=consent)
    # After the withdrawal a new crisis may be met with a new exception.
    crisis(world, child)
    assert session(world, child).basis == "crisis"


def test_school_psychologist_consent_is_for_the_school_only(world: World, care: CarePlaces) -> None:
    child = care_pupil(world)
    record_parent_consent(world, child, world.a.school, world.psychologist_a)
    assert session(world, child, by="psychologist_a").basis == "consent"
    referral = refer_to_psc(world, child)
    with pytest.raises(Conflict):  # the PSC needs its own consent or a crisis basis
        session(world, referral.child)
    assert CareClient.objects.filter(child=child, organisation=world.a.school).exists()


def test_a_representative_not_in_qamqor_is_named_as_on_the_form(
    world: World, care: CarePlaces
) -> None:
    child = psc_child(world)
    with pytest.raises(InvalidInput) as nobody:
        record_parent_consent(world, child, world.a.psc, world.psc_a, representative=None)
    assert nobody.value.errors[0].field == "representative"
    consent = record_parent_consent(
        world, child, world.a.psc, world.psc_a, representative=None, giver_name="Mother: G. T."
    )
    assert consent.giver_label == "Mother: G. T."
