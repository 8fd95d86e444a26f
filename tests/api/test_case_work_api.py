"""The case API: structured step completion, the child and legal representatives,
reclassification, the interagency thread, "who holds the ball" and protocol versions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qamqor.accounts.models import User
from qamqor.audit.models import AuditEvent
from qamqor.cases import thread
from qamqor.cases.models import Case
from qamqor.notify.models import Notification
from qamqor.protocols.models import ProtocolVersion, Step
from qamqor.protocols.outputs import sample_output
from tests.factories import World, register_case


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, body, content_type="application/json")


def fields(response: Any) -> set[str]:
    return {problem["field"] for problem in response.json()["errors"]}


def open_step(case: Case, key: str) -> Step:
    return Step.objects.select_related("run__protocol").get(
        case=case, key=key, run__ended_at__isnull=True
    )


# --- structured completion ----------------------------------------------------------------


def test_steps_describe_their_output_fields_and_complete_with_an_object(world: World) -> None:
    case = register_case(world)
    client = client_for(world.coordinator_a)
    body = client.get(f"/api/v1/cases/{case.number}").json()
    log = next(s for s in body["steps"] if s["key"] == "school_log")
    assert [f["key"] for f in log["output_fields"]] == ["log_entry_number", "head_informed_on"]
    assert log["protocol"] == "bullying_outside_family v4"
    assert body["protocol"] == "bullying_outside_family v4"
    notice = next(s for s in body["steps"] if s["key"] == "legal_representatives_notice")
    assert [f["key"] for f in notice["output_fields"]] == [
        "conversation_on",
        "conversation_time",
        "conversation_place",
        "initiator_representatives_invited",
    ]
    conversation = next(s for s in body["steps"] if s["key"] == "school_conversation")
    medical = next(f for f in conversation["output_fields"] if f["key"] == "medical_help")
    assert {"not_needed", "arranged"} <= {c["value"] for c in medical["choices"]}

    url = f"/api/v1/cases/{case.number}/steps/school_log/complete"
    text_only = post(client, url, {"output": "Entry 5"})
    assert text_only.status_code == 422
    assert fields(text_only) == {"output"}
    missing = post(client, url, {"output": {"log_entry_number": "5"}})
    assert missing.status_code == 422
    assert fields(missing) == {"output.head_informed_on"}
    done = post(
        client, url, {"output": {"log_entry_number": "5", "head_informed_on": "2026-11-30"}}
    )
    assert done.status_code == 200, done.content
    assert done.json()["output"] == {"log_entry_number": "5", "head_informed_on": "2026-11-30"}
    assert done.json()["status"] == "done"


def test_the_interview_needs_the_qualification_through_the_api(world: World) -> None:
    case = register_case(world, forms=["sexual"], perpetrator_relationship="no_relation")
    police = client_for(world.police_a)
    report = open_step(case, "police_report")
    response = post(
        police,
        f"/api/v1/cases/{case.number}/steps/police_report/complete",
        {"output": sample_output(report.spec, "Opened")},
    )
    assert response.status_code == 200, response.content
    interview = open_step(case, "interview")
    body = police.get(f"/api/v1/cases/{case.number}").json()
    described = next(s for s in body["steps"] if s["key"] == "interview")
    assert described["requires_qualification"] == "interview"
    url = f"/api/v1/cases/{case.number}/steps/interview/complete"
    # 1.2.4: the interviewer named on the step must hold the qualification, not the recorder
    output = sample_output(interview.spec, "Interviewed", staff="police_a")
    refused = post(police, url, {"output": output})
    assert refused.status_code == 422 and fields(refused) == {"output.interviewer"}
    User.objects.filter(pk=world.psc_a.pk).update(interview_qualified=True)
    output = sample_output(interview.spec, "Interviewed", staff="psc_a")
    assert post(police, url, {"output": output}).status_code == 200


# --- child and legal representatives -----------------------------------------------------


def test_child_and_representatives(world: World) -> None:
    case = register_case(world)
    client = client_for(world.coordinator_a)
    base = f"/api/v1/cases/{case.number}"
    assert client.get(f"{base}/parties").json() == {"child": None, "representatives": []}
    early = post(client, f"{base}/representatives", {"full_name": "A", "relationship": "mother"})
    assert early.status_code == 409  # the child first

    created = post(client, f"{base}/child", {"sex": "boy", "birth_date": "2013-05-01"})
    assert created.status_code == 201, created.content
    code = created.json()["child"]["code"]
    assert code.startswith("CH-") and created.json()["child"]["full_name"] == ""
    assert client.get(base).json()["child_code"] == code

    bad = post(
        client,
        f"{base}/representatives",
        {"full_name": "Aigerim", "relationship": "aunt", "phone": "123", "email": "x"},
    )
    assert bad.status_code == 422
    assert fields(bad) == {"relationship", "phone", "email"}

    mother = post(
        client,
        f"{base}/representatives",
        {
            "full_name": "Aigerim Mother",
            "relationship": "mother",
            "phone": "8 (701) 123-45-67",
            "email": "mother@test.qamqor.invalid",
            "language": "kk",
        },
    )
    assert mother.status_code == 201, mother.content
    assert mother.json()["phone"] == "+77011234567"
    person = mother.json()["id"]

    marked = patch(client, f"{base}/representatives/{person}", {"is_alleged_perpetrator": True})
    assert marked.status_code == 200, marked.content
    assert marked.json()["is_alleged_perpetrator"] is True
    assert marked.json()["full_name"] == "Aigerim Mother"  # the rest unchanged
    listed = client.get(f"{base}/parties").json()
    assert listed["representatives"][0]["is_alleged_perpetrator"] is True

    other = register_case(world)
    assert patch(
        client, f"/api/v1/cases/{other.number}/representatives/{person}", {}
    ).status_code == (404)
    actions = list(
        AuditEvent.objects.filter(object_id=case.number).values_list("action", flat=True)
    )
    assert {"case.parties.read", "case.child.attach", "case.representative.add"} <= set(actions)
    assert "case.representative.update" in actions


def test_parties_are_404_outside_the_scope(world: World) -> None:
    case = register_case(world)
    base = f"/api/v1/cases/{case.number}"
    for user in (world.coordinator_b, world.monitor, world.operator):
        client = client_for(user)
        assert client.get(f"{base}/parties").status_code == 404
        assert post(client, f"{base}/child", {}).status_code == 404


# --- reclassification --------------------------------------------------------------------


def test_reclassification_switches_the_protocol(world: World) -> None:
    case = register_case(world)
    base = f"/api/v1/cases/{case.number}"
    psc = client_for(world.psc_a)
    assert post(psc, f"{base}/reclassify", {"reason": "x", "setting": "family"}).status_code == 403
    client = client_for(world.coordinator_a)
    missing = post(client, f"{base}/reclassify", {"setting": "family"})
    assert missing.status_code == 422
    assert fields(missing) == {"reason"}
    wrong = post(client, f"{base}/reclassify", {"reason": "x", "risk_level": "cosmic"})
    assert wrong.status_code == 422 and fields(wrong) == {"risk_level"}

    switched = post(
        client,
        f"{base}/reclassify",
        {
            "reason": "The father hits her at home.",
            "setting": "family",
            "perpetrator_relationship": "primary_caregiver",
            "repeated": None,
        },
    )
    assert switched.status_code == 200, switched.content
    body = switched.json()
    assert body["protocol"] == "domestic_violence v1"
    assert body["setting"] == "family" and body["repeated"] is None
    assert body["forms"] == ["bullying", "cyberbullying"]  # not sent: kept
    assert [run["protocol"] for run in body["protocol_runs"]] == [
        "bullying_outside_family v4",
        "domestic_violence v1",
    ]
    assert body["protocol_runs"][0]["end_reason"] == "The father hits her at home."
    statuses = {(s["protocol"], s["key"]): s["status"] for s in body["steps"]}
    assert statuses[("bullying_outside_family v4", "school_log")] == "cancelled"
    assert statuses[("domestic_violence v1", "juvenile_police_response")] == "open"
    # completing by key acts on the current protocol's step, not the cancelled one
    psc_step = open_step(case, "psc_support")
    done = post(
        client_for(world.psc_a),
        f"{base}/steps/psc_support/complete",
        {"output": sample_output(psc_step.spec, "Seen")},
    )
    assert done.status_code == 200, done.content
    assert done.json()["protocol"] == "domestic_violence v1"
    outsider = client_for(world.coordinator_b)
    assert post(outsider, f"{base}/reclassify", {"reason": "x"}).status_code == 404


# --- interagency thread ------------------------------------------------------------------


def test_thread_with_receipts_per_organisation(world: World) -> None:
    case = register_case(world)
    url = f"/api/v1/cases/{case.number}/messages"
    school = client_for(world.coordinator_a)
    assert post(school, url, {"body": " "}).status_code == 422
    sent = post(school, url, {"body": "Mother will come on Monday."})
    assert sent.status_code == 201, sent.content
    assert sent.json()["organisation"]["code"] == world.a.school.code
    assert sent.json()["read_by"] == []
    assert Notification.objects.filter(template="case_message", recipient=world.police_a).exists()

    psc = client_for(world.psc_a)
    first = psc.get(url).json()
    assert first["count"] == 1 and first["items"][0]["new"] is True
    assert psc.get(url).json()["items"][0]["new"] is False  # read now
    mine = school.get(url).json()["items"][0]
    assert [r["organisation"]["code"] for r in mine["read_by"]] == [world.a.psc.code]
    assert mine["read_by"][0]["read_by"] == str(world.psc_a)

    for user in (world.coordinator_b, world.monitor):
        outsider = client_for(user)
        assert outsider.get(url).status_code == 404
        assert post(outsider, url, {"body": "hi"}).status_code == 404
    assert AuditEvent.objects.filter(action="case.thread.read", object_id=case.number).count() == 3


def test_thread_list_queries_do_not_grow(world: World) -> None:
    case = register_case(world)
    url = f"/api/v1/cases/{case.number}/messages"
    client = client_for(world.regional_a)
    thread.post_message(case=case, author=world.psc_a, body="one")
    client.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for n in range(5):
        thread.post_message(case=case, author=world.coordinator_a, body=f"m{n}")
        thread.post_message(case=case, author=world.police_a, body=f"p{n}")
    client.get(url)
    assert queries() == few


# --- who holds the ball -----------------------------------------------------------------


def test_open_steps_by_scope_with_waiting_times(world: World) -> None:
    case_a = register_case(world)
    case_b = register_case(world, school=world.b.school)
    Step.objects.filter(case=case_a, key="psc_support").update(
        opened_at=timezone.now() - timedelta(days=5), due_at=timezone.now() - timedelta(days=2)
    )
    regional = client_for(world.regional_a).get("/api/v1/steps/open").json()
    first = regional["items"][0]
    assert (first["case_number"], first["key"]) == (case_a.number, "psc_support")
    assert first["overdue"] is True and first["region"] == "KZ-75"
    assert first["waited_seconds"] >= 5 * 86400 - 60
    assert first["overdue_seconds"] >= 2 * 86400 - 60
    assert first["contact_person"]["full_name"]
    assert {item["case_number"] for item in regional["items"]} == {case_a.number}

    national = client_for(world.national)
    everything = national.get("/api/v1/steps/open").json()
    assert {item["case_number"] for item in everything["items"]} == {case_a.number, case_b.number}
    only_b = national.get("/api/v1/steps/open?region=KZ-71&organisation_kind=school").json()
    assert {(i["case_number"], i["organisation"]["kind"]) for i in only_b["items"]} == {
        (case_b.number, "school")
    }
    overdue = national.get("/api/v1/steps/open?overdue_only=true").json()
    assert [i["key"] for i in overdue["items"]] == ["psc_support"]
    paged = national.get("/api/v1/steps/open?limit=2&offset=0").json()
    assert len(paged["items"]) == 2 and paged["count"] == everything["count"]

    police = client_for(world.police_a).get("/api/v1/steps/open").json()
    assert {i["organisation"]["code"] for i in police["items"]} == {world.a.police.code}
    assert client_for(world.monitor).get("/api/v1/steps/open").status_code == 404


@pytest.mark.parametrize("persona", ["national", "regional_a", "psc_a"])
def test_open_steps_queries_do_not_grow(world: World, persona: str) -> None:
    register_case(world)
    client = client_for(getattr(world, persona))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/steps/open").status_code == 200
        return len(captured)

    few = queries()
    for _n in range(3):
        register_case(world)
        register_case(world, school=world.b.school)
    assert queries() == few


# --- protocol versions ------------------------------------------------------------------


def test_protocol_versions_diff_and_publishing(world: World) -> None:
    national = client_for(world.national)
    listed = {p["code"]: p for p in national.get("/api/v1/protocols").json()}
    assert set(listed) >= {
        "bullying_outside_family",
        "domestic_violence",
        "teacher_violence",
        "suicide_risk",
        "sexual_violence",
    }
    bullying = listed["bullying_outside_family"]
    assert bullying["published_version"] is None
    assert [(v["version"], v["status"]) for v in bullying["versions"]] == [
        (4, "available"),
        (3, "available"),
        (2, "available"),
        (1, "available"),
    ]

    regional = client_for(world.regional_a)
    assert regional.post("/api/v1/protocols/bullying_outside_family/1/publish").status_code == 403
    published = national.post("/api/v1/protocols/bullying_outside_family/1/publish")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"
    assert published.json()["published_by"] == "national"

    detail = regional.get("/api/v1/protocols/bullying_outside_family/2").json()
    assert detail["status"] == "available"
    assert detail["diff"]["against_version"] == 1
    assert "legal_representatives_notice" in detail["diff"]["added"]
    assert "school_log" in detail["diff"]["changed"]
    assert detail["definition"]["version"] == 2
    assert national.post("/api/v1/protocols/bullying_outside_family/1/publish").status_code == 409
    assert national.get("/api/v1/protocols/bullying_outside_family/7").status_code == 404
    assert client_for(world.monitor).get("/api/v1/protocols").status_code == 404
    assert ProtocolVersion.objects.filter(published_at__isnull=False).count() == 1


def test_openapi_lists_the_new_endpoints(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/cases/{number}/parties",
        "/api/v1/cases/{number}/child",
        "/api/v1/cases/{number}/representatives",
        "/api/v1/cases/{number}/representatives/{representative_id}",
        "/api/v1/cases/{number}/reclassify",
        "/api/v1/cases/{number}/messages",
        "/api/v1/steps/open",
        "/api/v1/protocols",
        "/api/v1/protocols/{code}/{version}",
        "/api/v1/protocols/{code}/{version}/publish",
    ):
        assert path in paths, path
