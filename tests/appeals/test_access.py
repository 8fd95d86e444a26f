"""Who sees an anonymous appeal, persona by persona (pages and API): its author is visible
to nobody, nobody at their organisation sees it, the coordinating body reads it once a
day without any trace of the author, and the author reads the answer with the code."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from qamqor.appeals import services
from qamqor.appeals.models import Appeal
from qamqor.audit.models import AuditEvent
from qamqor.care.services import local_today, week_start
from qamqor.notify.models import Notification
from qamqor.protocols.workdays import ALMATY
from tests.factories import CarePlaces, World


def client_for(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(getattr(world, persona))
    return client


APPEAL_TEXT = "The director makes me run the chess club and substitute maths teachers weekly."


def submit(world: World, persona: str = "psychologist_a", **extra: Any) -> dict[str, Any]:
    response = client_for(world, persona).post(
        "/api/v1/care/appeals",
        {"category": "non_specialist_duties", "text": APPEAL_TEXT, **extra},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def release() -> None:
    services.release_appeals(timezone.now().replace(hour=12) + timedelta(days=1))


AT_THE_AUTHORS_ORGANISATION = [
    "coordinator_a",
    "psychologist_a",
    "regional_a",
    "psc_head_a",
    "psc_a",
    "psychologist_a2",
    "monitor",
]


@pytest.mark.parametrize("persona", AT_THE_AUTHORS_ORGANISATION)
def test_an_appeal_is_invisible_at_the_authors_organisation(
    world: World, care: CarePlaces, persona: str
) -> None:
    submit(world, region="KZ-75", organisation_kind="school")
    release()
    appeal = Appeal.objects.get()
    client = client_for(world, persona)
    assert client.get("/api/v1/care/appeals").json()["items"] == []
    assert client.get(f"/api/v1/care/appeals/{appeal.pk}").status_code == 404
    assert client.get("/care/appeals/").status_code == 404
    assert client.get(f"/care/appeals/{appeal.pk}/").status_code == 404
    assert not Notification.objects.filter(
        template="care_appeal_digest", recipient=getattr(world, persona)
    ).exists()


def test_the_coordinating_body_reads_it_without_any_trace_of_the_author(
    world: World, care: CarePlaces
) -> None:
    sent = submit(world, region="KZ-75")
    assert set(sent) == {"followup_code", "week"}  # no identifier to correlate
    author = world.psychologist_a
    national = client_for(world, "national")
    assert national.get("/api/v1/care/appeals").json()["items"] == []  # not before release
    release()
    items = national.get("/api/v1/care/appeals").json()["items"]
    assert len(items) == 1
    item = items[0]
    assert set(item) == {
        "id",
        "category",
        "text",
        "region",
        "organisation_kind",
        "week",
        "status",
        "response",
    }
    assert item["week"] == week_start(local_today()).isoformat()
    dumped = json.dumps(items) + national.get(f"/care/appeals/{item['id']}/").content.decode()
    for trace in (author.username, world.a.school.code, world.a.school.name):
        assert trace not in dumped.replace(item["id"], "")
    # The author's id as a value (as a substring it turns up by chance in tokens and hashes).
    assert not {author.pk, str(author.pk)} & {value for value in item.values() if value}
    # The model has nowhere to put an author or an exact time.
    fields = {f.name for f in Appeal._meta.get_fields()}
    assert not fields & {"user", "author", "created_at", "submitted_at", "organisation"}
    # Its audit event has no actor, no address, no request id, no appeal id.
    event = AuditEvent.objects.get(action="appeal.submit")
    assert (event.actor_id, event.ip_address, event.request_id, event.object_id) == (
        None,
        None,
        "",
        "*",
    )
    assert not AuditEvent.objects.filter(actor_id=author.pk, action__startswith="appeal").exists()
    # The coordinating body hears of it once a day, as a count.
    digest = Notification.objects.get(template="care_appeal_digest", channel="in_app")
    assert digest.recipient == world.national and "1" in digest.subject
    assert APPEAL_TEXT not in digest.body


def test_appeals_are_released_once_a_day(world: World, care: CarePlaces) -> None:
    submit(world)
    morning = timezone.now().astimezone(ALMATY).replace(hour=7) + timedelta(days=1)
    assert services.release_appeals(morning) == 0  # before the release hour
    assert services.release_appeals(morning.replace(hour=10)) == 1
    submit(world, persona="psc_a")
    assert services.release_appeals(morning.replace(hour=15)) == 0  # today's is done
    assert services.release_appeals(morning.replace(hour=10) + timedelta(days=1)) == 1


def test_the_author_reads_the_answer_with_the_code(world: World, care: CarePlaces) -> None:
    code = submit(world)["followup_code"]
    release()
    appeal = Appeal.objects.get()
    national = client_for(world, "national")
    answered = national.post(
        f"/api/v1/care/appeals/{appeal.pk}/answer",
        {"status": "answered", "response": "We have asked the department to stop this."},
        content_type="application/json",
    )
    assert answered.status_code == 200
    author = client_for(world, "psychologist_a")
    status = author.post(
        "/api/v1/care/appeals/follow-up", {"code": code.lower()}, content_type="application/json"
    ).json()
    assert status == {
        "status": "answered",
        "response": "We have asked the department to stop this.",
        "week": appeal.week.isoformat(),
    }
    wrong = author.post(
        "/api/v1/care/appeals/follow-up", {"code": "AP-XXXX"}, content_type="application/json"
    )
    assert wrong.status_code == 404


def test_only_specialists_appeal_and_only_by_session(world: World, care: CarePlaces) -> None:
    response = client_for(world, "coordinator_a").post(
        "/api/v1/care/appeals",
        {"category": "pressure", "text": APPEAL_TEXT},
        content_type="application/json",
    )
    assert response.status_code == 403
    from qamqor.accounts.models import ApiToken

    _token, raw = ApiToken.issue(world.psychologist_a, "integration")
    by_token = Client().post(
        "/api/v1/care/appeals",
        {"category": "pressure", "text": APPEAL_TEXT},
        content_type="application/json",
        headers={"authorization": f"Bearer {raw}"},
    )
    assert by_token.status_code == 401
    assert not Appeal.objects.exists()


def test_the_appeal_page_keeps_nothing_in_the_session(world: World, care: CarePlaces) -> None:
    client = client_for(world, "psychologist_a")
    form = client.get("/care/appeals/new/")
    token = form.context["token"]
    before = dict(client.session.items())
    data = {"category": "pressure", "text": APPEAL_TEXT, "idempotency_token": token}
    sent = client.post("/care/appeals/new/", data)
    assert sent.status_code == 200 and sent.context["code"].startswith("AP-")
    again = client.post("/care/appeals/new/", data)  # a double click
    assert again.context["code"] == sent.context["code"]
    assert Appeal.objects.count() == 1
    assert dict(client.session.items()) == before
    assert "Set-Cookie" not in str(sent.cookies.get("messages", ""))
