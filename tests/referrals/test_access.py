"""Who sees a referral (pages, API, attachments), and list query counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qamqor.referrals import services
from qamqor.referrals.models import ReferralAttachment
from tests import pdfs
from tests.factories import CarePlaces, World, refer_to_psc
from tests.support import audit_locks

PDF = pdfs.clean_pdf()  # a real PDF: uploads are parsed (qamqor.pdf_check)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

INSIDERS = [
    "psychologist_a",
    "coordinator_a",
    "psc_a",
    "psc_a2",
    "psc_head_a",
    "regional_a",
    "national",
]
OUTSIDERS = [
    "psychologist_a2",
    "coordinator_a2",
    "psc_b",
    "psc_head_b",
    "psychologist_b",
    "regional_b",
    "monitor",
    "police_a",
    "operator",
    "health_a",
    "psc_branch_a",
]


def client_for(world: World, persona: str) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(getattr(world, persona))
    return client


@pytest.fixture
def attached(world: World, care: CarePlaces) -> ReferralAttachment:
    referral = refer_to_psc(world)
    from qamqor.files import check_upload

    checked = check_upload(SimpleUploadedFile("letter.pdf", PDF, "application/pdf"), field="file")
    return services.add_attachment(actor=world.psychologist_a, referral=referral, checked=checked)


@pytest.mark.parametrize("persona", INSIDERS)
def test_insiders_see_the_referral(
    world: World, attached: ReferralAttachment, persona: str
) -> None:
    referral = attached.referral
    client = client_for(world, persona)
    assert client.get(f"/referrals/{referral.public_id}/").status_code == 200
    api = client.get(f"/api/v1/referrals/{referral.public_id}")
    assert api.status_code == 200 and api.json()["attachments"][0]["file_name"] == "letter.pdf"
    download = client.get(api.json()["attachments"][0]["url"])
    assert download.status_code == 200 and download.content == PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    listed = client.get("/api/v1/referrals").json()["items"]
    assert [item["reference"] for item in listed] == [referral.reference]


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_404_everywhere(
    world: World, attached: ReferralAttachment, persona: str
) -> None:
    referral = attached.referral
    client = client_for(world, persona)
    pid = referral.public_id
    for url in (
        f"/referrals/{pid}/",
        f"/api/v1/referrals/{pid}",
        f"/referrals/{pid}/attachments/{attached.public_id}/",
        f"/care/children/{referral.child.code}/",
    ):
        assert client.get(url).status_code == 404, url
    for action in ("accept", "decline", "complete", "cancel", "inform-school"):
        assert client.post(f"/referrals/{pid}/{action}/", {}).status_code == 404, action
        response = client.post(
            f"/api/v1/referrals/{pid}/{action}",
            {"reason": "x" * 30, "feedback": "x" * 30, "basis": "legal_basis"},
            content_type="application/json",
        )
        assert response.status_code == 404, action
    assert client.get("/api/v1/referrals").json()["items"] == []
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_attachments_are_checked(world: World, care: CarePlaces) -> None:
    referral = refer_to_psc(world)
    client = client_for(world, "psc_a")
    url = f"/api/v1/referrals/{referral.public_id}/attachments"
    png = client.post(url, {"file": SimpleUploadedFile("photo.png", PNG, "image/png")})
    assert png.status_code == 201 and png.json()["content_type"] == "image/png"
    html = SimpleUploadedFile("x.pdf", b"<html><script>alert(1)</script>", "application/pdf")
    refused = client.post(url, {"file": html})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "file"
    page = client.post(
        f"/referrals/{referral.public_id}/attachments/",
        {"attachment-file": SimpleUploadedFile("a.txt", b"hello", "text/plain")},
    )
    assert page.status_code == 422
    assert "PDF, JPEG or PNG" in str(page.context["attachment_form"].errors)


def test_the_page_actions_show_refusals_on_the_form(world: World, care: CarePlaces) -> None:
    referral = refer_to_psc(world)
    client = client_for(world, "psc_a")
    short = client.post(f"/referrals/{referral.public_id}/decline/", {"decline-reason": "no"})
    assert short.status_code == 422
    assert "10 characters" in " ".join(short.context["decline_form"].errors["reason"])
    nobody = client.post(
        f"/referrals/{referral.public_id}/accept/", {"accept-assigned_to": "ghost"}
    )
    assert nobody.status_code == 422 and "assigned_to" in nobody.context["accept_form"].errors
    stranger = client.post(
        f"/referrals/{referral.public_id}/accept/", {"accept-assigned_to": "psc_b"}
    )
    assert stranger.status_code == 422
    assert client.post(f"/referrals/{referral.public_id}/accept/", {}).status_code == 302
    twice = client.post(
        f"/referrals/{referral.public_id}/complete/", {"complete-feedback": "x" * 1001}
    )
    assert twice.status_code == 422


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("psychologist_a", "/referrals/"),
        ("psc_a", "/referrals/"),
        ("regional_a", "/referrals/"),
        ("psc_a", "/api/v1/referrals"),
        ("national", "/api/v1/referrals"),
        ("psc_a", "/referrals/?direction=incoming&status=sent"),
    ],
)
def test_lists_take_as_many_queries_for_one_row_as_for_many(
    world: World,
    care: CarePlaces,
    persona: str,
    url: str,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    refer_to_psc(world)
    client = client_for(world, persona)
    few = count_queries(client, url)
    for _n in range(4):
        refer_to_psc(world, urgency="emergency")
    fresh = client_for(world, persona)
    assert count_queries(fresh, url) == few
    # 12, and the list's audit event on the page (last hash, insert); on PostgreSQL the
    # audit chain's advisory lock is one query more
    with django_assert_max_num_queries(14 + audit_locks()):
        fresh.get(url)


def test_detail_queries_are_bounded(
    world: World, attached: ReferralAttachment, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    client = client_for(world, "psc_a")
    with django_assert_max_num_queries(20):
        assert client.get(f"/referrals/{attached.referral.public_id}/").status_code == 200
