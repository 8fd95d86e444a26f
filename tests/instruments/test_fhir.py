"""HL7 FHIR R4B: every instrument exports as a valid Questionnaire, an administration as a
valid QuestionnaireResponse, and an import recomputes the score and flags a stated total
that disagrees with the answers."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from qamqor.instruments import definitions, fhir, services
from qamqor.instruments.models import Administration
from tests.factories import World
from tests.instruments.conftest import PHQ_A_CALM, PHQ_A_ITEM_9, Pupils


@pytest.mark.parametrize("code", sorted(c for c, _v in definitions.load_all()))
def test_every_instrument_exports_as_a_valid_questionnaire(code: str) -> None:
    spec = definitions.latest(code).spec
    resource = fhir.questionnaire(spec)
    parsed = Questionnaire.model_validate(resource)
    assert parsed.url.endswith(f"/fhir/Questionnaire/{code}")
    assert parsed.version == str(spec.version)
    link_ids = [item.linkId for item in parsed.item]
    assert [item.key for item in spec.items] == link_ids[: len(spec.items)]
    if spec.loinc.panel:
        assert parsed.code[0].code == spec.loinc.panel
    first = resource["item"][0]
    languages = {
        ext["extension"][0]["valueCode"]: ext["extension"][1]["valueString"]
        for ext in first["_text"]["extension"]
    }
    assert languages == {"kk": spec.items[0].text.kk, "ru": spec.items[0].text.ru}


def test_phq9_questionnaire_carries_the_loinc_codes() -> None:
    resource = fhir.questionnaire(definitions.latest("phq9").spec)
    by_link = {item["linkId"]: item for item in resource["item"]}
    assert by_link["q9"]["code"][0]["code"] == "44260-8"
    assert by_link["total"]["code"][0]["code"] == "44261-6"
    assert by_link["q9"]["answerOption"][1]["valueCoding"]["code"] == "LA6569-3"
    assert by_link["q10"]["enableBehavior"] == "any"


@pytest.mark.django_db
def test_an_administration_exports_as_a_valid_response(
    screening_world: World, pupils: Pupils
) -> None:
    _a, code = services.invite(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="phq_a",
        language="kk",
    )
    done = services.submit_by_code(code=code, answers=PHQ_A_ITEM_9)
    resource = fhir.questionnaire_response(done)
    parsed = QuestionnaireResponse.model_validate(resource)
    assert parsed.status == "completed"
    assert parsed.subject.identifier.value == pupils.a1.code
    by_link = {item.linkId: item for item in parsed.item}
    assert by_link["total"].answer[0].valueInteger == done.score == 5
    assert by_link["band"].answer[0].valueCoding.code == "mild"
    assert "full_name" not in str(resource) and "birth" not in str(resource)


def _response(child_code: str, answers: dict[str, str], total: int | None) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {"linkId": key, "answer": [{"valueCoding": {"code": value}}]}
        for key, value in answers.items()
    ]
    if total is not None:
        items.append({"linkId": "total", "answer": [{"valueInteger": total}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{fhir.canonical_url('gad7')}|1",
        "status": "completed",
        "authored": (timezone.now() - timedelta(days=1)).isoformat(),  # the pupil was 13
        "subject": {"identifier": {"value": child_code}},
        "item": items,
    }


GAD7 = {"q1": "3", "q2": "3", "q3": "2", "q4": "2", "q5": "1", "q6": "1", "q7": "0", "q8": "2"}


@pytest.mark.django_db
def test_import_recomputes_the_score_and_flags_a_wrong_stated_total(
    screening_world: World, pupils: Pupils
) -> None:
    client = Client()
    client.force_login(screening_world.psychologist_a)
    wrong = client.post(
        "/api/v1/screenings/fhir/QuestionnaireResponse",
        _response(pupils.a1.code, GAD7, total=4),
        content_type="application/json",
    )
    assert wrong.status_code == 201, wrong.content
    body = wrong.json()
    assert (body["score"], body["band"], body["mode"]) == (12, "moderate", "imported")
    assert (body["stated_total"], body["stated_total_matches"]) == (4, False)
    administration = Administration.objects.get(public_id=body["id"])
    assert administration.total_mismatch
    page = client.get(f"/screenings/{administration.public_id}/")
    assert b"total-mismatch" in page.content

    right = client.post(
        "/api/v1/screenings/fhir/QuestionnaireResponse",
        _response(pupils.a1.code, GAD7, total=12),
        content_type="application/json",
    ).json()
    assert right["stated_total_matches"] is True


@pytest.mark.django_db
def test_a_loinc_coded_response_round_trips(screening_world: World, pupils: Pupils) -> None:
    _a, code = services.invite(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="phq_a",
        language="ru",
    )
    exported = fhir.questionnaire_response(services.submit_by_code(code=code, answers=PHQ_A_CALM))
    parsed = fhir.parse_response(copy.deepcopy(exported))
    assert parsed.answers == dict(PHQ_A_CALM)
    assert (parsed.code, parsed.version, parsed.stated_total) == ("phq_a", 1, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        (lambda r: r.update(resourceType="Observation"), "resourceType", 422),
        (lambda r: r.update(status="in-progress"), "status", 422),
        (lambda r: r.update(questionnaire="https://x.example/Questionnaire/sdq|1"),
         "questionnaire", 422),
        (lambda r: r.update(subject={}), "subject", 422),
        (lambda r: r["item"][0]["answer"][0].update(valueCoding={"code": "9"}), "item.q1", 422),
        (lambda r: r["item"][0].update(answer="not a list"), "item.0.answer", 422),
        (lambda r: r["item"][1].update(answer=[]), "answers.q2", 422),
    ],
)  # fmt: skip
def test_a_bad_response_is_refused_naming_the_element(
    screening_world: World, pupils: Pupils, change: Any, field: str, status: int
) -> None:
    client = Client()
    client.force_login(screening_world.psychologist_a)
    resource = _response(pupils.a1.code, GAD7, total=None)
    change(resource)
    response = client.post(
        "/api/v1/screenings/fhir/QuestionnaireResponse",
        resource,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == status, response.content
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not Administration.objects.exists()


@pytest.mark.django_db
def test_importing_for_a_child_of_another_school_is_not_found(
    screening_world: World, pupils: Pupils
) -> None:
    client = Client()
    client.force_login(screening_world.psychologist_b)
    response = client.post(
        "/api/v1/screenings/fhir/QuestionnaireResponse",
        _response(pupils.a1.code, GAD7, total=12),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Administration.objects.exists()
