"""The daily email digest: a user who takes it gets the emails that are not urgent held
and sent as one email a day, grouped by case; life-safety alerts and overdue steps go at
once; a worker killed midway neither loses an item nor sends a digest twice
(docs/notifications.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation

from qamqor.accounts.models import Role, User
from qamqor.cases.models import Case
from qamqor.notify import services
from qamqor.notify.models import Notification
from qamqor.notify.services import digest as digest_module
from tests.factories import World, make_user, register_case
from tests.notify.inbox_helpers import note

pytestmark = pytest.mark.django_db

EMAIL = Notification.Channel.EMAIL
ALMATY = ZoneInfo("Asia/Almaty")
MORNING = datetime(2026, 12, 7, 6, 0, tzinfo=ALMATY)  # before the digest hour (8)
AFTER_HOUR = datetime(2026, 12, 7, 9, 0, tzinfo=ALMATY)


@pytest.fixture(autouse=True)
def _english_and_local_mail(settings: object) -> Iterator[None]:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]
    with translation.override("en"):
        yield


@pytest.fixture
def case(world: World) -> Case:
    registered = register_case(world)
    # the registration's own emails are out of the way: the sweeps below count ours only
    Notification.objects.filter(status=Notification.Status.PENDING).update(
        status=Notification.Status.SENT
    )
    return registered


@pytest.fixture
def reader(world: World, case: Case) -> User:
    user = make_user("digest-reader", world.a.school, Role.SCHOOL_PSYCHOLOGIST)
    user.preferred_language = "en"
    user.save()
    services.set_daily_digest(user, daily_digest=True)
    return user


def status(row: Notification) -> str:
    return Notification.objects.get(pk=row.pk).status


def digests(user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, template=services.DIGEST_TEMPLATE))


def test_the_preference_is_off_by_default_and_each_email_goes_at_once(world: World) -> None:
    user = make_user("plain", world.a.school, Role.SCHOOL_PSYCHOLOGIST)
    assert not services.wants_digest(user)
    row = note(user, "referral_received", channel=EMAIL)
    assert services.deliver(row.pk)
    assert status(row) == Notification.Status.SENT and len(mail.outbox) == 1


def test_non_urgent_emails_are_held_urgent_ones_go_at_once(reader: User, case: Case) -> None:
    held = note(reader, "referral_received", case=case, channel=EMAIL)
    alert = note(reader, "life_safety_alert", case=case, channel=EMAIL)
    overdue = note(reader, "step_overdue", case=case, channel=EMAIL)

    assert not services.deliver(held.pk)
    assert services.deliver(alert.pk) and services.deliver(overdue.pk)

    assert status(held) == Notification.Status.HELD
    assert status(alert) == status(overdue) == Notification.Status.SENT
    assert len(mail.outbox) == 2
    assert services.sweep_outbox() == 0  # a held email is not retried by the sweep


def test_one_digest_a_day_with_every_held_item_grouped_by_case(reader: User, case: Case) -> None:
    with time_machine.travel(MORNING, tick=False):
        in_case = [
            note(reader, t, case=case, channel=EMAIL)
            for t in ("step_assigned", "referral_received")
        ]
        without = note(reader, "library_briefing", channel=EMAIL, subject="a briefing")
        for row in [*in_case, without]:
            services.deliver(row.pk)
        assert services.send_digests() == 0  # not before the digest hour
        assert mail.outbox == []

    with time_machine.travel(AFTER_HOUR, tick=False):
        assert services.send_digests() == 1
        assert services.send_digests() == 0  # once a day
        assert services.sweep_outbox() == 1

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [reader.email]
    assert "3 notifications" in email.subject
    assert f"Case {case.number}" in email.body and "Without a case" in email.body
    assert email.body.index(case.number) < email.body.index("Without a case")
    for row in [*in_case, without]:
        assert row.subject in email.body
        assert status(row) == Notification.Status.DIGESTED
    (digest,) = digests(reader)
    assert set(digest.digest_items.values_list("pk", flat=True)) == {
        row.pk for row in [*in_case, without]
    }

    # a later email of the same day waits for tomorrow's digest
    with time_machine.travel(AFTER_HOUR + timedelta(hours=2), tick=False):
        late = note(reader, "referral_received", case=case, channel=EMAIL)
        services.deliver(late.pk)
        assert services.send_digests() == 0
    with time_machine.travel(AFTER_HOUR + timedelta(days=1), tick=False):
        assert services.send_digests() == 1
        services.sweep_outbox()
    assert len(mail.outbox) == 2 and late.subject in mail.outbox[1].body


def test_a_worker_killed_while_writing_the_digest_loses_nothing(
    reader: User, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [note(reader, "referral_received", case=case, channel=EMAIL) for _ in range(3)]
    for row in rows:
        services.deliver(row.pk)

    def killed(keys: list[str]) -> None:
        raise SystemExit("worker killed after writing the digest, before the commit")

    with time_machine.travel(AFTER_HOUR, tick=False):
        with monkeypatch.context() as patch:
            patch.setattr(digest_module, "_enqueue_after_commit", killed)
            with pytest.raises(SystemExit):
                services.send_digests()
        assert digests(reader) == []  # rolled back with the items it would carry
        assert all(status(row) == Notification.Status.HELD for row in rows)

        assert services.send_digests() == 1
        assert services.sweep_outbox() == 1
    assert len(mail.outbox) == 1
    assert all(row.subject in mail.outbox[0].body for row in rows)


def test_a_worker_killed_while_sending_the_digest_sends_it_once(reader: User, case: Case) -> None:
    row = note(reader, "referral_received", case=case, channel=EMAIL)
    services.deliver(row.pk)
    with time_machine.travel(AFTER_HOUR, tick=False):
        services.send_digests()
        (digest,) = digests(reader)
        # a worker claimed it and died before handing it over: its lease expires
        Notification.objects.filter(pk=digest.pk).update(
            status=Notification.Status.SENDING,
            claimed_at=timezone.now(),
            lease_expires_at=timezone.now() - timedelta(seconds=1),
        )
        assert services.send_digests() == 0  # no second digest for the day
        assert services.sweep_outbox() == 1  # the lease is taken back, sent once
        assert services.sweep_outbox() == 0
    assert len(mail.outbox) == 1
    assert len(digests(reader)) == 1


def test_turning_the_digest_off_sends_what_was_held(reader: User, case: Case) -> None:
    row = note(reader, "referral_received", case=case, channel=EMAIL)
    services.deliver(row.pk)
    assert status(row) == Notification.Status.HELD
    services.set_daily_digest(reader, daily_digest=False)
    assert status(row) == Notification.Status.PENDING
    assert services.sweep_outbox() == 1
    assert status(row) == Notification.Status.SENT
