"""The tracker's API: public reads; status changes and evidence by the coordinating body
with a token or a session with its CSRF token; everyone else refused."""

from __future__ import annotations

import pytest
from django.test import Client
from django.test.client import encode_multipart

from qamqor.accounts.models import ApiToken
from qamqor.oversight import services
from qamqor.oversight.models import Change, Status
from tests.oversight.conftest import Tracker
from tests.pdfs import clean_pdf

pytestmark = pytest.mark.django_db

BASE = "/api/v1/oversight/recommendations"


def _bearer(user: object) -> dict[str, str]:
    _token, raw = ApiToken.issue(user, "tracker")  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {raw}"}


def test_anyone_lists_and_reads_the_recommendations(tracker: Tracker) -> None:
    services.change_status(
        actor=tracker.coordinator,
        recommendation=tracker.recommendation("1.2.7"),
        status=Status.IMPLEMENTED,
        note="The platform is in use.",
        responsible_organisation=tracker.ministry,
    )
    listing = Client().get(BASE, {"status": "implemented"})
    assert listing.status_code == 200
    body = listing.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["number"] == "1.2.7" and item["addressee"] == "decision_makers"
    assert item["responsible"]["organisation"]["code"] == "t-ministry"
    assert set(item["summary"]) == {"kk", "ru", "en"}
    assert Client().get(BASE).json()["count"] == 57
    detail = Client().get(f"{BASE}/1.2.7").json()
    change = detail["history"][0]
    assert (change["old_status"], change["new_status"]) == ("not_started", "implemented")
    assert change["organisation"]["code"] == "t-body"
    assert change["role"] == "national_coordinator"
    assert "actor" not in change and "t-national" not in str(detail)
    assert Client().get(f"{BASE}/9.9.9").status_code == 404


def test_a_token_of_the_coordinating_body_patches_the_status(tracker: Tracker) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.patch(
        f"{BASE}/2.3.8",
        {"status": "in_progress", "note": "Self-referral open at every PSC."},
        content_type="application/json",
        headers=_bearer(tracker.coordinator),
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    change = Change.objects.get()
    assert change.actor == tracker.coordinator and change.note.startswith("Self-referral")
    # the responsible body alone: the status is kept, no note needed
    second = client.patch(
        f"{BASE}/2.3.8",
        {"responsible_text": "Ministry of Education"},
        content_type="application/json",
        headers=_bearer(tracker.coordinator),
    )
    assert second.status_code == 200, second.content
    assert second.json()["status"] == "in_progress"
    assert second.json()["responsible"]["name"] == "Ministry of Education"
    refused = client.patch(
        f"{BASE}/2.3.8",
        {"status": "rejected"},
        content_type="application/json",
        headers=_bearer(tracker.coordinator),
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "note"


def test_a_session_patch_needs_the_csrf_token(tracker: Tracker) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(tracker.coordinator)
    data = {"status": "in_progress", "note": "Started."}
    refused = client.patch(f"{BASE}/2.3.8", data, content_type="application/json")
    assert refused.status_code == 403
    client.get("/oversight/recommendations/2.3.8/edit/")
    token = client.cookies["csrftoken"].value
    accepted = client.patch(
        f"{BASE}/2.3.8", data, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 200, accepted.content
    assert Change.objects.count() == 1


def test_others_cannot_write(tracker: Tracker) -> None:
    for user in (tracker.psychologist, tracker.monitor):
        response = Client().patch(
            f"{BASE}/2.3.8",
            {"status": "implemented", "note": "Done, I think."},
            content_type="application/json",
            headers=_bearer(user),
        )
        assert response.status_code == 404
    anonymous = Client().patch(
        f"{BASE}/2.3.8", {"status": "implemented", "note": "x"}, content_type="application/json"
    )
    assert anonymous.status_code == 401
    assert not Change.objects.exists()


def test_evidence_is_posted_as_multipart(tracker: Tracker) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {
        "title": "Interagency order, draft",
        "url": "https://legalacts.egov.kz/npa/view?id=2",
        "document": SimpleUploadedFile("draft.pdf", clean_pdf(), "application/pdf"),
    }
    response = Client().post(
        f"{BASE}/1.1.1/evidence",
        encode_multipart("BoUnDaRy", data),
        content_type="multipart/form-data; boundary=BoUnDaRy",
        headers=_bearer(tracker.coordinator),
    )
    assert response.status_code == 201, response.content
    document = response.json()["document"]
    assert document.startswith("/oversight/recommendations/1.1.1/evidence/")
    assert Client().get(document).content == clean_pdf()
    assert Change.objects.get().kind == "evidence"
    no_link = Client().post(
        f"{BASE}/1.1.1/evidence",
        encode_multipart("BoUnDaRy", {"title": "Nothing attached"}),
        content_type="multipart/form-data; boundary=BoUnDaRy",
        headers=_bearer(tracker.coordinator),
    )
    assert no_link.status_code == 422
