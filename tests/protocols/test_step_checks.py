"""What a step's output must hold, through the page and the API alike.

- 1.2.4: the interview qualification is checked against the interviewer recorded on the
  step (a staff member holding it), not against whoever types the record in.
- 1.2.5: a yes/no that must be yes (the ethics council's prosecutor and quality-control
  members) says what is missing, in the request's language.

Both answer 422 naming ``output.<field>`` and change nothing; the page shows the message.
Every client here enforces CSRF: the API with a token, the page with a signed-in session.
"""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from qamqor.accounts.models import ApiToken, User
from qamqor.cases.models import Case
from qamqor.errors import NotAllowed
from qamqor.protocols import definitions
from qamqor.protocols.models import ProtocolVersion, Step
from qamqor.protocols.outputs import sample_output
from qamqor.protocols.services import complete_step, sync_versions
from tests.cases.forms import step_post
from tests.factories import World, register_case

PROSECUTOR = definitions.latest("teacher_violence").spec.step("ethics_council")
UNMET = next(f for f in PROSECUTOR.output.fields if f.key == "prosecutor_member").unmet


def api(user: User, language: str) -> Client:
    _token, raw = ApiToken.issue(user, "integration")
    return Client(
        enforce_csrf_checks=True,
        headers={"Authorization": f"Bearer {raw}", "Accept-Language": language},
    )


def browser(user: User, language: str = "en") -> Client:
    client = Client(enforce_csrf_checks=True, headers={"Accept-Language": language})
    client.force_login(user)
    return client


def page_post(client: Client, case: Case, step: Step, data: dict[str, str]) -> Any:
    """Load the case page (for the CSRF cookie), then post the step's form as a browser."""
    assert client.get(reverse("case-detail", args=[case.number])).status_code == 200
    token = client.cookies["csrftoken"].value
    return client.post(
        reverse("case-step-complete", args=[case.number, step.key]),
        {**data, "csrfmiddlewaretoken": token},
    )


def step_of(case: Case, key: str) -> Step:
    return Step.objects.select_related("run__protocol", "case").get(
        case=case, key=key, run__ended_at__isnull=True
    )


def council_case(world: World) -> tuple[Case, Step]:
    case = register_case(
        world,
        perpetrator_relationship="teacher_school_official",
        forms=["psychological_emotional"],
        repeated=False,
    )
    review = step_of(case, "education_department_review")
    complete_step(step=review, actor=world.regional_a, output=sample_output(review.spec, "Seen"))
    return case, step_of(case, "ethics_council")


def interview_case(world: World) -> tuple[Case, Step]:
    case = register_case(world, forms=["sexual"], perpetrator_relationship="no_relation")
    report = step_of(case, "police_report")
    complete_step(step=report, actor=world.police_a, output=sample_output(report.spec, "Filed"))
    return case, step_of(case, "interview")


# --- must_be_true ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_api_names_the_missing_council_member_in_the_request_language(
    world: World, language: str
) -> None:
    assert UNMET is not None
    case, council = council_case(world)
    output = {**sample_output(council.spec, "Council"), "prosecutor_member": False}
    url = f"/api/v1/cases/{case.number}/steps/ethics_council/complete"
    response = api(world.coordinator_a, language).post(
        url, {"output": output}, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    expected = getattr(UNMET, language)
    steps = api(world.coordinator_a, language).get(f"/api/v1/cases/{case.number}").json()["steps"]
    described = next(s for s in steps if s["key"] == "ethics_council")["output_fields"]
    assert {f["key"] for f in described if f["must_be_true"]} == {
        "prosecutor_member",
        "quality_control_member",
    }
    assert response.json()["errors"] == [{"field": "output.prosecutor_member", "message": expected}]
    assert response.json()["detail"] == expected
    council.refresh_from_db()
    assert council.status == Step.Status.OPEN and council.output == {}


def test_every_field_that_must_be_yes_says_what_is_missing() -> None:
    for code in definitions.codes():
        for step in definitions.latest(code).spec.steps:
            for field in step.output.fields:
                if field.must_be_true:
                    assert field.unmet is not None, (code, step.key, field.key)
                    assert field.unmet.kk and field.unmet.ru and field.unmet.en


def test_the_page_shows_what_is_missing_and_changes_nothing(world: World) -> None:
    case, council = council_case(world)
    client = browser(world.coordinator_a)
    response = page_post(
        client, case, council, step_post(council, "Council", quality_control_member=False)
    )
    assert response.status_code == 422
    text = html.unescape(response.content.decode())
    quality = next(f for f in council.spec.output.fields if f.key == "quality_control_member")
    assert quality.unmet is not None and quality.unmet.en in text
    council.refresh_from_db()
    assert council.status == Step.Status.OPEN
    done = page_post(client, case, council, step_post(council, "Council"))
    assert done.status_code == 302
    council.refresh_from_db()
    assert council.status == Step.Status.DONE


def test_an_older_version_without_a_message_names_the_field(world: World) -> None:
    from qamqor.protocols.outputs import clean_output

    old = ProtocolVersion.objects.filter(code="teacher_violence", version=1).first()
    spec = (old.spec if old else definitions.load_all()[("teacher_violence", 1)].spec).step(
        "ethics_council"
    )
    from qamqor.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        clean_output(spec, {**sample_output(spec, "Council"), "prosecutor_member": False})
    [problem] = error.value.errors
    assert problem.field == "output.prosecutor_member"
    assert "prosecutor's office representative was a member" in str(problem.message)


# --- the interview qualification -----------------------------------------------------------


def test_the_api_checks_the_interviewer_recorded_on_the_step(world: World) -> None:
    case, interview = interview_case(world)
    url = f"/api/v1/cases/{case.number}/steps/interview/complete"
    # the inspector typing the record in holds the qualification; the interviewer does not
    User.objects.filter(pk=world.police_a.pk).update(interview_qualified=True)
    client = api(world.police_a, "en")
    described = next(
        s
        for s in client.get(f"/api/v1/cases/{case.number}").json()["steps"]
        if s["key"] == "interview"
    )
    interviewer = next(f for f in described["output_fields"] if f["key"] == "interviewer")
    assert (interviewer["kind"], interviewer["holds"]) == ("staff", "interview")

    def send(interviewer: str | None) -> Any:
        output = sample_output(interview.spec, "Interviewed", staff=interviewer or "-")
        if interviewer is None:
            output.pop("interviewer")
        return client.post(url, {"output": output}, content_type="application/json")

    refused = send("psc_a")
    assert refused.status_code == 422, refused.content
    [problem] = refused.json()["errors"]
    assert problem["field"] == "output.interviewer"
    assert "does not hold the interview qualification" in problem["message"]
    missing = send(None)
    assert missing.status_code == 422
    assert [p["field"] for p in missing.json()["errors"]] == ["output.interviewer"]
    unknown = send("nobody_by_that_name")
    assert unknown.status_code == 422
    assert "No active staff member" in unknown.json()["errors"][0]["message"]
    interview.refresh_from_db()
    assert interview.status == Step.Status.OPEN

    # recorded by an inspector without the qualification, naming a qualified psychologist
    User.objects.filter(pk=world.police_a.pk).update(interview_qualified=False)
    User.objects.filter(pk=world.psc_a.pk).update(interview_qualified=True)
    done = send("psc_a")
    assert done.status_code == 200, done.content
    interview.refresh_from_db()
    assert interview.status == Step.Status.DONE
    assert interview.completed_by == world.police_a
    assert interview.output["interviewer"] == "psc_a"


def test_the_page_refuses_an_unqualified_interviewer_with_the_reason(world: World) -> None:
    case, interview = interview_case(world)
    User.objects.filter(pk=world.police_a.pk).update(interview_qualified=True)
    client = browser(User.objects.get(pk=world.police_a.pk))
    response = page_post(client, case, interview, step_post(interview, interviewer="psc_a"))
    assert response.status_code == 422
    text = html.unescape(response.content.decode())
    assert "does not hold the interview qualification" in text
    interview.refresh_from_db()
    assert interview.status == Step.Status.OPEN


def test_a_case_on_the_first_version_still_asks_it_of_the_recorder(world: World) -> None:
    """Version 1 of the sexual-violence protocol records the interviewer as free text: the
    running cases that started on it keep checking the person recording the step."""
    sync_versions()
    ProtocolVersion.objects.filter(code="sexual_violence").update(published_at=None)
    ProtocolVersion.objects.filter(code="sexual_violence", version=1).update(
        published_at="2026-01-01T00:00:00Z"
    )
    _case, interview = interview_case(world)
    assert interview.run.protocol.version == 1
    with pytest.raises(NotAllowed):
        complete_step(
            step=interview, actor=world.police_a, output=sample_output(interview.spec, "Text")
        )
    User.objects.filter(pk=world.police_a.pk).update(interview_qualified=True)
    complete_step(
        step=interview,
        actor=User.objects.get(pk=world.police_a.pk),
        output=sample_output(interview.spec, "Text"),
    )
