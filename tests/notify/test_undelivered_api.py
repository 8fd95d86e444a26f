"""Undelivered notifications through the API: the same scope, audit and resend as the
coordinators' page (tests/notify/test_undelivered.py), 404 for everyone else."""

from __future__ import annotations

import pytest
from django.test import Client

from qamqor.accounts.models import ApiToken, User
from qamqor.audit.models import AuditEvent
from qamqor.notify.models import Notification
from tests.factories import World
from tests.notify.test_undelivered import undelivered  # noqa: F401 (fixture)

LIST = "/api/v1/notifications/undelivered"


def resend_url(pk: int) -> str:
    return f"/api/v1/notifications/{pk}/resend"


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def ids(response: object) -> set[int]:
    return {item["id"] for item in response.json()["items"]}  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_each_coordinator_lists_the_undelivered_of_their_scope(
    world: World,
    undelivered: dict[str, Notification],  # noqa: F811
) -> None:
    a, b = undelivered["a"], undelivered["b"]
    for user, expected in (
        (world.national, {a.pk, b.pk}),
        (world.regional_a, {a.pk}),
        (world.regional_b, {b.pk}),
        (world.coordinator_a, {a.pk}),
        (world.coordinator_a2, set()),
    ):
        response = signed_in(user).get(LIST)
        assert response.status_code == 200, user.username
        assert ids(response) == expected, user.username
    item = signed_in(world.regional_a).get(LIST).json()["items"][0]
    assert item["status"] == "failed" and item["channel"] == "email"
    assert a.case is not None and item["case"] == a.case.number
    assert item["attempts"] == 70 and item["last_error"] == "ConnectionRefusedError: x"
    shown = a.recipient_address or str(a.recipient)
    assert item["recipient"] == shown and item["subject"] == a.subject
    assert set(item) == {
        "id", "channel", "status", "template", "subject", "recipient", "case",
        "attempts", "last_error", "created_at", "updated_at",
    }  # fmt: skip


@pytest.mark.django_db
def test_outsiders_get_404_for_the_list_and_for_resending(
    world: World,
    undelivered: dict[str, Notification],  # noqa: F811
) -> None:
    a, b = undelivered["a"], undelivered["b"]
    for user in (world.police_a, world.monitor, world.psc_a, world.psychologist_a):
        client = signed_in(user)
        assert client.get(LIST).status_code == 404, user.username
        assert client.post(resend_url(a.pk)).status_code == 404, user.username
    # a coordinator of region A, of another school of region A: b and a are outside
    assert signed_in(world.regional_a).post(resend_url(b.pk)).status_code == 404
    assert signed_in(world.coordinator_a2).post(resend_url(a.pk)).status_code == 404
    assert set(
        Notification.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)
    ) == {"failed", "unconfirmed"}


@pytest.mark.django_db
def test_a_token_resends_through_the_csrf_checked_client(
    world: World,
    undelivered: dict[str, Notification],  # noqa: F811
) -> None:
    a = undelivered["a"]
    _, raw = ApiToken.issue(world.regional_a, "outbox")
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(resend_url(a.pk), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    resent = Notification.objects.get(pk=a.pk)
    assert resent.status == Notification.Status.PENDING
    assert resent.message_id == a.message_id and resent.retry_until is not None
    event = AuditEvent.objects.filter(action="notification.resend").latest("id")
    assert event.actor_id == world.regional_a.pk and event.changes["ids"] == [a.pk]
    # no longer undelivered: nothing to resend
    again = client.post(resend_url(a.pk), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert again.status_code == 404


@pytest.mark.django_db
def test_a_session_resend_without_the_csrf_token_is_refused(
    world: World,
    undelivered: dict[str, Notification],  # noqa: F811
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.regional_a)
    assert client.post(resend_url(undelivered["a"].pk)).status_code == 403
    assert Notification.objects.get(pk=undelivered["a"].pk).status == "failed"


@pytest.mark.django_db
def test_the_list_read_writes_one_audit_event_naming_the_ids(
    world: World,
    undelivered: dict[str, Notification],  # noqa: F811
) -> None:
    before = AuditEvent.objects.filter(action="notify.Notification.list").count()
    signed_in(world.national).get(LIST)
    events = AuditEvent.objects.filter(action="notify.Notification.list").order_by("id")
    assert events.count() == before + 1
    event = events.last()
    assert event is not None and event.actor_id == world.national.pk
    assert sorted(event.changes["ids"]) == sorted(
        str(n.pk) for n in (undelivered["a"], undelivered["b"])
    )
