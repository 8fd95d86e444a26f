"""Self-referral (brief 2.3.8): a child or parent asks a PSC directly, through the public
form, 111 or the chatbot; the school is not told unless the child agrees or the protocol
requires it."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from qamqor.cases.models import Child
from qamqor.errors import InvalidInput
from qamqor.notify.models import Notification
from qamqor.referrals import services
from qamqor.referrals.models import Referral
from tests.factories import CarePlaces, World

ASK = {
    "requester": "child",
    "concern": "bullying",
    "reason": "My teacher humiliates me in front of the class every day.",
    "urgency": "urgent",
    "child_age": "14",
    "contact": "+7 701 000 0000",
}


def client_for(world: World, persona: str) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(getattr(world, persona))
    return client


def test_the_public_form_reaches_the_psc_and_not_the_school(world: World, care: CarePlaces) -> None:
    visitor = Client(headers={"accept-language": "en"})
    start = visitor.get("/referrals/ask/")
    assert start.status_code == 200 and world.a.psc.name in start.content.decode()
    form = visitor.get(f"/referrals/ask/{world.a.psc.code}/")
    assert form.status_code == 200 and "data-quick-exit" in form.content.decode()
    token = form.context["token"]
    data = {**ASK, "school": world.a.school.code, "idempotency_token": token}
    sent = visitor.post(f"/referrals/ask/{world.a.psc.code}/", data)
    assert sent.status_code == 302
    again = visitor.post(f"/referrals/ask/{world.a.psc.code}/", data)  # double click
    assert again.status_code == 302
    referral = Referral.objects.get()
    thanks = visitor.get(sent["Location"])
    assert referral.reference in thanks.content.decode()
    reload = visitor.get(sent["Location"])
    assert reload.status_code == 200 and "data-quick-exit" in reload.content.decode()
    assert referral.reference not in reload.content.decode()  # shown once
    assert referral.kind == "self_referral" and referral.from_organisation is None
    assert referral.school_named == world.a.school and not referral.school_may_be_told
    assert referral.child.school is None and referral.child.region == world.a.region
    # The PSC sees it; the school named does not, in any way.
    psc = client_for(world, "psc_a")
    assert psc.get(f"/referrals/{referral.public_id}/").status_code == 200
    assert psc.get(f"/care/children/{referral.child.code}/").status_code == 200
    for persona in ("coordinator_a", "psychologist_a", "regional_b", "psc_b"):
        client = client_for(world, persona)
        assert client.get(f"/referrals/{referral.public_id}/").status_code == 404, persona
        assert client.get(f"/care/children/{referral.child.code}/").status_code == 404, persona
        assert client.get("/api/v1/referrals").json()["items"] == [], persona
    school_staff = {world.coordinator_a, world.psychologist_a}
    assert not Notification.objects.filter(recipient__in=school_staff).exists()
    assert Notification.objects.filter(
        template="referral_self_received", recipient=world.psc_a
    ).exists()


def test_the_school_is_told_only_with_agreement_or_a_legal_basis(
    world: World, care: CarePlaces
) -> None:
    referral, _created = services.submit_self_referral(
        to_organisation=world.a.psc,
        requester="child",
        channel="helpline_111",
        concern="violence",
        reason="The PE teacher hits pupils; the school hides it.",
        school_named=world.a.school,
        school_may_be_told=False,
    )
    with pytest.raises(InvalidInput) as refused:
        services.inform_school(actor=world.psc_a, referral=referral, basis="child_agreement")
    assert refused.value.errors[0].field == "basis"
    with pytest.raises(InvalidInput) as no_reference:
        services.inform_school(
            actor=world.psc_a,
            referral=referral,
            basis="legal_basis",
            legal_ground="protocol_requires",
        )
    assert no_reference.value.errors[0].field == "reference"
    assert (
        not Child.objects.restrict(world.coordinator_a, "view")
        .filter(pk=referral.child_id)
        .exists()
    )
    services.inform_school(
        actor=world.psc_a,
        referral=referral,
        basis="legal_basis",
        legal_ground="protocol_requires",
        reference="Violence by a teacher protocol, step 1",
    )
    told = Notification.objects.filter(template="referral_school_informed", channel="in_app")
    assert {n.recipient for n in told} == {world.coordinator_a, world.psychologist_a}
    coordinator_a = world.coordinator_a
    assert Child.objects.restrict(coordinator_a, "view").filter(pk=referral.child_id).exists()
    # the self-referral itself (the child's own words) stays with the PSC
    assert not Referral.objects.restrict(coordinator_a, "view").exists()


def test_with_the_childs_agreement(world: World, care: CarePlaces) -> None:
    referral, _created = services.submit_self_referral(
        to_organisation=world.a.psc,
        requester="parent",
        channel="chatbot",
        concern="cyberbullying",
        reason="Classmates post photos of my son with insults.",
        school_named=world.a.school,
        school_may_be_told=True,
    )
    client = client_for(world, "psc_a")
    page = client.get(f"/referrals/{referral.public_id}/")
    assert "inform_form" in page.context
    done = client.post(
        f"/referrals/{referral.public_id}/inform-school/", {"inform-basis": "child_agreement"}
    )
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.school_informed_at is not None


def test_staff_record_self_referrals_from_111_and_the_phone(world: World, care: CarePlaces) -> None:
    operator = client_for(world, "operator")
    response = operator.post(
        "/api/v1/referrals/self",
        {
            "to_organisation": world.a.psc.code,
            "channel": "helpline_111",
            "requester": "child",
            "concern": "suicide_risk",
            "reason": "A girl called 111 at night: wants to die.",
            "urgency": "emergency",
            "child_age": 15,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["from_organisation"]["code"] == world.helpline.code
    assert body["kind"] == "self_referral" and body["urgency"] == "emergency"
    assert operator.get(f"/api/v1/referrals/{body['id']}").status_code == 200
    assert client_for(world, "psc_a").get(f"/api/v1/referrals/{body['id']}").status_code == 200
    psc = client_for(world, "psc_a")
    page = psc.post(
        "/referrals/self/new/",
        {
            "to_organisation": world.a.psc.code,
            "channel": "walk_in",
            "requester": "parent",
            "concern": "family_conflict",
            "reason": "Mother came in: constant fights at home.",
            "urgency": "routine",
        },
    )
    assert page.status_code == 302
    assert client_for(world, "coordinator_a").get("/referrals/self/new/").status_code == 404


def test_public_api_with_an_idempotency_key(world: World, care: CarePlaces) -> None:
    key = str(uuid.uuid4())
    body = {**ASK, "child_age": 14, "psc": world.a.psc.code}
    first = Client().post(
        "/api/v1/referrals/ask",
        body,
        content_type="application/json",
        headers={"idempotency-key": key},
    )
    second = Client().post(
        "/api/v1/referrals/ask",
        body,
        content_type="application/json",
        headers={"idempotency-key": key},
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["reference"] == second.json()["reference"]
    assert set(first.json()) == {"reference", "psc", "psc_phone"}
    assert Referral.objects.count() == 1
    wrong = Client().post(
        "/api/v1/referrals/ask",
        {**body, "psc": world.a.school.code},
        content_type="application/json",
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "psc"
    other_region = Client().post(
        "/api/v1/referrals/ask",
        {**body, "school": world.b.school.code},
        content_type="application/json",
    )
    assert other_region.status_code == 422
    assert other_region.json()["errors"][0]["field"] == "school"
