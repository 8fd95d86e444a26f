"""The reader's notifications through the API: the page's selectors, forms and services
(groups, kind filter, urgent, mark read per group or kind, the digest preference); in the
caller's language; another user's notification is a 404."""

from __future__ import annotations

import pytest
from django.test import Client

from qamqor.accounts.models import ApiToken, Role, User
from qamqor.cases.models import Case
from qamqor.notify import services
from qamqor.notify.models import Notification
from tests.factories import World, make_user, register_case
from tests.notify.inbox_helpers import note

pytestmark = pytest.mark.django_db

BASE = "/api/v1/notifications"


@pytest.fixture
def case(world: World) -> Case:
    return register_case(world)


@pytest.fixture
def reader(world: World, case: Case) -> User:
    return make_user("api-reader", world.a.school, Role.SCHOOL_PSYCHOLOGIST)


def signed_in(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def bearer(user: User) -> Client:
    """Writes as an integration sends them: a token, no session (CSRF does not apply)."""
    _, raw = ApiToken.issue(user, "inbox")
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_groups_kinds_and_urgent(reader: User, case: Case) -> None:
    note(reader, "case_message", case=case, minutes_ago=5, subject="older")
    note(reader, "life_safety_alert", case=case, minutes_ago=1, subject="alert")
    note(reader, "library_briefing", minutes_ago=3, subject="briefing")
    client = signed_in(reader)

    groups = client.get(f"{BASE}/groups").json()["items"]
    assert [(g["case"], g["total"], g["unread"]) for g in groups] == [
        (case.number, 2, 2),
        ("none", 1, 1),
    ]
    assert groups[0]["newest"]["subject"] == "alert en"
    assert groups[0]["newest"]["urgent"] and groups[0]["newest"]["kind"] == "life_safety"

    messages = client.get(BASE, {"kind": "messages"}).json()["items"]
    assert [m["subject"] for m in messages] == ["older en"]
    urgent = client.get(BASE, {"urgent": "true"}).json()["items"]
    assert [m["subject"] for m in urgent] == ["alert en"]
    kk = signed_in(reader, "kk").get(BASE, {"case": "none"}).json()["items"]
    assert [m["subject"] for m in kk] == ["briefing kk"]
    assert client.get(BASE, {"kind": "nonsense"}).status_code == 422


def test_mark_read_per_group_and_kind(reader: User, case: Case) -> None:
    in_case = note(reader, "case_message", case=case)
    referral = note(reader, "referral_received", case=case)
    without = note(reader, "library_briefing")
    client = bearer(reader)

    response = client.post(
        f"{BASE}/read", {"case": case.number, "kind": "messages"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json() == {"marked": 1}
    assert Notification.objects.get(pk=in_case.pk).read_at is not None
    assert Notification.objects.get(pk=referral.pk).read_at is None

    response = client.post(f"{BASE}/read", {"case": "none"}, content_type="application/json")
    assert response.json() == {"marked": 1}
    assert Notification.objects.get(pk=without.pk).read_at is not None

    response = client.post(f"{BASE}/{referral.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None


def test_another_users_notification_is_404(reader: User, world: World, case: Case) -> None:
    mine = note(reader, "case_message", case=case)
    other = bearer(world.coordinator_b)
    assert other.post(f"{BASE}/{mine.pk}/read").status_code == 404
    other.post(f"{BASE}/read", {"case": case.number}, content_type="application/json")
    assert Notification.objects.get(pk=mine.pk).read_at is None
    listed = signed_in(world.coordinator_b).get(BASE, {"case": case.number}).json()["items"]
    assert listed == []


def test_the_digest_preference(reader: User) -> None:
    client = bearer(reader)
    assert client.get(f"{BASE}/preference").json() == {"daily_digest": False}
    response = client.put(
        f"{BASE}/preference", {"daily_digest": True}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json() == {"daily_digest": True}
    assert services.wants_digest(reader)
    session = Client(enforce_csrf_checks=True)
    session.force_login(reader)
    refused = session.put(
        f"{BASE}/preference", {"daily_digest": False}, content_type="application/json"
    )
    assert refused.status_code == 403  # a session write needs its CSRF token
    assert services.wants_digest(reader)
