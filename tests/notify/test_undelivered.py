"""Undelivered notifications, shown to coordinators within their scope and sent again.

The page (and its card on the dashboard) lists failed and unconfirmed notifications of
the coordinator's school or region, all for the national coordinator, 404 for everyone
else; a POST through the real CSRF path sends the chosen ones again; so does the command.
"""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qamqor.accounts.models import User
from qamqor.audit.models import AuditEvent
from qamqor.notify.models import Notification
from qamqor.ops import retention
from qamqor.ops.fields import REMOVED
from tests.factories import World, register_case

URL = "/notifications/undelivered/"


def signed_in(user: User, *, csrf: bool = False) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


@pytest.fixture
def undelivered(world: World) -> dict[str, Notification]:
    """One failed email of a case at school A1, one unconfirmed of a case in region B."""
    case_a = register_case(world)
    case_b = register_case(world, school=world.b.school)
    failed = Notification.objects.filter(case=case_a, channel="email").order_by("pk").first()
    unconfirmed = Notification.objects.filter(case=case_b, channel="email").order_by("pk").first()
    assert failed is not None and unconfirmed is not None
    Notification.objects.filter(pk=failed.pk).update(
        status=Notification.Status.FAILED, attempts=70, last_error="ConnectionRefusedError: x"
    )
    Notification.objects.filter(pk=unconfirmed.pk).update(
        status=Notification.Status.UNCONFIRMED, attempts=1, last_error="no answer"
    )
    Notification.objects.exclude(pk__in=[failed.pk, unconfirmed.pk]).update(status="sent")
    return {"a": failed, "b": unconfirmed}


def listed(response: object) -> set[int]:
    content = response.content.decode()  # type: ignore[attr-defined]
    return {int(pk) for pk in re.findall(r'name="notification" value="(\d+)"', content)}


def test_url_name() -> None:
    assert reverse("notifications-undelivered") == URL


@pytest.mark.django_db
def test_each_coordinator_sees_the_undelivered_notifications_of_their_scope(
    world: World, undelivered: dict[str, Notification]
) -> None:
    a, b = undelivered["a"].pk, undelivered["b"].pk
    for user, expected in (
        (world.national, {a, b}),
        (world.regional_a, {a}),
        (world.regional_b, {b}),
        (world.coordinator_a, {a}),
        (world.coordinator_b, {b}),
        (world.coordinator_a2, set()),  # another school of region A
    ):
        response = signed_in(user).get(URL)
        assert response.status_code == 200, user.username
        assert listed(response) == expected, user.username
    page = signed_in(world.national).get(URL).content.decode()
    assert "delivery unconfirmed" in page and "ConnectionRefusedError" in page


@pytest.mark.django_db
def test_everyone_else_gets_404_and_visitors_the_login(
    world: World, undelivered: dict[str, Notification]
) -> None:
    for user in (world.psc_a, world.police_a, world.monitor, world.psychologist_a, world.operator):
        assert signed_in(user).get(URL).status_code == 404, user.username
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_list_read_is_audited(world: World, undelivered: dict[str, Notification]) -> None:
    signed_in(world.regional_a).get(URL)
    event = AuditEvent.objects.filter(action="notify.Notification.list").latest("id")
    assert event.actor_id == world.regional_a.pk
    assert event.changes["ids"] == [str(undelivered["a"].pk)]


@pytest.mark.django_db
def test_the_dashboard_counts_them_for_coordinators(
    world: World, undelivered: dict[str, Notification]
) -> None:
    page = signed_in(world.national).get(reverse("dashboard")).content.decode()
    assert "2 notifications did not reach their recipients" in page
    assert f'href="{URL}"' in page
    page = signed_in(world.regional_b).get(reverse("dashboard")).content.decode()
    assert "1 notification did not reach its recipient" in page
    page = signed_in(world.monitor).get(reverse("dashboard")).content.decode()
    assert "did not reach" not in page
    assert "Cases by form of violence" in page  # the monitor's dashboard itself is there


@pytest.mark.django_db
def test_a_coordinator_sends_them_again_through_the_csrf_checked_form(
    world: World, undelivered: dict[str, Notification]
) -> None:
    client = signed_in(world.regional_a, csrf=True)
    page = client.get(URL)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    a, b = undelivered["a"], undelivered["b"]

    refused = client.post(URL, {"notification": [a.pk]})
    assert refused.status_code == 403  # no token: CSRF refuses, nothing changes
    assert Notification.objects.get(pk=a.pk).status == Notification.Status.FAILED

    # b is in region B: out of scope, ignored.
    response = client.post(
        URL, {"notification": [a.pk, b.pk], "csrfmiddlewaretoken": token.group(1)}, follow=True
    )
    assert response.status_code == 200
    assert "1 notification queued to be sent again." in response.content.decode()
    resent = Notification.objects.get(pk=a.pk)
    assert resent.status == Notification.Status.PENDING
    assert resent.message_id == a.message_id
    assert resent.retry_until is not None
    assert Notification.objects.get(pk=b.pk).status == Notification.Status.UNCONFIRMED
    event = AuditEvent.objects.filter(action="notification.resend").latest("id")
    assert event.actor_id == world.regional_a.pk and event.changes["ids"] == [a.pk]

    nothing = client.post(URL, {"csrfmiddlewaretoken": token.group(1)}, follow=True)
    assert "Choose the notifications to send again." in nothing.content.decode()


@pytest.mark.django_db
def test_the_command_sends_them_again(world: World, undelivered: dict[str, Notification]) -> None:
    a, b = undelivered["a"], undelivered["b"]
    with pytest.raises(CommandError, match="--all"):
        call_command("resend_notifications")

    out = StringIO()
    call_command("resend_notifications", "--all", "--dry-run", stdout=out)
    assert "2 would be sent again" in out.getvalue() and a.message_id in out.getvalue()
    assert set(
        Notification.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)
    ) == {
        "failed",
        "unconfirmed",
    }

    out = StringIO()
    call_command("resend_notifications", "--status", "unconfirmed", stdout=out)
    assert "1 queued to be sent again" in out.getvalue()
    assert Notification.objects.get(pk=b.pk).status == Notification.Status.PENDING
    assert Notification.objects.get(pk=a.pk).status == Notification.Status.FAILED

    out = StringIO()
    call_command("resend_notifications", "--id", str(a.pk), stdout=out)
    assert Notification.objects.get(pk=a.pk).status == Notification.Status.PENDING


@pytest.mark.django_db
def test_one_whose_copies_retention_removed_is_no_longer_offered(
    world: World, undelivered: dict[str, Notification], settings: object
) -> None:
    """Past the transcript period retention removes a finished notification's address and
    text: there is nothing left to send, so neither the page, the API nor the command
    offers to send it again (before, a resend queued an email to nobody saying
    "[removed: retention period]")."""
    a, b = undelivered["a"], undelivered["b"]
    Notification.objects.filter(pk=a.pk).update(
        created_at=timezone.now() - timedelta(days=settings.RETENTION_TRANSCRIPT_DAYS + 1)  # type: ignore[attr-defined]
    )
    assert retention.run().notifications >= 1
    assert Notification.objects.get(pk=a.pk).subject == REMOVED

    client = signed_in(world.national, csrf=True)
    page = client.get(URL)
    assert listed(page) == {b.pk}
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    sent = client.post(URL, {"notification": [a.pk], "csrfmiddlewaretoken": token.group(1)})
    assert sent.status_code == 302
    api = signed_in(world.national)
    assert api.post(f"/api/v1/notifications/{a.pk}/resend").status_code == 404
    out = StringIO()
    call_command("resend_notifications", "--id", str(a.pk), stdout=out)
    assert "0 queued to be sent again" in out.getvalue()
    assert Notification.objects.get(pk=a.pk).status == Notification.Status.FAILED
    assert not AuditEvent.objects.filter(action="notification.resend").exists()
