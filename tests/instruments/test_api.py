"""The screenings API: who sees what (outsiders get 404 on every endpoint with personal
data), errors that name the field in the user's language, the child's submission that
answers nothing but a receipt, and pinned query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from qamqor.instruments import services
from qamqor.instruments.models import Administration, Alert
from tests.factories import World
from tests.instruments.conftest import PHQ_A_CALM, PHQ_A_ITEM_9, PHQ_A_MODERATE, Pupils
from tests.support import audit_locks

pytestmark = pytest.mark.django_db

OUTSIDERS = [
    "psychologist_a2",  # another school of the same region
    "psychologist_b",  # another region
    "coordinator_a",  # the child's school, but not a psychologist
    "regional_a",  # coordinators see aggregates only
    "national",
    "monitor",
    "psc_a",  # the region's PSC, before any escalation or case
    "psc_b",
    "police_a",
]


def client_for(world: World, name: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(getattr(world, name))
    return client


@pytest.fixture
def completed(screening_world: World, pupils: Pupils) -> Administration:
    """A PHQ-A of pupil A1 with item 9 above 0 (so with an alert)."""
    _administration, code = services.invite(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="phq_a",
        language="ru",
    )
    return services.submit_by_code(code=code, answers=PHQ_A_ITEM_9)


def personal_endpoints(
    administration: Administration, child_code: str
) -> list[tuple[str, str, Any]]:
    alert = Alert.objects.get(administration=administration)
    return [
        ("get", f"/api/v1/screenings/administrations/{administration.public_id}", None),
        ("get", f"/api/v1/screenings/administrations/{administration.public_id}/fhir", None),
        ("post", f"/api/v1/screenings/administrations/{administration.public_id}/answers",
         {"answers": PHQ_A_CALM}),
        ("get", f"/api/v1/screenings/children/{child_code}/administrations", None),
        ("post", "/api/v1/screenings/administrations",
         {"child": child_code, "instrument": "gad7", "mode": "interview"}),
        ("post", f"/api/v1/screenings/alerts/{alert.pk}/acknowledge", None),
    ]  # fmt: skip


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_on_every_endpoint_with_personal_data(
    screening_world: World, pupils: Pupils, completed: Administration, outsider: str
) -> None:
    client = client_for(screening_world, outsider)
    for method, url, body in personal_endpoints(completed, pupils.a1.code):
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 404, (outsider, url, response.content)
        assert response.json()["detail"]
    assert client.get("/api/v1/screenings/alerts").json() == []
    assert Alert.objects.get().acknowledged_at is None


def test_the_psychologist_reads_the_result_and_the_read_is_audited(
    screening_world: World, pupils: Pupils, completed: Administration
) -> None:
    from qamqor.audit.models import AuditEvent

    client = client_for(screening_world, "psychologist_a")
    body = client.get(f"/api/v1/screenings/administrations/{completed.public_id}").json()
    assert body["child"] == pupils.a1.code
    assert (body["score"], body["band"], body["critical"]) == (5, "mild", True)
    assert body["alerts"][0]["rule"] == "self_harm_thoughts"
    assert AuditEvent.objects.filter(
        action="screening.read", object_id=str(completed.public_id)
    ).exists()
    history = client.get(f"/api/v1/screenings/children/{pupils.a1.code}/administrations").json()
    assert [item["id"] for item in history] == [str(completed.public_id)]


def test_an_interview_in_one_call(screening_world: World, pupils: Pupils) -> None:
    client = client_for(screening_world, "psychologist_a")
    response = client.post(
        "/api/v1/screenings/administrations",
        {"child": pupils.a1.code, "instrument": "phq_a", "answers": PHQ_A_MODERATE},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["score"], response.json()["band"]) == (10, "moderate")


def test_a_one_time_code_from_the_api_and_the_childs_submission(
    screening_world: World, pupils: Pupils
) -> None:
    client = client_for(screening_world, "psychologist_a")
    created = client.post(
        "/api/v1/screenings/administrations",
        {"child": pupils.a1.code, "instrument": "phq_a", "mode": "self", "language": "kk"},
        content_type="application/json",
    ).json()
    assert created["status"] == "invited" and len(created["code"]) == 11
    anonymous = Client()
    receipt = anonymous.post(
        "/api/v1/screenings/self",
        {"code": created["code"], "answers": PHQ_A_ITEM_9},
        content_type="application/json",
    )
    assert receipt.status_code == 201
    assert receipt.json() == {"received": True}  # nothing about the result
    again = anonymous.post(
        "/api/v1/screenings/self",
        {"code": created["code"], "answers": PHQ_A_ITEM_9},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert (
        anonymous.post(
            "/api/v1/screenings/self",
            {"code": "ZZZZZ-ZZZZZ", "answers": {}},
            content_type="application/json",
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("body", "field", "language", "message"),
    [
        ({"child": None, "instrument": "phq_a"}, "child", "en", "required"),
        ({"child": None, "instrument": "phq_a"}, "child", "ru", "обязательное"),
        ({"child": "X", "instrument": "phq_a", "mode": "sleep"}, None, "en", None),
        ({"instrument": "nope"}, "instrument", "en", "no instrument"),
        ({"instrument": "phq_a", "mode": "sleep"}, "mode", "en", "interview or self"),
        ({"instrument": "phq_a", "answers": {"q1": "7"}}, "answers.q1", "en", "not one of"),
        ({"instrument": "asq", "mode": "self"}, "mode", "en", "interview"),
    ],
)
def test_bad_input_gets_a_4xx_naming_the_field_in_the_users_language(
    screening_world: World,
    pupils: Pupils,
    body: dict[str, Any],
    field: str | None,
    language: str,
    message: str | None,
) -> None:
    client = client_for(screening_world, "psychologist_a")
    payload = {"child": pupils.a1.code, **body}
    if payload["child"] is None:
        del payload["child"]
    response = client.post(
        "/api/v1/screenings/administrations",
        payload,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    if field is None:  # an unknown child: not found, whatever else is wrong
        assert response.status_code == 404
        return
    assert 400 <= response.status_code < 500, response.content
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors, errors
    assert message is not None and message.lower() in errors[field].lower()


def test_wrong_answers_to_an_interview_leave_it_open(
    screening_world: World, pupils: Pupils
) -> None:
    client = client_for(screening_world, "psychologist_a")
    created = client.post(
        "/api/v1/screenings/administrations",
        {"child": pupils.a1.code, "instrument": "gad7"},
        content_type="application/json",
    ).json()
    response = client.post(
        f"/api/v1/screenings/administrations/{created['id']}/answers",
        {"answers": {"q1": "1"}},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} >= {"answers.q2", "answers.q7"}
    assert Administration.objects.get().status == "in_progress"


def test_the_library_is_listed_with_translation_status(screening_world: World) -> None:
    client = client_for(screening_world, "psychologist_a")
    library = {item["code"]: item for item in client.get("/api/v1/screenings/instruments").json()}
    assert library["who5"]["score_max"] == 100
    assert library["phq_a"]["translations"]["kk"]["validated"] is False
    questionnaire = client.get("/api/v1/screenings/instruments/gad7/fhir").json()
    assert questionnaire["resourceType"] == "Questionnaire"
    assert client.get("/api/v1/screenings/instruments/sdq").status_code == 404


def test_acknowledging_through_the_api(screening_world: World, completed: Administration) -> None:
    client = client_for(screening_world, "psychologist_a")
    alerts = client.get("/api/v1/screenings/alerts").json()
    assert len(alerts) == 1
    done = client.post(f"/api/v1/screenings/alerts/{alerts[0]['id']}/acknowledge")
    assert done.status_code == 200 and done.json()["acknowledged_at"]
    assert (
        client.post(f"/api/v1/screenings/alerts/{alerts[0]['id']}/acknowledge").status_code == 409
    )


def test_history_has_a_fixed_number_of_queries(
    screening_world: World, pupils: Pupils, django_assert_max_num_queries: Any
) -> None:
    for _ in range(8):
        _a, code = services.invite(
            actor=screening_world.psychologist_a,
            child=pupils.a1,
            instrument_code="phq_a",
            language="ru",
        )
        services.submit_by_code(code=code, answers=PHQ_A_ITEM_9)
    client = client_for(screening_world, "psychologist_a")
    client.get("/api/v1/screenings/alerts")  # warm the session
    with django_assert_max_num_queries(14):
        response = client.get(f"/api/v1/screenings/children/{pupils.a1.code}/administrations")
    assert len(response.json()) == 8
    with django_assert_max_num_queries(10 + audit_locks()):
        assert len(client.get("/api/v1/screenings/alerts").json()) == 8
