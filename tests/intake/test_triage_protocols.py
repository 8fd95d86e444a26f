"""The registration (triage) page offers every fact a shipped protocol's
conditions read, shows the protocol that will be chosen before the coordinator confirms,
and reaches every shipped protocol through the page itself (not the API)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from qamqor.cases import services as case_services
from qamqor.cases.forms import RegisterCaseForm
from qamqor.cases.models import Case
from qamqor.intake import services as intake_services
from qamqor.intake.models import Report
from qamqor.protocols import definitions
from qamqor.protocols.definitions import CONDITION_READS, Condition
from tests.factories import REPORT_DATA, World

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BASE = {
    "summary": "What the reporter told the school, in short.",
    "risk_level": "medium",
    "repeated": "unknown",
    "child_age": "13",
    "child_sex": "girl",
}

# One classification per shipped protocol, as a coordinator would tick it on the page.
WALKS: dict[str, dict[str, Any]] = {
    "bullying_outside_family": {
        "forms": ["bullying"],
        "setting": "school",
        "perpetrator_relationship": "schoolmate",
    },
    # a parent, reported at school: the relationship, not the place, selects the protocol
    "domestic_violence": {
        "forms": ["physical"],
        "setting": "school",
        "perpetrator_relationship": "primary_caregiver",
    },
    "teacher_violence": {
        "forms": ["psychological_emotional"],
        "setting": "school",
        "perpetrator_relationship": "teacher_school_official",
    },
    # no form of violence: suicide risk needs none
    "suicide_risk": {
        "setting": "unknown",
        "perpetrator_relationship": "unknown",
        "self_harm_risk": "on",
        "risk_level": "high",
    },
    "sexual_violence": {
        "forms": ["sexual"],
        "setting": "community",
        "perpetrator_relationship": "other_adult_known",
    },
}


@pytest.fixture(autouse=True)
def _english(settings) -> None:
    settings.LANGUAGE_CODE = "en"


def new_report(world: World, **overrides: Any) -> Report:
    return intake_services.submit_report(
        school=world.a.school, data={**REPORT_DATA, **overrides}
    ).report


def csrf_client(user: Any) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client, ""


def page_token(client: Client, report: Report) -> tuple[str, str]:
    response = client.get(reverse("report-detail", args=[report.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    match = CSRF_INPUT.search(html)
    assert match
    return html, match.group(1)


def preview(client: Client, report: Report, data: dict[str, Any], token: str) -> Any:
    return client.post(
        reverse("report-register-preview", args=[report.public_id]),
        data,
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )


def test_every_condition_key_names_a_field_of_the_registration_form() -> None:
    """A new condition key in the schema must say which form field it reads."""
    assert set(Condition.model_fields) == set(CONDITION_READS)
    form_fields = set(RegisterCaseForm.base_fields)
    assert set(CONDITION_READS.values()) <= form_fields


def _condition_keys(raw: Any) -> set[str]:
    keys: set[str] = set()
    for condition in raw.get("applies_when") or []:
        keys |= {k for k, v in condition.items() if v is not None}
    for step in raw.get("steps", []):
        for condition in step.get("when") or []:
            keys |= {k for k, v in condition.items() if v is not None}
    return keys


def test_the_page_offers_every_fact_a_shipped_protocol_reads(world: World) -> None:
    """Read straight from the data files (not through ``fields_read``): every condition
    key any shipped protocol uses is a field on the triage page."""
    keys: set[str] = set()
    for path in definitions.DEFINITIONS_DIR.glob("*.json"):
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        if raw.get("applies_to"):
            keys.add("setting_in")
        keys |= _condition_keys(raw)
    assert {"perpetrator_in", "self_harm_risk", "setting_in", "forms_any"} <= keys
    report = new_report(world)
    client = Client()
    client.force_login(world.coordinator_a)
    html = client.get(reverse("report-detail", args=[report.public_id])).content.decode()
    for key in keys:
        field = CONDITION_READS[key]
        assert f'name="{field}"' in html, f"the triage page lacks {field} (read by {key})"
    # and the fields sit in the block whose changes refresh the preview
    block = html.split('id="register-classification"', 1)[1].split("</div>\n      <output", 1)[0]
    assert 'name="perpetrator_relationship"' in block and 'name="self_harm_risk"' in block


@pytest.mark.parametrize("protocol", sorted(WALKS))
def test_each_shipped_protocol_is_reached_through_the_page(world: World, protocol: str) -> None:
    report = new_report(world)
    client, _ = csrf_client(world.coordinator_a)
    _html, token = page_token(client, report)
    data = {**BASE, **WALKS[protocol]}

    # the preview names it before the coordinator confirms
    shown = preview(client, report, data, token)
    assert shown.status_code == 200
    assert f'data-protocol="{protocol}"' in shown.content.decode()

    response = client.post(
        reverse("report-register", args=[report.public_id]),
        {**data, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert case.protocol_runs.get().protocol.code == protocol
    assert case.perpetrator_relationship == data["perpetrator_relationship"]


def test_registration_without_the_csrf_token_is_refused(world: World) -> None:
    report = new_report(world)
    client, _ = csrf_client(world.coordinator_a)
    response = client.post(
        reverse("report-register", args=[report.public_id]),
        {**BASE, **WALKS["teacher_violence"]},
    )
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_preview_changes_with_the_relationship(world: World) -> None:
    report = new_report(world)
    client, _ = csrf_client(world.coordinator_a)
    _html, token = page_token(client, report)
    data = {**BASE, "forms": ["physical"], "setting": "school"}
    names = {}
    for relationship in ("schoolmate", "teacher_school_official", "primary_caregiver"):
        answer = preview(client, report, {**data, "perpetrator_relationship": relationship}, token)
        names[relationship] = re.search(r'data-protocol="([a-z_]*)"', answer.content.decode())[1]  # type: ignore[index]
    assert names == {
        "schoolmate": "bullying_outside_family",
        "teacher_school_official": "teacher_violence",
        "primary_caregiver": "domestic_violence",
    }


def test_preview_uses_the_registration_selection(world: World, monkeypatch) -> None:
    """One code path: the preview asks the function ``register_case`` asks."""
    monkeypatch.setattr(case_services, "choose_protocol", lambda classification: "sexual_violence")
    report = new_report(world)
    client, _ = csrf_client(world.coordinator_a)
    html, token = page_token(client, report)
    assert 'data-protocol="sexual_violence"' in html  # the first rendering too
    answer = preview(client, report, {**BASE, **WALKS["bullying_outside_family"]}, token)
    assert 'data-protocol="sexual_violence"' in answer.content.decode()


def test_preview_is_404_outside_the_scope_and_needs_csrf(world: World) -> None:
    report = new_report(world)
    outsider = Client()
    outsider.force_login(world.coordinator_b)
    answer = outsider.post(reverse("report-register-preview", args=[report.public_id]), {**BASE})
    assert answer.status_code == 404
    client, _ = csrf_client(world.coordinator_a)
    answer = client.post(reverse("report-register-preview", args=[report.public_id]), {**BASE})
    assert answer.status_code == 403


def test_a_form_of_violence_is_required_unless_the_concern_is_suicide_risk(
    world: World,
) -> None:
    report = new_report(world)
    client = Client()
    client.force_login(world.coordinator_a)
    url = reverse("report-register", args=[report.public_id])
    refused = client.post(url, {**BASE, "setting": "school"})
    assert refused.status_code == 422
    assert "Choose at least one form of violence." in refused.content.decode()
    assert not Case.objects.exists()
    accepted = client.post(url, {**BASE, "setting": "school", "self_harm_risk": "on"})
    assert accepted.status_code == 302
    case = Case.objects.get()
    assert case.self_harm_risk and not case.forms.exists()


def _self_harm_box(html: str) -> str:
    match = re.search(r'<input type="checkbox" name="self_harm_risk"[^>]*>', html)
    assert match
    return match.group(0)


def test_self_harm_words_flag_the_report_but_decide_nothing(world: World) -> None:
    report = new_report(
        world, narrative="Она пишет в чате, что хочет покончить с собой, и режет руки."
    )
    client = Client()
    client.force_login(world.coordinator_a)
    html = client.get(reverse("report-detail", args=[report.public_id])).content.decode()
    assert "Possible self-harm language" in html
    assert "<mark>покончить с собой</mark>" in html and "<mark>режет руки</mark>" in html
    assert "checked" not in _self_harm_box(html)  # a suggestion: the box stays the person's


def test_reporter_marked_self_harm_is_ticked_and_shown(world: World) -> None:
    report = new_report(world, self_harm_risk=True)
    client = Client()
    client.force_login(world.coordinator_a)
    html = client.get(reverse("report-detail", args=[report.public_id])).content.decode()
    assert "The reporter says the child may hurt themselves." in html
    assert "checked" in _self_harm_box(html)
    assert 'data-protocol="suicide_risk"' in html
    assert "Possible self-harm language" not in html  # the narrative has no such words


def test_self_harm_reports_are_at_the_top_of_the_triage_list_with_a_badge(world: World) -> None:
    ordinary = new_report(world)
    urgent = new_report(world, narrative="She says she might hurt herself tonight, please help.")
    Report.objects.filter(pk=urgent.pk).update(self_harm_risk=True)
    client = Client()
    client.force_login(world.coordinator_a)
    html = client.get(reverse("report-list")).content.decode()
    assert html.index(str(urgent.public_id)) < html.index(str(ordinary.public_id))
    assert "may hurt themselves" in html
