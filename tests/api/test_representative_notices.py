"""Pages and API for legal representatives per case and the notices they get (1.3.5):
do-not-contact, per-case perpetrator, notice review; CSRF enforced on session writes,
outsiders get 404, the SMS and its delivery receipt are visible on the notice."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from qamqor.accounts.models import User
from qamqor.cases import parties
from qamqor.cases.models import Case, CaseRepresentative
from qamqor.notify import services as outbox
from qamqor.notify.models import Notification
from qamqor.protocols import services as protocol_services
from qamqor.protocols.models import RepresentativeNotice, Step
from qamqor.protocols.outputs import sample_output
from tests.factories import World, register_case
from tests.notify.fake_smsc import FakeSMSC

EN = {"Accept-Language": "en"}


def csrf_client(user: User) -> Client:
    """A session client that must send the CSRF token, as a browser does."""
    client = Client(enforce_csrf_checks=True, headers=EN)
    client.force_login(user)
    client.cookies["csrftoken"] = "t" * 32
    return client


def json_post(client: Client, url: str, body: dict[str, Any], *, token: bool = True) -> Any:
    headers = {"X-CSRFToken": "t" * 32} if token else {}
    return client.post(url, body, content_type="application/json", headers=headers)


def json_patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(
        url, body, content_type="application/json", headers={"X-CSRFToken": "t" * 32}
    )


def case_with_family(world: World) -> tuple[Case, Any, Any]:
    case = register_case(world)
    parties.attach_child(case=case, actor=world.coordinator_a, data={})
    case.refresh_from_db()
    mother = parties.add_legal_representative(
        case=case,
        actor=world.coordinator_a,
        data={"full_name": "Aigerim", "relationship": "mother", "phone": "+77011234567"},
    )
    father = parties.add_legal_representative(
        case=case,
        actor=world.coordinator_a,
        data={"full_name": "Bolat", "relationship": "stepparent", "email": "b@test.qamqor.invalid"},
    )
    return case, mother, father


def draft_invitation(world: World, case: Case) -> RepresentativeNotice:
    step = Step.objects.get(case=case, key="legal_representatives_notice", run__ended_at=None)
    output = {
        **sample_output(step.spec, "x"),
        "conversation_on": "2026-12-07",
        "conversation_time": "15:00",
        "conversation_place": "Room 12",
    }
    protocol_services.complete_step(step=step, actor=world.coordinator_a, output=output)
    return RepresentativeNotice.objects.get(step=step)


# --- API ------------------------------------------------------------------------------------


def test_do_not_contact_and_perpetrator_through_the_api(world: World) -> None:
    case, mother, father = case_with_family(world)
    client = csrf_client(world.coordinator_a)
    url = f"/api/v1/cases/{case.number}/representatives/{father.pk}"

    no_token = client.patch(url, {"do_not_contact": True}, content_type="application/json")
    assert no_token.status_code == 403  # a session write needs its CSRF token

    missing = json_patch(client, url, {"do_not_contact": True})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["do_not_contact_reason"]
    assert not CaseRepresentative.objects.filter(do_not_contact=True).exists()

    marked = json_patch(
        client, url, {"do_not_contact": True, "do_not_contact_reason": "Covers for the initiator."}
    )
    assert marked.status_code == 200, marked.content
    body = marked.json()
    assert body["do_not_contact"] is True and body["is_alleged_perpetrator"] is False
    assert body["relationship"] == "stepparent"

    perpetrator = json_patch(
        client,
        f"/api/v1/cases/{case.number}/representatives/{mother.pk}",
        {"is_alleged_perpetrator": True},
    )
    assert perpetrator.status_code == 200
    listed = client.get(f"/api/v1/cases/{case.number}/parties").json()["representatives"]
    flags = {r["id"]: (r["is_alleged_perpetrator"], r["do_not_contact"]) for r in listed}
    assert flags == {mother.pk: (True, False), father.pk: (False, True)}

    added = json_post(
        client,
        f"/api/v1/cases/{case.number}/representatives",
        {"full_name": "Gulnar", "relationship": "foster_parent", "phone": "8 705 111 22 33"},
    )
    assert added.status_code == 201, added.content
    assert added.json()["do_not_contact"] is False


def test_outsiders_get_404_on_representative_data(world: World) -> None:
    case, mother, _father = case_with_family(world)
    draft = draft_invitation(world, case)
    outsider = csrf_client(world.coordinator_b)
    base = f"/api/v1/cases/{case.number}"
    assert outsider.get(f"{base}/parties").status_code == 404
    assert outsider.get(f"{base}/notices").status_code == 404
    assert json_patch(outsider, f"{base}/representatives/{mother.pk}", {}).status_code == 404
    assert json_post(outsider, f"{base}/notices/{draft.pk}/confirm", {}).status_code == 404
    assert (
        json_post(outsider, f"{base}/notices/{draft.pk}/cancel", {"reason": "x"}).status_code == 404
    )
    assert outsider.get(reverse("case-notices", args=[case.number])).status_code == 404
    # a notice of another case is not found through this one
    other = register_case(world)
    insider = csrf_client(world.coordinator_a)
    assert (
        json_post(
            insider, f"/api/v1/cases/{other.number}/notices/{draft.pk}/confirm", {}
        ).status_code
        == 404
    )
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_review_and_confirm_through_the_api_with_the_sms_receipt(world: World) -> None:
    case, mother, father = case_with_family(world)
    draft = draft_invitation(world, case)
    client = csrf_client(world.coordinator_a)
    base = f"/api/v1/cases/{case.number}/notices"

    listed = client.get(base)
    assert listed.status_code == 200
    [notice] = listed.json()
    assert notice["status"] == "draft" and notice["review"] is True
    assert notice["step"] == "legal_representatives_notice"
    assert "Room 12" in notice["texts"]["ru"]["sms"]
    assert notice["deliveries"] == []

    assert json_post(client, f"{base}/{draft.pk}/confirm", {}, token=False).status_code == 403
    bad = json_post(client, f"{base}/{draft.pk}/confirm", {"texts": {"ru": {"sms": "  "}}})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "texts.ru.sms"
    psc = json_post(csrf_client(world.psc_a), f"{base}/{draft.pk}/confirm", {})
    assert psc.status_code == 403  # sees the case, but the step is the school's

    sms_text = "Школа: беседа 07.12 в 15:00, каб. 12."
    confirmed = json_post(
        client, f"{base}/{draft.pk}/confirm", {"texts": {"ru": {"sms": sms_text}}}
    )
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "sent" and confirmed.json()["edited"] is True
    again = json_post(client, f"{base}/{draft.pk}/confirm", {})
    assert again.status_code == 409

    text = Notification.objects.to_address(mother.phone).get()
    assert text.body == sms_text
    with (
        FakeSMSC() as smsc,
        override_settings(
            SMS_SMPP_HOST="127.0.0.1",
            SMS_SMPP_PORT=smsc.port,
            SMS_SMPP_SYSTEM_ID="qamqor",
            SMS_SMPP_PASSWORD="secret",
        ),
    ):
        assert outbox.deliver(text.pk)
    assert smsc.messages() == [sms_text]

    deliveries = client.get(base).json()[0]["deliveries"]
    by_channel = {d["channel"]: d for d in deliveries}
    assert set(by_channel) == {"sms", "email"}
    assert by_channel["sms"]["status"] == "sent"
    [part] = by_channel["sms"]["sms_parts"]
    assert part["state"] == "delivered" and part["message_id"] == smsc.submitted[0].message_id
    assert by_channel["email"]["address"] == father.email

    page = client.get(reverse("case-notices", args=[case.number]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "delivered to the phone" in html and smsc.submitted[0].message_id in html


def test_cancel_through_the_api_needs_a_reason(world: World) -> None:
    case, _mother, _father = case_with_family(world)
    draft = draft_invitation(world, case)
    client = csrf_client(world.coordinator_a)
    url = f"/api/v1/cases/{case.number}/notices/{draft.pk}/cancel"
    empty = json_post(client, url, {"reason": ""})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "reason"
    done = json_post(client, url, {"reason": "Told them in person at the gate."})
    assert done.status_code == 200 and done.json()["status"] == "cancelled"


# --- pages ----------------------------------------------------------------------------------


def page_client(user: User) -> Client:
    """A browser-like client: it must send back the CSRF token of the page it was given."""
    client = Client(enforce_csrf_checks=True, headers=EN)
    client.force_login(user)
    return client


def token_from(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return str(client.cookies["csrftoken"].value)


def test_notice_review_page_confirms_with_the_corrected_text(world: World) -> None:
    case, mother, _father = case_with_family(world)
    draft = draft_invitation(world, case)
    client = page_client(world.coordinator_a)
    page_url = reverse("case-notices", args=[case.number])
    token = token_from(client, page_url)
    html = client.get(page_url).content.decode()
    assert f'name="notice-{draft.pk}-ru_sms"' in html and "Room 12" in html

    url = reverse("case-notice-confirm", args=[case.number, draft.pk])
    fields = {
        f"notice-{draft.pk}-{code}_{part}": draft.texts[code][part]
        for code in draft.texts
        for part in ("subject", "body", "sms")
    }
    assert client.post(url, fields).status_code == 403  # no CSRF token

    too_long = {**fields, f"notice-{draft.pk}-ru_sms": "ы" * 500}
    refused = client.post(url, {**too_long, "csrfmiddlewaretoken": token})
    assert refused.status_code == 422
    draft.refresh_from_db()
    assert draft.status == "draft"

    corrected = {**fields, f"notice-{draft.pk}-ru_sms": "Беседа 07.12, 15:00, каб. 12."}
    response = client.post(url, {**corrected, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "sent" and draft.edited
    assert (
        Notification.objects.to_address(mother.phone).get().body == "Беседа 07.12, 15:00, каб. 12."
    )


def test_do_not_contact_through_the_page(world: World) -> None:
    case, _mother, father = case_with_family(world)
    client = page_client(world.coordinator_a)
    token = token_from(client, reverse("case-detail", args=[case.number]))
    url = reverse("case-representative-update", args=[case.number, father.pk])
    prefix = f"representative-{father.pk}"
    data = {
        f"{prefix}-full_name": "Bolat",
        f"{prefix}-relationship": "stepparent",
        f"{prefix}-email": father.email,
        f"{prefix}-language": "ru",
        f"{prefix}-do_not_contact": "on",
        "csrfmiddlewaretoken": token,
    }
    refused = client.post(url, data)
    assert refused.status_code == 422
    assert "Say why this representative is not to be contacted." in refused.content.decode()
    assert not CaseRepresentative.objects.filter(do_not_contact=True).exists()

    data[f"{prefix}-do_not_contact_reason"] = "Covers for the initiator."
    assert client.post(url, data).status_code == 302
    html = client.get(reverse("case-detail", args=[case.number])).content.decode()
    assert "do not contact in this case" in html
    assert "Covers for the initiator." in html

    outsider = page_client(world.coordinator_b)
    assert outsider.get(reverse("case-detail", args=[case.number])).status_code == 404


@pytest.mark.parametrize("user", ["coordinator_a2", "coordinator_b", "regional_b"])
def test_the_notices_are_404_to_other_schools_and_regions(world: World, user: str) -> None:
    case, _mother, _father = case_with_family(world)
    draft_invitation(world, case)
    client = page_client(getattr(world, user))
    assert client.get(reverse("case-notices", args=[case.number])).status_code == 404
    assert client.get(f"/api/v1/cases/{case.number}/notices").status_code == 404
