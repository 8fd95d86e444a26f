"""The in-app list, read by a person: grouped by case, filtered by kind, urgent ones pinned
until read, marked read per group or kind over the CSRF-checked forms, shown in the
reader's language, nobody else's (brief 1.3.5; docs/notifications.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from qamqor.accounts.models import Role, User
from qamqor.cases.models import Case
from qamqor.notify import services
from qamqor.notify.models import Notification
from tests.factories import World, make_user, register_case
from tests.notify.inbox_helpers import note

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def cases(world: World) -> list[Case]:
    return [register_case(world), register_case(world)]


@pytest.fixture
def reader(world: World, cases: list[Case]) -> User:
    """A psychologist who joined after the cases were registered: only the notifications a
    test writes are theirs."""
    return make_user("reader", world.a.school, Role.SCHOOL_PSYCHOLOGIST)


def signed_in(user: User, *, language: str = "en") -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def csrf(client: Client) -> str:
    html = client.get(reverse("notifications")).content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, "the page carries a CSRF token"
    return found.group(1)


def groups_section(html: str) -> str:
    return html.split('class="notification-list notification-groups"', 1)[1]


def test_one_entry_per_case_with_its_unread_count_and_newest_message(
    reader: User, cases: list[Case]
) -> None:
    first, second = cases
    note(reader, "step_assigned", case=first, minutes_ago=30, subject="older of first")
    note(reader, "case_message", case=first, minutes_ago=5, subject="newest of first")
    note(reader, "referral_received", case=first, minutes_ago=10, read=True)
    note(reader, "step_reminder", case=second, minutes_ago=20, subject="newest of second")
    note(reader, "library_briefing", minutes_ago=1, subject="no case")

    html = signed_in(reader).get(reverse("notifications")).content.decode()
    listed = groups_section(html)

    assert listed.count("<article>") == 3  # two cases and the group without a case
    assert "newest of first en" in listed and "older of first" not in listed
    assert "newest of second en" in listed
    assert "Without a case" in listed
    first_entry = listed.split(f"Case {first.number}", 1)[1].split("</li>", 1)[0]
    assert "2 unread" in first_entry and "3 notifications" in first_entry
    # the newest group first
    assert listed.index("Without a case") < listed.index(first.number) < listed.index(second.number)


def test_a_group_opens_on_its_own_notifications(reader: User, cases: list[Case]) -> None:
    first, second = cases
    note(reader, "step_assigned", case=first, subject="in first")
    note(reader, "step_assigned", case=second, subject="in second")
    note(reader, "library_briefing", subject="without")
    client = signed_in(reader)

    html = client.get(reverse("notifications"), {"case": first.number}).content.decode()
    assert "in first en" in html and "in second" not in html and "without" not in html

    html = client.get(reverse("notifications"), {"case": "none"}).content.decode()
    assert "without en" in html and "in first" not in html


def test_the_kind_filter_keeps_one_kind(reader: User, cases: list[Case]) -> None:
    first, _ = cases
    note(reader, "referral_received", case=first, subject="a referral")
    note(reader, "case_message", case=first, minutes_ago=1, subject="a message")
    client = signed_in(reader)

    html = client.get(reverse("notifications"), {"kind": "messages"}).content.decode()
    assert "a message en" in html and "a referral" not in html
    html = client.get(reverse("notifications"), {"kind": "referrals"}).content.decode()
    assert "a referral en" in html and "a message" not in html
    # "other": every template no kind names
    note(reader, "library_briefing", subject="a briefing")
    html = client.get(reverse("notifications"), {"kind": "other"}).content.decode()
    assert "a briefing en" in html and "a referral" not in html


def test_urgent_ones_are_pinned_and_marked_until_read(reader: User, cases: list[Case]) -> None:
    first, _ = cases
    alert = note(reader, "life_safety_alert", case=first, minutes_ago=60, subject="danger")
    note(reader, "step_overdue", case=first, minutes_ago=50, subject="overdue")
    note(reader, "case_message", case=first, subject="chat")  # newer, not urgent
    client = signed_in(reader)

    html = client.get(reverse("notifications")).content.decode()
    pinned = html.split('class="notifications-pinned"', 1)[1].split("</section>", 1)[0]
    assert "danger en" in pinned and "overdue en" in pinned and "chat" not in pinned
    assert pinned.count('class="badge badge-danger"') == 2
    assert html.index("danger en") < html.index("By case")

    response = client.post(
        reverse("notification-read", args=[alert.pk]), {"csrfmiddlewaretoken": csrf(client)}
    )
    assert response.status_code == 302
    html = client.get(reverse("notifications")).content.decode()
    pinned = html.split('class="notifications-pinned"', 1)[1].split("</section>", 1)[0]
    assert "danger en" not in pinned and "overdue en" in pinned


def test_mark_all_read_per_group_over_csrf(reader: User, cases: list[Case]) -> None:
    first, second = cases
    in_first = [note(reader, "step_assigned", case=first) for _ in range(3)]
    in_second = note(reader, "step_assigned", case=second)
    without = note(reader, "library_briefing")
    client = signed_in(reader)

    refused = client.post(reverse("notifications-read-all"), {"case": first.number})
    assert refused.status_code == 403  # no CSRF token: nothing marked
    assert Notification.objects.filter(pk=in_first[0].pk, read_at__isnull=True).exists()

    response = client.post(
        reverse("notifications-read-all"),
        {"case": first.number, "csrfmiddlewaretoken": csrf(client)},
    )
    assert response.status_code == 302
    assert not Notification.objects.filter(
        pk__in=[n.pk for n in in_first], read_at__isnull=True
    ).exists()
    assert Notification.objects.filter(pk=in_second.pk, read_at__isnull=True).exists()
    assert Notification.objects.filter(pk=without.pk, read_at__isnull=True).exists()

    client.post(
        reverse("notifications-read-all"), {"case": "none", "csrfmiddlewaretoken": csrf(client)}
    )
    assert Notification.objects.filter(pk=without.pk, read_at__isnull=False).exists()
    assert Notification.objects.filter(pk=in_second.pk, read_at__isnull=True).exists()


def test_mark_all_read_per_kind(reader: User, cases: list[Case]) -> None:
    first, _ = cases
    message = note(reader, "case_message", case=first)
    referral = note(reader, "referral_received", case=first)
    client = signed_in(reader)
    client.post(
        reverse("notifications-read-all"),
        {"kind": "messages", "csrfmiddlewaretoken": csrf(client)},
    )
    assert Notification.objects.get(pk=message.pk).read_at is not None
    assert Notification.objects.get(pk=referral.pk).read_at is None


def test_a_notification_queued_in_russian_is_shown_in_kazakh_to_a_kazakh_reader(
    reader: User, cases: list[Case], world: World
) -> None:
    first, _ = cases
    reader.preferred_language = "ru"
    reader.save()
    services.notify_users(
        [reader],
        "case_message",
        {"case": first, "organisation": world.a.school},
        key="test-language",
        case=first,
        link="/",
    )
    row = Notification.objects.get(recipient=reader, channel=Notification.Channel.IN_APP)
    assert row.language == "ru"
    kk_subject, ru_subject = row.texts["kk"][0], row.texts["ru"][0]
    assert kk_subject != ru_subject and row.subject == ru_subject

    html = signed_in(reader, language="kk").get(reverse("notifications")).content.decode()
    assert kk_subject in html and ru_subject not in html
    html = signed_in(reader, language="ru").get(reverse("notifications")).content.decode()
    assert ru_subject in html


def test_an_older_row_without_texts_keeps_its_stored_text(reader: User) -> None:
    row = note(reader, "library_briefing", subject="stored")
    Notification.objects.filter(pk=row.pk).update(texts={})
    html = signed_in(reader, language="kk").get(reverse("notifications")).content.decode()
    assert "stored ru" in html


def test_another_users_notifications_are_404(reader: User, world: World, cases: list[Case]) -> None:
    first, _ = cases
    mine = note(reader, "step_assigned", case=first)
    other = signed_in(world.coordinator_b)

    response = other.post(
        reverse("notification-read", args=[mine.pk]), {"csrfmiddlewaretoken": csrf(other)}
    )
    assert response.status_code == 404
    assert Notification.objects.get(pk=mine.pk).read_at is None
    # a group of a case the reader has notifications of, asked for by someone who has none
    assert other.get(reverse("notifications"), {"case": first.number}).status_code == 404
    other.post(
        reverse("notifications-read-all"),
        {"case": first.number, "csrfmiddlewaretoken": csrf(other)},
    )
    assert Notification.objects.get(pk=mine.pk).read_at is None


def test_the_page_queries_do_not_grow_with_notifications_or_cases(
    world: World, django_assert_max_num_queries: object
) -> None:
    few = [register_case(world)]
    many = [*few, *(register_case(world) for _ in range(2))]
    # joined after the registrations: only the notifications written here are theirs
    small = make_user("small", world.a.school, Role.SCHOOL_PSYCHOLOGIST)
    big = make_user("big", world.a.school, Role.SCHOOL_PSYCHOLOGIST)
    for case in few:
        note(small, "step_assigned", case=case)
        note(small, "life_safety_alert", case=case)
    for case in many:
        for template in ("step_assigned", "case_message", "life_safety_alert", "step_overdue"):
            note(big, template, case=case)
    for _ in range(5):
        note(big, "library_briefing")

    small_client, big_client = signed_in(small), signed_in(big)
    for client in (small_client, big_client):
        client.get(reverse("notifications"))  # the session and the language settle
    with CaptureQueriesContext(connection) as queries:
        assert small_client.get(reverse("notifications")).status_code == 200
    # three times the cases, ten times the notifications: not one query more
    with django_assert_max_num_queries(len(queries)):  # type: ignore[operator]
        html = big_client.get(reverse("notifications")).content.decode()
    assert groups_section(html).count("<article>") == 4  # three cases and "without a case"
