"""The core loop through the API: register → steps → closure → statistics; token auth."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.test import Client

from qamqor.accounts.models import ApiToken, User
from qamqor.analytics.fold import fold
from qamqor.audit.models import AuditEvent
from qamqor.cases.models import Case
from qamqor.intake.models import Report
from qamqor.notify.models import Notification
from qamqor.protocols.models import Step
from qamqor.protocols.outputs import sample_output
from tests.factories import CLASSIFICATION, World, actor_for, submit_report

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response


def token_client(user: User) -> Client:
    _token, raw = ApiToken.issue(user, "test integration")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def session_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any]) -> Response:
    return client.post(url, body, content_type="application/json")


def test_the_whole_loop(world: World) -> None:
    report = submit_report(world.a.school)
    coordinator = token_client(world.coordinator_a)

    listed = coordinator.get("/api/v1/reports").json()
    assert [item["id"] for item in listed["items"]] == [str(report.public_id)]

    registered = post(coordinator, f"/api/v1/reports/{report.public_id}/register", CLASSIFICATION)
    assert registered.status_code == 201, registered.content
    number = registered.json()["number"]
    assert number == f"KZ-75-{Case.objects.get().year}-000001"
    report.refresh_from_db()
    assert report.status == Report.Status.REGISTERED

    def tasks(user: User) -> set[str]:
        return {t["key"] for t in token_client(user).get("/api/v1/tasks").json()["items"]}

    # bullying, repeated, partly online: the school, the PSC and the police all have work
    assert tasks(world.coordinator_a) == {
        "school_log",
        "legal_representatives_notice",
        "cyber_evidence",
    }
    assert tasks(world.psc_a) == {"psc_support"}
    assert tasks(world.police_a) == {"police_127_2"}
    detail = coordinator.get(f"/api/v1/cases/{number}").json()
    statuses = {step["key"]: step["status"] for step in detail["steps"]}
    assert statuses["emergency_response"] == "skipped"  # not in danger now
    assert statuses["school_conversation"] == "waiting"
    # the PSC was told, in-app and by email to its members and its institutional mailbox
    assert Notification.objects.filter(
        template="step_assigned", recipient=world.psc_a, channel="in_app"
    ).exists()
    assert (
        Notification.objects.to_address(world.a.psc.email).filter(template="step_assigned").exists()
    )

    def complete(user: User, key: str, output: object) -> Response:
        url = f"/api/v1/cases/{number}/steps/{key}/complete"
        return post(token_client(user), url, {"output": output})

    step_spec = {
        s.key: s
        for s in Step.objects.get(case__number=number, key="school_log").run.protocol.spec.steps
    }
    assert complete(world.coordinator_a, "school_conversation", {}).status_code == 409  # waits
    assert complete(world.psc_a, "school_log", {}).status_code == 403  # not the PSC's step
    incomplete = complete(world.coordinator_a, "school_log", {"log_entry_number": "17"})
    assert incomplete.status_code == 422
    assert [e["field"] for e in incomplete.json()["errors"]] == ["output.head_informed_on"]
    closing = post(coordinator, f"/api/v1/cases/{number}/close", {"outcome": "rights_restored"})
    assert closing.status_code == 409  # steps are open

    done: list[str] = []
    for _round in range(10):
        open_steps = Step.objects.filter(case__number=number, status=Step.Status.OPEN)
        if not open_steps.exists():
            break
        for step in open_steps.select_related("organisation"):
            user = actor_for(world, step.organisation)
            response = complete(user, step.key, sample_output(step_spec[step.key], "Done"))
            assert response.status_code == 200, (step.key, response.content)
            done.append(step.key)
    assert set(done) == {k for k, v in statuses.items() if v != "skipped"}
    again = complete(world.coordinator_a, "school_log", sample_output(step_spec["school_log"], "x"))
    assert again.status_code == 409  # already done

    closed = post(
        coordinator,
        f"/api/v1/cases/{number}/close",
        {"outcome": "rights_restored", "note": "Measures agreed with both families."},
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    assert {e["kind"] for e in closed.json()["events"]} >= {
        "registered",
        "protocol_started",
        "step_opened",
        "step_completed",
        "step_skipped",
        "closed",
    }
    again = post(coordinator, f"/api/v1/cases/{number}/close", {"outcome": "rights_restored"})
    assert again.status_code == 409

    fold()  # the worker's sweep brings the statistics up to date (decision 0014)
    stats = token_client(world.regional_a).get("/api/v1/stats").json()
    assert stats["by_status"] == {"closed": 1}
    assert stats["by_form"] == {"bullying": 1, "cyberbullying": 1}
    assert [r for r in stats["regions"] if r["total"]] == [
        {
            "region": "KZ-75",
            "registered": 0,
            "in_progress": 0,
            "closed": 1,
            "total": 1,
            "overdue_steps": 0,
        }
    ]
    actions = set(AuditEvent.objects.filter(object_id=number).values_list("action", flat=True))
    assert actions == {"case.register", "case.read", "step.complete", "case.close"}


def test_case_detail_read_is_audited_with_the_request_id(world: World) -> None:
    from tests.factories import register_case

    case = register_case(world)
    client = session_client(world.coordinator_a)
    response = client.get(f"/api/v1/cases/{case.number}", headers={"X-Request-ID": "req-abc-123"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="case.read")
    assert (event.actor_id, event.object_id, event.request_id) == (
        world.coordinator_a.pk,
        case.number,
        "req-abc-123",
    )
    assert response.headers["X-Request-ID"] == "req-abc-123"


def test_unauthenticated_requests_are_401(client: Client, world: World) -> None:
    for url in ["/api/v1/cases", "/api/v1/tasks", "/api/v1/stats", "/api/v1/reports"]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json()["detail"]


def test_revoked_or_wrong_token_is_401(world: World) -> None:
    token, raw = ApiToken.issue(world.coordinator_a, "x")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at="2026-01-01T00:00:00Z")
    assert (
        Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/cases").status_code == 401
    )
    assert Client(headers={"Authorization": "Bearer nope"}).get("/api/v1/cases").status_code == 401


def test_register_with_bad_classification_is_422_and_changes_nothing(world: World) -> None:
    report = submit_report(world.a.school)
    client = session_client(world.coordinator_a)
    response = post(
        client,
        f"/api/v1/reports/{report.public_id}/register",
        {**CLASSIFICATION, "forms": [], "risk_level": "apocalyptic", "child_age": 42},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"forms", "risk_level", "child_age"}
    assert Case.objects.count() == 0
    report.refresh_from_db()
    assert report.status == Report.Status.NEW


def test_family_setting_starts_the_domestic_violence_protocol(world: World) -> None:
    report = submit_report(world.a.school)
    client = session_client(world.coordinator_a)
    response = post(
        client,
        f"/api/v1/reports/{report.public_id}/register",
        {**CLASSIFICATION, "setting": "family", "perpetrator_relationship": "primary_caregiver"},
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert case.protocol_runs.get().protocol.code == "domestic_violence"


def test_dismissal(world: World) -> None:
    report = submit_report(world.a.school)
    client = session_client(world.coordinator_a)
    assert (
        post(client, f"/api/v1/reports/{report.public_id}/dismiss", {"reason": ""}).status_code
        == 422
    )
    response = post(client, f"/api/v1/reports/{report.public_id}/dismiss", {"reason": "A test."})
    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"
    again = post(client, f"/api/v1/reports/{report.public_id}/register", CLASSIFICATION)
    assert again.status_code == 409


def test_school_psychologist_sees_but_cannot_triage(world: World) -> None:
    report = submit_report(world.a.school)
    client = session_client(world.psychologist_a)
    assert client.get(f"/api/v1/reports/{report.public_id}").status_code == 200
    response = post(client, f"/api/v1/reports/{report.public_id}/register", CLASSIFICATION)
    assert response.status_code == 403


def test_openapi_document_is_served(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert document["info"]["title"] == "Qamqor API"
    assert "/api/v1/reports" in document["paths"]
    assert "/api/v1/cases/{number}/steps/{key}/complete" in document["paths"]


def test_issue_token_command_prints_a_working_key(world: World) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("issue_token", "regional_a", "dashboard export", stdout=out)
    raw = out.getvalue().strip()
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/stats")
    assert response.status_code == 200
    assert not ApiToken.objects.filter(key_hash=raw).exists()  # only the hash is stored


def test_an_unexpected_error_is_a_json_500_in_the_same_shape(world: World, monkeypatch) -> None:
    from qamqor.cases import selectors

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(selectors, "case_list", broken)
    client = Client(raise_request_exception=False)
    client.force_login(world.coordinator_a)
    response = client.get("/api/v1/cases")
    assert response.status_code == 500
    body = response.json()
    assert body["detail"] and body["errors"] == []
    assert "fire" not in response.content.decode()
