"""The surveys in the API: a coordinator opens a campaign with a token and reads its
suppressed results; anyone answers through the public endpoint, once per device value;
another region's coordinator gets 404 (brief 3.3.4; docs/api.md, "Trust surveys")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qamqor.accounts.models import ApiToken
from qamqor.surveys.models import Campaign, DeviceMark, Response
from tests.factories import World

pytestmark = pytest.mark.django_db

API = "/api/v1/surveys"


def _bearer(user: object) -> dict[str, str]:
    _token, raw = ApiToken.issue(user, "surveys")  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {raw}"}


def test_a_coordinator_opens_a_campaign_and_reads_its_results(world: World) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    today = timezone.localdate()
    body = {
        "title": "Region A trust",
        "region": world.a.region.code,
        "for_parents": False,
        "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=5)).isoformat(),
    }
    refused = client.post(
        f"{API}/campaigns", body, content_type="application/json", headers=_bearer(world.regional_b)
    )
    assert refused.status_code == 403  # another region
    bad = client.post(
        f"{API}/campaigns",
        {**body, "closes_on": (today - timedelta(days=1)).isoformat()},
        content_type="application/json",
        headers=_bearer(world.regional_a),
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "closes_on"
    opened = client.post(
        f"{API}/campaigns", body, content_type="application/json", headers=_bearer(world.regional_a)
    )
    assert opened.status_code == 201
    campaign = Campaign.objects.get()
    assert opened.json()["groups"] == ["adolescent"]
    assert opened.json()["link"].endswith(f"/survey/{campaign.token}/")

    anyone = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    sheet = anyone.get(f"{API}/answer/{campaign.token}")
    assert sheet.status_code == 200
    assert list(sheet.json()["questions"]) == ["adolescent"]
    answer = f"{API}/answer/{campaign.token}"
    for i in range(6):
        sent = anyone.post(
            answer,
            {
                "group": "adolescent",
                "device": f"api-device-{i:02d}-0123456789",
                "answers": {"trust_psc": "fully"},
            },
            content_type="application/json",
        )
        assert sent.status_code == 201
    again = anyone.post(
        answer,
        {
            "group": "adolescent",
            "device": "api-device-00-0123456789",
            "answers": {"trust_psc": "rather"},
        },
        content_type="application/json",
    )
    assert again.status_code == 409
    wrong = anyone.post(
        answer,
        {
            "group": "adolescent",
            "device": "api-device-99-0123456789",
            "answers": {"trust_psc": "maybe"},
        },
        content_type="application/json",
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "trust_psc"
    parent = anyone.post(
        answer,
        {
            "group": "parent",
            "device": "api-device-98-0123456789",
            "answers": {"trust_psc": "fully"},
        },
        content_type="application/json",
    )
    assert parent.status_code == 422  # parents are not asked
    assert Response.objects.count() == 6 == DeviceMark.objects.count()

    read = client.get(f"{API}/campaigns/{campaign.public_id}", headers=_bearer(world.regional_a))
    assert read.status_code == 200
    table = read.json()["results"]["tables"][0]
    assert table["question"] == "trust_psc" and table["rows"] == ["adolescent", "total"]
    assert table["cells"][0][0] == "6"
    other = client.get(f"{API}/campaigns/{campaign.public_id}", headers=_bearer(world.regional_b))
    assert other.status_code == 404
    results = client.get(f"{API}/results", {"group": "adolescent"}, headers=_bearer(world.monitor))
    assert results.status_code == 200
    assert results.json()["tables"][0]["rows"] == [world.a.region.code, "total"]
    assert client.get(f"{API}/results", headers=_bearer(world.coordinator_a)).status_code == 404
