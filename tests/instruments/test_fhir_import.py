"""Importing FHIR R4B QuestionnaireResponses from outside systems (docs/instruments.md): the age
range, accepted canonical bases, LOINC-coded items, unknown items, one administration per
response however often it is sent, and a WHO-5 total compared on the scale it was stated in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from qamqor.audit.models import AuditEvent
from qamqor.instruments import fhir
from qamqor.instruments.models import Administration, InstrumentVersion
from tests.factories import World, make_pupil
from tests.instruments.conftest import Pupils

URL = "/api/v1/screenings/fhir/QuestionnaireResponse"
GAD7 = {"q1": "3", "q2": "3", "q3": "2", "q4": "2", "q5": "1", "q6": "1", "q7": "0", "q8": "2"}


def _client(world: World, name: str = "psychologist_a") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(getattr(world, name))
    return client


def _response(
    child_code: str,
    answers: dict[str, str],
    *,
    instrument: str = "gad7",
    total: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {"linkId": key, "answer": [{"valueCoding": {"code": value}}]}
        for key, value in answers.items()
    ]
    if total is not None:
        answer = total if isinstance(total, dict) else {"valueInteger": total}
        items.append({"linkId": "total", "answer": [answer]})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{fhir.canonical_url(instrument)}|1",
        "status": "completed",
        "authored": (timezone.now() - timedelta(days=1)).isoformat(),
        "subject": {"identifier": {"value": child_code}},
        "item": items,
        **extra,
    }


def _post(client: Client, resource: dict[str, Any]) -> Any:
    return client.post(URL, resource, content_type="application/fhir+json")


def _fields(response: Any) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def _nothing_stored() -> None:
    assert Administration.objects.count() == 0
    assert not AuditEvent.objects.filter(action__in=["screening.import", "screening.submit"])


# --- age range ----------------------------------------------------------------------------


def test_an_instrument_outside_the_childs_age_is_refused_as_for_an_interview(
    screening_world: World,
) -> None:
    young = make_pupil(screening_world.a.school, age=11)  # GAD-7 is for 13+
    response = _post(_client(screening_world), _response(young.code, GAD7))
    assert response.status_code == 422, response.content
    assert _fields(response)["questionnaire"] == "GAD-7 is for ages 13+; this child is 11."
    _nothing_stored()


def test_the_age_is_the_childs_age_on_the_day_the_response_was_authored(
    screening_world: World, pupils: Pupils
) -> None:
    client = _client(screening_world)
    two_years_ago = (timezone.now() - timedelta(days=2 * 366)).isoformat()
    old = _post(client, _response(pupils.a1.code, GAD7, authored=two_years_ago))
    assert old.status_code == 422, old.content  # 13 now, 11 then
    assert "this child is 11" in _fields(old)["questionnaire"]
    _nothing_stored()
    recent = _post(client, _response(pupils.a1.code, GAD7))
    assert recent.status_code == 201, recent.content
    assert recent.json()["score"] == 12


# --- canonical URL ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "questionnaire",
    [
        "https://elsewhere.example/fhir/Questionnaire/gad7|1",
        "http://127.0.0.1:8000.evil.example/fhir/Questionnaire/gad7|1",
        "http://127.0.0.1:8000/fhir/Questionnaire/extra/gad7|1",
        "Questionnaire/gad7",
    ],
)
def test_a_questionnaire_from_an_unknown_base_is_refused(
    screening_world: World, pupils: Pupils, questionnaire: str
) -> None:
    resource = _response(pupils.a1.code, GAD7, questionnaire=questionnaire)
    response = _post(_client(screening_world), resource)
    assert response.status_code == 422, response.content
    assert "accepted only from Qamqor or a configured source" in _fields(response)["questionnaire"]
    _nothing_stored()


def test_a_configured_base_is_accepted(
    screening_world: World, pupils: Pupils, settings: Any
) -> None:
    settings.FHIR_QUESTIONNAIRE_BASES = ["https://mis.example.kz/fhir/Questionnaire"]
    resource = _response(
        pupils.a1.code, GAD7, questionnaire="https://mis.example.kz/fhir/Questionnaire/gad7|1"
    )
    response = _post(_client(screening_world), resource)
    assert response.status_code == 201, response.content
    assert (response.json()["instrument"], response.json()["score"]) == ("gad7", 12)


def test_an_instrument_not_shipped_is_refused_even_from_the_own_base(
    screening_world: World, pupils: Pupils
) -> None:
    resource = _response(pupils.a1.code, GAD7, questionnaire=f"{fhir.canonical_url('sdq')}|1")
    response = _post(_client(screening_world), resource)
    assert response.status_code == 422
    assert _fields(response)["questionnaire"] == (
        "This questionnaire is not an instrument shipped with Qamqor."
    )
    _nothing_stored()


# --- LOINC-coded items --------------------------------------------------------------------

PHQ9_LOINC = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
              "44253-3", "44260-8"]  # fmt: skip
FREQUENCY = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]  # 0, 1, 2, 3


def _loinc_coded_phq9(child_code: str, values: list[int], total: int) -> dict[str, Any]:
    """A PHQ-9 response as LOINC-based forms send it: the panel as a group, items named by
    their LOINC codes, answers as LOINC answer codes, the total under its LOINC code."""
    items = [
        {
            "linkId": f"/44249-1/{code}",
            "answer": [{"valueCoding": {"system": fhir.LOINC, "code": FREQUENCY[value]}}],
        }
        for code, value in zip(PHQ9_LOINC, values, strict=True)
    ]
    items.append({"linkId": "/44249-1/44261-6", "answer": [{"valueInteger": total}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "http://loinc.org/q/44249-1",
        "status": "completed",
        "subject": {"identifier": {"value": child_code}},
        "item": [{"linkId": "/44249-1", "text": "PHQ-9", "item": items}],
    }


def test_loinc_coded_items_are_matched_by_their_codes(
    screening_world: World, pupils: Pupils, settings: Any
) -> None:
    settings.FHIR_QUESTIONNAIRE_BASES = ["http://loinc.org/q"]
    resource = _loinc_coded_phq9(pupils.a1.code, [0] * 9, total=0)
    resource["item"][0]["item"][8]["answer"][0]["valueCoding"]["code"] = "LA6570-1"  # q9 = 2
    # q9 > 0 switches on the difficulty item (no LOINC code in the definition): Qamqor's key
    resource["item"].append({"linkId": "q10", "answer": [{"valueCoding": {"code": "1"}}]})
    response = _post(_client(screening_world), resource)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["instrument"] == "phq9"
    assert body["answers"]["q9"] == "2" and body["answers"]["q1"] == "0"
    assert (body["score"], body["critical"]) == (2, True)
    assert (body["stated_total"], body["stated_total_matches"]) == (0, False)


def test_a_loinc_definition_names_the_item(screening_world: World, pupils: Pupils) -> None:
    resource = _response(pupils.a1.code, {})
    codes = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]
    resource["item"] = [
        {
            "linkId": f"item-{n}",
            "definition": f"{fhir.LOINC}#{code}",
            "answer": [{"valueCoding": {"system": fhir.LOINC, "code": "LA6568-5"}}],
        }
        for n, code in enumerate(codes)
    ]
    response = _post(_client(screening_world), resource)
    assert response.status_code == 201, response.content
    assert response.json()["answers"] == {f"q{n}": "0" for n in range(1, 8)}


def test_an_unknown_link_id_is_refused_naming_the_item(
    screening_world: World, pupils: Pupils
) -> None:
    resource = _response(pupils.a1.code, GAD7)
    resource["item"].append({"linkId": "q99", "answer": [{"valueCoding": {"code": "1"}}]})
    response = _post(_client(screening_world), resource)
    assert response.status_code == 422, response.content
    assert _fields(response) == {"item.q99": "There is no such question in this instrument."}
    _nothing_stored()


# --- one response, one administration -----------------------------------------------------


def test_the_same_identifier_imported_twice_is_one_administration(
    screening_world: World, pupils: Pupils
) -> None:
    identifier = {"system": "https://mis.example.kz/responses", "value": "R-1001"}
    resource = _response(pupils.a1.code, GAD7, identifier=identifier)
    first = _post(_client(screening_world), resource)
    assert first.status_code == 201, first.content
    # a colleague at the same school sends it again
    again = _post(_client(screening_world, "psychologist_a"), resource)
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    stored = Administration.objects.get()
    assert (stored.source_system, stored.source_id) == (identifier["system"], "R-1001")
    assert AuditEvent.objects.filter(action="screening.import").count() == 1


def test_the_same_id_from_the_same_source_is_one_administration(
    screening_world: World, pupils: Pupils
) -> None:
    client = _client(screening_world)
    resource = _response(pupils.a1.code, GAD7, id="qr-7")
    assert _post(client, resource).status_code == 201
    assert _post(client, resource).status_code == 200
    assert Administration.objects.count() == 1
    elsewhere = _response(pupils.a1.code, GAD7, id="qr-7", meta={"source": "https://other.example"})
    assert _post(client, elsewhere).status_code == 201  # another source's id 7
    assert Administration.objects.count() == 2


def test_an_identifier_already_imported_for_another_child_is_a_conflict(
    screening_world: World, pupils: Pupils
) -> None:
    client = _client(screening_world)
    identifier = {"system": "https://mis.example.kz/responses", "value": "R-1"}
    assert _post(client, _response(pupils.a1.code, GAD7, identifier=identifier)).status_code == 201
    other = _post(client, _response(pupils.a1_older.code, GAD7, identifier=identifier))
    assert other.status_code == 409, other.content
    assert "identifier" in _fields(other)
    assert Administration.objects.get().child == pupils.a1


# --- WHO-5: the scale of a stated total ---------------------------------------------------


def _who5(child_code: str, value: str, total: Any) -> dict[str, Any]:
    return _response(
        child_code, {f"q{i}": value for i in range(1, 6)}, instrument="who5", total=total
    )


@pytest.mark.parametrize(
    ("value", "total", "matches", "scale", "shown"),
    [
        ("3", 15, True, "raw", 15),  # raw 15, score 60: stated as the raw sum
        ("3", 60, True, "score", 60),  # stated as the 0-100 score
        ("3", 14, False, "raw", 15),  # a wrong raw sum, compared with the raw sum
        ("3", 64, False, "score", 60),  # a wrong score, compared with the score
        ("1", 20, True, "score", 20),  # raw 5, score 20: 20 is the score
        ("1", 5, True, "raw", 5),
        ("1", 8, False, "raw", 5),  # 0-25 and a multiple of 4, neither: read as raw
        ("3", {"valueQuantity": {"value": 15, "unit": "%"}}, False, "score", 60),
    ],
)
def test_a_who5_total_is_compared_on_the_scale_it_was_stated_in(
    screening_world: World,
    pupils: Pupils,
    value: str,
    total: Any,
    matches: bool,
    scale: str,
    shown: int,
) -> None:
    client = _client(screening_world)
    response = _post(client, _who5(pupils.a1.code, value, total))
    assert response.status_code == 201, response.content
    assert response.json()["stated_total_matches"] is matches
    stored = Administration.objects.get()
    assert (stored.stated_total_scale, stored.recomputed_on_stated_scale) == (scale, shown)
    page = client.get(f"/screenings/{stored.public_id}/").content.decode()
    if matches:
        assert "total-mismatch" not in page and f"{stored.score}" in page
    else:
        assert f"but its answers give {shown}." in page


def test_an_exported_who5_response_imports_with_matching_totals(
    screening_world: World, pupils: Pupils
) -> None:
    client = _client(screening_world)
    first = _post(client, _who5(pupils.a1.code, "1", None)).json()
    exported = client.get(f"/api/v1/screenings/administrations/{first['id']}/fhir").json()
    totals = {i["linkId"]: i["answer"][0].get("valueInteger") for i in exported["item"]}
    assert (totals["total"], totals["raw_total"]) == (20, 5)
    exported.pop("id")
    again = _post(client, exported)
    assert again.status_code == 201, again.content
    assert (again.json()["stated_total_matches"], again.json()["score"]) == (True, 20)
    assert InstrumentVersion.objects.filter(code="who5").count() == 1
