"""A 422 on any endpoint that starts, answers or imports an administration stores nothing:
no administration, no answers, no alert, no audit row of a change (DESIGN §5.7).

Every request goes through Django's CSRF check (pages with the form's token, the API with
the session's ``X-CSRFToken``), as a browser sends them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from qamqor.audit.models import AuditEvent
from qamqor.instruments import fhir, services
from qamqor.instruments.models import Administration, Alert, Campaign, CampaignPupil
from tests.factories import World, make_pupil
from tests.instruments.conftest import PHQ_A_CALM, PHQ_A_ITEM_9, Pupils

CHANGES = [
    "screening.start",
    "screening.invite",
    "screening.submit",
    "screening.import",
    "screening.alert",
    "campaign.create",
    "campaign.add_class",
    "child.create",
]
BAD_ANSWERS = {**PHQ_A_ITEM_9, "q9": "7"}  # an answer the question does not have


def _state() -> dict[str, Any]:
    """Everything a screening request could store."""
    return {
        "administrations": sorted(
            Administration.objects.values_list("public_id", "status", "answers", "score")
        ),
        "alerts": Alert.objects.count(),
        "campaigns": Campaign.objects.count(),
        "pupils": CampaignPupil.objects.count(),
        "changes": AuditEvent.objects.filter(action__in=CHANGES).count(),
    }


def _csrf_client(world: World, name: str = "psychologist_a") -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(getattr(world, name))
    client.get("/screenings/")  # the page sets the CSRF cookie
    return client


def _token(client: Client) -> str:
    return str(client.cookies["csrftoken"].value)


def _api(client: Client, url: str, body: Any, content_type: str = "application/json") -> Any:
    return client.post(url, body, content_type=content_type, HTTP_X_CSRFTOKEN=_token(client))


def _page(client: Client, url: str, data: dict[str, str]) -> Any:
    client.get(url)
    return client.post(url, {**data, "csrfmiddlewaretoken": _token(client)})


@pytest.fixture
def interview(screening_world: World, pupils: Pupils) -> Administration:
    return services.start_interview(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="phq_a",
        language="en",
    )


@pytest.fixture
def invitation(screening_world: World, pupils: Pupils) -> str:
    _administration, code = services.invite(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="phq_a",
        language="en",
    )
    return code


def _refused(response: Any, before: dict[str, Any], field: str) -> None:
    assert response.status_code == 422, response.content
    assert field in response.content.decode()
    assert _state() == before


def test_api_start_with_answers_that_are_refused(screening_world: World, pupils: Pupils) -> None:
    client = _csrf_client(screening_world)
    before = _state()
    body = {"child": pupils.a1.code, "instrument": "phq_a", "answers": BAD_ANSWERS}
    _refused(_api(client, "/api/v1/screenings/administrations", body), before, "answers.q9")
    good = _api(client, "/api/v1/screenings/administrations", {**body, "answers": PHQ_A_CALM})
    assert good.status_code == 201, good.content
    assert Administration.objects.get().status == "completed"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("mode", "alone", "Choose interview or self."), ("language", "de", "Choose kk, ru or en.")],
)
def test_api_start_with_a_mode_or_language_that_is_refused(
    screening_world: World, pupils: Pupils, field: str, value: str, message: str
) -> None:
    client = _csrf_client(screening_world)
    before = _state()
    body = {"child": pupils.a1.code, "instrument": "phq_a", field: value}
    response = _api(client, "/api/v1/screenings/administrations", body)
    _refused(response, before, message)
    assert response.json()["errors"] == [{"field": field, "message": message}]


def test_api_code_for_a_child_outside_the_age_range(screening_world: World) -> None:
    young = make_pupil(screening_world.a.school, age=9)
    client = _csrf_client(screening_world)
    before = _state()
    body = {"child": young.code, "instrument": "phq_a", "mode": "self"}
    _refused(_api(client, "/api/v1/screenings/administrations", body), before, "instrument")


def test_api_answers_that_are_refused(screening_world: World, interview: Administration) -> None:
    client = _csrf_client(screening_world)
    url = f"/api/v1/screenings/administrations/{interview.public_id}/answers"
    before = _state()
    _refused(_api(client, url, {"answers": BAD_ANSWERS}), before, "answers.q9")
    assert _api(client, url, {"answers": PHQ_A_CALM}).status_code == 200


def test_api_fhir_import_that_is_refused(screening_world: World, pupils: Pupils) -> None:
    client = _csrf_client(screening_world)
    resource = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{fhir.canonical_url('phq_a')}|1",
        "status": "completed",
        "subject": {"identifier": {"value": pupils.a1.code}},
        "item": [
            {"linkId": key, "answer": [{"valueCoding": {"code": value}}]}
            for key, value in BAD_ANSWERS.items()
        ],
    }
    before = _state()
    url = "/api/v1/screenings/fhir/QuestionnaireResponse"
    _refused(_api(client, url, resource, "application/fhir+json"), before, "item.q9")


def test_api_child_answers_that_are_refused(screening_world: World, invitation: str) -> None:
    client = Client(enforce_csrf_checks=True)  # no login: the code is the key
    before = _state()
    response = client.post(
        "/api/v1/screenings/self",
        {"code": invitation, "answers": BAD_ANSWERS},
        content_type="application/json",
    )
    _refused(response, before, "answers.q9")
    assert Administration.objects.get().status == "invited"


def test_api_campaign_that_is_refused(screening_world: World) -> None:
    client = _csrf_client(screening_world)
    before = _state()
    body = {
        "title": "Autumn",
        "instrument": "phq_a",
        "level": "school",
        "school": screening_world.a.school.code,
        "class_labels": "7A",
        "opens_on": "2026-12-20",
        "closes_on": "2026-12-01",  # before it opens
    }
    _refused(_api(client, "/api/v1/screenings/campaigns", body), before, "closes_on")


def test_page_start_for_a_child_outside_the_age_range(screening_world: World) -> None:
    young = make_pupil(screening_world.a.school, age=9)
    client = _csrf_client(screening_world)
    before = _state()
    data = {"instrument": "phq_a", "mode": "interview", "language": "en"}
    response = _page(client, f"/screenings/children/{young.code}/", data)
    _refused(response, before, "is for ages 11")


def test_page_interview_answers_that_are_refused(
    screening_world: World, interview: Administration
) -> None:
    client = _csrf_client(screening_world)
    url = f"/screenings/{interview.public_id}/answer/"
    before = _state()
    data = {f"a_{key}": value for key, value in BAD_ANSWERS.items()}
    _refused(_page(client, url, data), before, "This is not one of the answers")
    assert Administration.objects.get().status == "in_progress"


def test_page_child_answers_that_are_refused(screening_world: World, invitation: str) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    assert client.get(f"/s/{invitation}/").status_code == 302
    before = _state()
    data = {f"a_{key}": value for key, value in BAD_ANSWERS.items()}
    _refused(_page(client, "/s/answer/", data), before, "This is not one of the answers")
    assert Administration.objects.get().status == "invited"


def test_page_class_with_a_bad_pupil_line(screening_world: World) -> None:
    campaign = services.create_campaign(
        actor=screening_world.psychologist_a,
        title="Autumn",
        instrument_code="phq_a",
        area=services.campaign_area(level="school", school_code=screening_world.a.school.code),
        opens_on=services.today(),
        closes_on=services.today(),
        language="en",
        consent_required=False,
        follow_up_threshold=None,
        class_labels=[],
    )
    client = _csrf_client(screening_world)
    before = _state()
    url = f"/screenings/campaigns/{campaign.public_id}/classes/"
    data = {"class_label": "5B", "new_pupils": "0", "pupils": "2013-01-01 girl\n14.01.2013"}
    response = client.post(url, {**data, "csrfmiddlewaretoken": _token(client)})
    _refused(response, before, "Line 2")
