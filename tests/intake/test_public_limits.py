"""One place for public limits (docs/security.md): the API shares the pages' counters, one-time
codes are limited per address and in total, and refusals are 429 with Retry-After."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from qamqor.instruments import services as instrument_services
from qamqor.instruments.models import Administration
from qamqor.intake import services as intake_services
from qamqor.intake.models import Report
from tests.factories import World, add_school_psychologists, make_pupil

pytestmark = pytest.mark.django_db

REPORT = {
    "narrative": "Older pupils take my phone and laugh at me in the class chat.",
    "forms": ["bullying"],
    "setting": "school",
    "reporter_role": "child",
}
ASK = {
    "requester": "child",
    "concern": "bullying",
    "reason": "My teacher humiliates me in front of the class every day.",
    "urgency": "urgent",
    "child_age": "14",
    "contact": "+7 701 000 0000",
}


def browser(address: str = "198.51.100.10") -> Client:
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")


def form_post(client: Client, url: str, data: dict[str, Any]) -> Any:
    """Open the page, then post its form with the page's CSRF and idempotency tokens."""
    page = client.get(url).content.decode()
    fields = dict(
        re.findall(r'name="(csrfmiddlewaretoken|idempotency_token)" value="([^"]+)"', page)
    )
    return client.post(url, {**data, **fields})


def assert_refused(response: Any, field: str) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    body = response.json()
    assert body["errors"][0]["field"] == field
    assert "Too many attempts" in body["detail"]


def test_the_api_and_the_report_form_share_one_limit(world: World, settings: Any) -> None:
    settings.REPORT_RATE_PER_HOUR = 3
    form_url = reverse("report-form", args=[world.a.school.code])
    client = browser()
    for _ in range(2):
        assert form_post(client, form_url, {**REPORT, "anonymous": "on"}).status_code == 302
    api = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.10")
    body = {**REPORT, "school": world.a.school.code}
    assert api.post("/api/v1/reports", body, content_type="application/json").status_code == 201
    refused = api.post("/api/v1/reports", body, content_type="application/json")
    assert_refused(refused, "narrative")
    assert Report.objects.count() == 3
    # the page is refused too, on the narrative field, nothing stored
    page = form_post(client, form_url, {**REPORT, "anonymous": "on"})
    assert page.status_code == 429
    assert 0 < int(page["Retry-After"]) <= 3600
    assert "Too many attempts" in page.content.decode()
    assert Report.objects.count() == 3
    # another address is not affected
    other = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.11")
    assert other.post("/api/v1/reports", body, content_type="application/json").status_code == 201


def test_the_api_and_the_self_referral_page_share_one_limit(world: World, settings: Any) -> None:
    settings.REPORT_RATE_PER_HOUR = 2
    url = reverse("referral-ask", args=[world.a.psc.code])
    client = browser()
    assert form_post(client, url, {**ASK, "school": world.a.school.code}).status_code == 302
    api = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.10")
    body = {**ASK, "child_age": 14, "psc": world.a.psc.code}
    assert (
        api.post("/api/v1/referrals/ask", body, content_type="application/json").status_code == 201
    )
    refused = api.post("/api/v1/referrals/ask", body, content_type="application/json")
    assert_refused(refused, "reason")
    page = form_post(client, url, {**ASK, "school": world.a.school.code})
    assert page.status_code == 429


def test_followup_codes_are_limited_per_address(world: World, settings: Any) -> None:
    settings.FOLLOWUP_RATE_PER_HOUR = 2
    submitted = intake_services.submit_report(school=world.a.school, data={**REPORT})
    api = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.20")
    for _ in range(2):
        answer = api.post(
            "/api/v1/followup", {"code": submitted.followup_code}, content_type="application/json"
        )
        assert answer.status_code == 200
    refused = api.post(
        "/api/v1/followup", {"code": submitted.followup_code}, content_type="application/json"
    )
    assert_refused(refused, "code")


def test_wrong_followup_codes_from_many_addresses_meet_the_total(
    world: World, settings: Any
) -> None:
    settings.FOLLOWUP_FAILURES_PER_HOUR = 3
    submitted = intake_services.submit_report(school=world.a.school, data={**REPORT})
    for number in range(3):
        guess = browser(f"198.51.100.{30 + number}")
        wrong = form_post(guess, reverse("followup"), {"code": "A" * 20})
        assert wrong.status_code == 422
    # now even the right code waits: guessing is stopped for everyone for the hour
    owner = browser("203.0.113.5")
    refused = form_post(owner, reverse("followup"), {"code": submitted.followup_code})
    assert refused.status_code == 429
    api = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.6")
    answer = api.post(
        "/api/v1/followup", {"code": submitted.followup_code}, content_type="application/json"
    )
    assert_refused(answer, "code")


def test_right_followup_codes_do_not_count_towards_the_total(world: World, settings: Any) -> None:
    settings.FOLLOWUP_FAILURES_PER_HOUR = 2
    submitted = intake_services.submit_report(school=world.a.school, data={**REPORT})
    for number in range(5):
        client = browser(f"198.51.100.{40 + number}")
        answer = form_post(client, reverse("followup"), {"code": submitted.followup_code})
        assert answer.status_code == 302


@pytest.fixture
def screening_code(world: World) -> str:
    add_school_psychologists(world)
    _administration, code = instrument_services.invite(
        actor=world.psychologist_a,
        child=make_pupil(world.a.school, age=13),
        instrument_code="who5",
        language="ru",
    )
    return code


def test_screening_codes_are_limited_per_address(
    world: World, settings: Any, screening_code: str
) -> None:
    settings.SCREENING_CODE_RATE_PER_HOUR = 2
    tablet = browser("198.51.100.60")
    for _ in range(2):
        assert form_post(tablet, "/s/", {"code": "AAAAA-AAAAA"}).status_code == 404
    refused = form_post(tablet, "/s/", {"code": screening_code})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "Too many attempts" in refused.content.decode()
    link = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.60").get(
        f"/s/{screening_code}/"
    )
    assert link.status_code == 429


def test_wrong_screening_codes_meet_the_total_on_the_link_and_the_api(
    world: World, settings: Any, screening_code: str
) -> None:
    settings.SCREENING_CODE_FAILURES_PER_HOUR = 3
    for number in range(2):
        wrong = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=f"198.51.100.{70 + number}").get(
            "/s/AAAAA-AAAA2/"
        )
        assert wrong.status_code == 404
    api = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.79")
    guessed = api.post(
        "/api/v1/screenings/self",
        {"code": "AAAAA-AAAA3", "answers": {}},
        content_type="application/json",
    )
    assert guessed.status_code == 404
    right = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.7").get(
        f"/s/{screening_code}/"
    )
    assert right.status_code == 429
    answer = api.post(
        "/api/v1/screenings/self",
        {"code": screening_code, "answers": {}},
        content_type="application/json",
    )
    assert_refused(answer, "code")


def test_the_screening_link_leaves_the_address_after_the_first_use(
    world: World, screening_code: str
) -> None:
    phone = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.90")
    opened = phone.get(f"/s/{screening_code}/")
    assert opened.status_code == 302
    assert opened["Location"] == reverse("screening-answer")
    assert screening_code not in opened["Location"]
    assert phone.get(opened["Location"]).status_code == 200
    assert Administration.objects.get().status != "completed"
