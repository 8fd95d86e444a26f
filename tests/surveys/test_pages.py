"""The surveys' pages: a coordinator opens a campaign over a real CSRF path, prints its
poster and reads its results; another region's coordinator gets 404; the public answer page
works without a login, under CSRF, once per device, rate-limited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pypdfium2 as pdfium
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qamqor.surveys.models import Campaign, DeviceMark, Response
from qamqor.surveys.views import DEVICE_COOKIE
from tests.factories import World
from tests.surveys.conftest import answer

pytestmark = pytest.mark.django_db


def _client(user: object | None = None) -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)  # type: ignore[arg-type]
    return client


def _csrf(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return str(client.cookies["csrftoken"].value)


def test_a_coordinator_opens_a_campaign_over_csrf(world: World) -> None:
    client = _client(world.regional_a)
    url = reverse("survey-campaign-new")
    today = timezone.localdate()
    data = {
        "title": "Trust, autumn",
        "school": world.a.school.code,
        "for_adolescents": "on",
        "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=10)).isoformat(),
    }
    assert client.post(url, data).status_code == 403  # no CSRF token
    token = _csrf(client, url)
    response = client.post(url, {**data, "csrfmiddlewaretoken": token})
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("survey-campaign", args=[campaign.public_id])
    assert campaign.region == world.a.region and campaign.school == world.a.school
    assert campaign.groups == ["adolescent"]
    # another region's school is refused on the form
    other = {**data, "school": world.b.school.code, "csrfmiddlewaretoken": token}
    assert client.post(url, other).status_code == 403
    assert Campaign.objects.count() == 1
    page = client.get(response["Location"])
    html = page.content.decode()
    assert campaign.token in html and "data:image/svg+xml;base64," in html
    poster = client.get(reverse("survey-campaign-poster", args=[campaign.public_id]))
    assert poster["Content-Type"] == "application/pdf" and poster.content.startswith(b"%PDF")
    document = pdfium.PdfDocument(poster.content)
    try:
        text = document[0].get_textpage().get_text_bounded()
    finally:
        document.close()
    assert "Ваше мнение важно" in text and "Пікіріңіз маңызды" in text
    assert f"/survey/{campaign.token}/" in text.replace("\r", "").replace("\n", "")


def test_another_regions_coordinator_gets_404(world: World, campaign: Campaign) -> None:
    answer(campaign, 6)
    urls = [
        reverse("survey-campaign", args=[campaign.public_id]),
        reverse("survey-campaign", args=[campaign.public_id]) + "?download=csv",
        reverse("survey-campaign-poster", args=[campaign.public_id]),
    ]
    for persona in ("regional_b", "coordinator_a", "psychologist_a", "monitor", "psc_a"):
        client = _client(getattr(world, persona))
        for url in urls:
            assert client.get(url).status_code == 404, (persona, url)
        close = reverse("survey-campaign-close", args=[campaign.public_id])
        token = _csrf(client, reverse("home"))
        assert client.post(close, {"csrfmiddlewaretoken": token}).status_code == 404, persona
    for persona in ("regional_a", "national"):
        assert _client(getattr(world, persona)).get(urls[0]).status_code == 200, persona
    api = f"/api/v1/surveys/campaigns/{campaign.public_id}"
    assert _client(world.regional_b).get(api).status_code == 404
    assert _client(world.regional_a).get(api).status_code == 200


def test_the_public_answer_page_under_csrf_once_per_device(campaign: Campaign) -> None:
    start = reverse("survey-start", args=[campaign.token])
    visitor = _client()
    assert visitor.get(start).status_code == 200  # both groups: who is answering?
    url = reverse("survey-answer", args=[campaign.token, "adolescent"])
    data = {"trust_psc": "rather", "first_contact": "friend"}
    assert visitor.post(url, data).status_code == 403  # no CSRF token: nothing kept
    token = _csrf(visitor, url)
    html = visitor.get(url).content.decode()
    assert "Hi!" in html and "data-quick-exit" in html
    assert DEVICE_COOKIE in visitor.cookies
    response = visitor.post(url, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == reverse("survey-thanks", args=[campaign.token, "adolescent"])
    assert Response.objects.count() == 1 and DeviceMark.objects.count() == 1
    assert Response.objects.get().answers.count() == 2
    again = visitor.post(url, {**data, "csrfmiddlewaretoken": token})
    assert again.status_code == 409
    assert "already answered" in again.content.decode()
    assert Response.objects.count() == 1
    # a parent on another phone, formally addressed
    parent = _client()
    parent_url = reverse("survey-answer", args=[campaign.token, "parent"])
    parent_token = _csrf(parent, parent_url)
    assert "Dear parent" in parent.get(parent_url).content.decode()
    done = parent.post(parent_url, {"trust_police": "fully", "csrfmiddlewaretoken": parent_token})
    assert done.status_code == 302
    assert Response.objects.count() == 2


def test_the_answer_page_is_rate_limited(settings: object, campaign: Campaign) -> None:
    settings.SURVEY_RATE_PER_HOUR = 2  # type: ignore[attr-defined]
    statuses = []
    for _i in range(3):
        phone = _client()
        url = reverse("survey-answer", args=[campaign.token, "parent"])
        token = _csrf(phone, url)
        statuses.append(
            phone.post(url, {"trust_psc": "fully", "csrfmiddlewaretoken": token}).status_code
        )
    assert statuses == [302, 302, 429]
    assert Response.objects.count() == 2


def test_a_closed_or_unknown_survey(world: World, campaign: Campaign) -> None:
    assert _client().get(reverse("survey-start", args=["no-such-survey"])).status_code == 404
    client = _client(world.regional_a)
    token = _csrf(client, reverse("survey-campaign", args=[campaign.public_id]))
    closed = client.post(
        reverse("survey-campaign-close", args=[campaign.public_id]), {"csrfmiddlewaretoken": token}
    )
    assert closed.status_code == 302
    campaign.refresh_from_db()
    assert campaign.closed_early_on == timezone.localdate()
    # closed today: still open today, closed tomorrow
    assert campaign.is_open(timezone.localdate())
    assert not campaign.is_open(timezone.localdate() + timedelta(days=1))


def test_results_download_as_suppressed_csv_and_xlsx(world: World, campaign: Campaign) -> None:
    answer(campaign, 7, "adolescent", trust_psc="rather")
    answer(campaign, 2, "adolescent", trust_psc="fully")
    client = _client(world.national)
    url = reverse("survey-campaign", args=[campaign.public_id])
    body = b"".join(client.get(url + "?download=csv").streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Question", "Row", "Answer", "Count"]
    counts = {(row[1], row[2]): row[3] for row in rows[1:] if row[0] == "trust_psc"}
    assert counts[("adolescents", "Fully trust")] == "<5"
    assert all(
        value in ("<5", "x") or int(value) == 0 or int(value) >= 5 for value in counts.values()
    )
    xlsx = client.get(url + "?download=xlsx")
    content = b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content  # type: ignore[attr-defined]
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "<5" in values and 2 not in values


def test_results_by_region_for_coordinators_and_monitors(world: World, campaign: Campaign) -> None:
    answer(campaign, 6, "adolescent", trust_psc="rather")
    url = reverse("survey-results")
    for persona in ("national", "regional_a", "regional_b", "monitor"):
        response = _client(getattr(world, persona)).get(url, {"group": "adolescent"})
        assert response.status_code == 200, persona
        assert "Almaty" in response.content.decode()
    for persona in ("coordinator_a", "psychologist_a", "psc_a", "police_a"):
        assert _client(getattr(world, persona)).get(url).status_code == 404, persona
