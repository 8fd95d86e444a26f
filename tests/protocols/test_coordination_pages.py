"""Who holds the ball (/steps/open/) and protocol versions (/protocols/)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qamqor.accounts.models import User
from qamqor.audit.models import AuditEvent
from qamqor.protocols.models import ProtocolVersion, Step
from tests.factories import World, register_case


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def rows(html: str) -> list[str]:
    """The ``case/step`` of each listed open step, in order."""
    return re.findall(r'data-step="([^"]+)"', html)


# --- who holds the ball -----------------------------------------------------------------


def test_open_steps_by_scope_overdue_first(world: World) -> None:
    case_a = register_case(world)
    case_b = register_case(world, school=world.b.school)
    late = Step.objects.get(case=case_a, key="psc_support")
    Step.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=3))
    url = reverse("open-steps")

    regional = signed_in(world.regional_a).get(url).content.decode()
    listed = rows(regional)
    assert listed[0] == f"{case_a.number}/psc_support"  # overdue first
    assert all(item.startswith(case_a.number) for item in listed)
    assert "overdue by 3 days" in regional
    assert "Organisations holding the most overdue steps" in regional

    national = rows(signed_in(world.national).get(url).content.decode())
    assert {item.split("/")[0] for item in national} == {case_a.number, case_b.number}

    psc = rows(signed_in(world.psc_a).get(url).content.decode())
    assert psc == [f"{case_a.number}/psc_support"]
    school = rows(signed_in(world.coordinator_a).get(url).content.decode())
    assert f"{case_a.number}/school_log" in school
    assert f"{case_a.number}/psc_support" not in school

    assert signed_in(world.monitor).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="step.list_open").count() == 4


def test_open_steps_filters_and_pages(world: World) -> None:
    case_a = register_case(world)
    case_b = register_case(world, school=world.b.school)
    client = signed_in(world.national)
    url = reverse("open-steps")
    by_region = rows(client.get(url, {"region": "KZ-71"}).content.decode())
    assert by_region and all(item.startswith(case_b.number) for item in by_region)
    by_kind = rows(client.get(url, {"organisation_kind": "psc"}).content.decode())
    assert set(by_kind) == {f"{case_a.number}/psc_support", f"{case_b.number}/psc_support"}
    assert rows(client.get(url, {"overdue_only": "on"}).content.decode()) == []
    assert client.get(url, {"region": "nowhere", "page": "99"}).status_code == 200


def count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["national", "regional_a", "coordinator_a", "psc_a"])
def test_open_steps_queries_do_not_grow_with_the_list(world: World, persona: str) -> None:
    register_case(world)
    client = signed_in(getattr(world, persona))
    url = reverse("open-steps")
    few = count(client, url)
    for _n in range(3):
        register_case(world)
    Step.objects.filter(status="open").update(due_at=timezone.now() - timedelta(hours=5))
    assert count(client, url) == few


# --- protocol versions ------------------------------------------------------------------


def test_the_national_coordinator_reviews_the_difference_and_publishes(world: World) -> None:
    client = signed_in(world.national)
    html = client.get(reverse("protocol-list")).content.decode()
    assert "Bullying, cyberbullying and violence outside the family" in html
    assert 'data-version="bullying_outside_family/1"' in html
    assert "available, not published" in html  # a fresh installation: nothing published

    first = reverse("protocol-version", args=["bullying_outside_family", 1])
    html = client.get(first).content.decode()
    assert "No version is published yet" in html
    response = client.post(reverse("protocol-publish", args=["bullying_outside_family", 1]))
    assert response.status_code == 302
    assert ProtocolVersion.objects.get(code="bullying_outside_family", version=1).published_at

    second = reverse("protocol-version", args=["bullying_outside_family", 2])
    html = client.get(second).content.decode()
    assert "What changes against the published version 1" in html
    assert "Inform the legal representatives of the children involved" in html  # added
    assert "diff-plus" in html
    assert reverse("protocol-publish", args=["bullying_outside_family", 2]) in html

    # a case registered now starts on version 1, with its one free-text result
    case = register_case(world)
    assert case.protocol_runs.get().protocol.version == 1
    case_html = signed_in(world.coordinator_a).get(reverse("case-detail", args=[case.number]))
    assert 'name="step-school_log-text"' in case_html.content.decode()

    client.post(reverse("protocol-publish", args=["bullying_outside_family", 2]))
    html = client.get(reverse("protocol-list")).content.decode()
    assert "superseded: its cases keep it" in html
    again = client.post(reverse("protocol-publish", args=["bullying_outside_family", 2]))
    assert again.status_code == 409
    assert "already published" in again.content.decode()
    assert AuditEvent.objects.filter(action="protocol.publish").count() == 2


def test_protocols_are_read_only_for_other_staff_and_hidden_from_monitors(world: World) -> None:
    regional = signed_in(world.regional_a)
    html = regional.get(reverse("protocol-list")).content.decode()
    assert "What changes" in html and "Review and publish" not in html
    detail = regional.get(reverse("protocol-version", args=["domestic_violence", 1]))
    assert detail.status_code == 200
    assert "Send the mobile group" in detail.content.decode()
    assert reverse("protocol-publish", args=["domestic_violence", 1]) not in (
        detail.content.decode()
    )
    response = regional.post(reverse("protocol-publish", args=["domestic_violence", 1]))
    assert response.status_code == 403
    assert not ProtocolVersion.objects.filter(published_at__isnull=False).exists()

    monitor = signed_in(world.monitor)
    assert monitor.get(reverse("protocol-list")).status_code == 404
    assert (
        monitor.get(reverse("protocol-version", args=["domestic_violence", 1])).status_code == 404
    )
    assert monitor.post(reverse("protocol-publish", args=["domestic_violence", 1])).status_code == (
        404
    )
    national = signed_in(world.national)
    assert national.get(reverse("protocol-version", args=["domestic_violence", 9])).status_code == (
        404
    )


def test_the_interview_step_is_described_with_its_qualification(world: World) -> None:
    html = (
        signed_in(world.psc_a)
        .get(reverse("protocol-version", args=["sexual_violence", 1]))
        .content.decode()
    )
    assert "Interview the child once (qualified interviewer)" in html
    assert "interview qualification required" in html
