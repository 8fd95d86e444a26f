"""Plans and policies: composed or uploaded by the school's staff, approved only by its
head (Order No. 506 p. 3), activities recorded against the plan; page writes over CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from qamqor.audit.models import AuditEvent
from qamqor.errors import NotAllowed
from qamqor.prevention import services
from qamqor.prevention.models import (
    DocumentKind,
    DocumentStatus,
    PreventionDocument,
    school_year_of,
)
from tests.pdfs import clean_pdf
from tests.prevention.conftest import Place, signed_in, token

pytestmark = pytest.mark.django_db

PDF = clean_pdf()


def sections(kind: str = DocumentKind.PLAN) -> dict[str, str]:
    return {s.key: f"Our {s.key}." for s in services.templates().of(kind).sections}


def plan_of(place: Place, **extra: object) -> PreventionDocument:
    return services.save_document(
        actor=place.world.coordinator_a,
        school=place.world.a.school,
        kind=DocumentKind.PLAN,
        school_year=school_year_of(timezone.localdate()),
        sections=sections(),
        **extra,  # type: ignore[arg-type]
    )


def test_only_the_schools_head_approves(place: Place) -> None:
    plan = plan_of(place)
    world = place.world
    for someone in (
        world.coordinator_a,
        world.psychologist_a,
        world.regional_a,
        world.national,
        place.head_a2,
    ):
        with pytest.raises(NotAllowed):
            services.approve_document(actor=someone, document=plan)
    assert PreventionDocument.objects.get(pk=plan.pk).status == DocumentStatus.DRAFT
    approved = services.approve_document(actor=place.head_a, document=plan)
    assert approved.status == DocumentStatus.APPROVED
    assert approved.approved_by == place.head_a and approved.approved_at is not None
    assert AuditEvent.objects.filter(action="prevention.document.approve").count() == 1


def test_the_approve_button_answers_404_to_the_deputy_and_approves_for_the_head(
    place: Place,
) -> None:
    plan = plan_of(place)
    url = reverse("prevention-approve", kwargs={"public_id": plan.public_id})
    page = reverse("prevention-document", kwargs={"public_id": plan.public_id})
    deputy = signed_in(place.world.coordinator_a)
    assert deputy.post(url, {"csrfmiddlewaretoken": token(deputy, page)}).status_code == 404
    head = signed_in(place.head_a)
    assert head.post(url).status_code == 403  # no CSRF token
    assert head.post(url, {"csrfmiddlewaretoken": token(head, page)}).status_code == 302
    assert PreventionDocument.objects.get(pk=plan.pk).approved_by == place.head_a


def test_composing_a_plan_from_the_template_needs_the_csrf_token(place: Place) -> None:
    url = reverse("prevention-compose", kwargs={"kind": "plan"})
    client = signed_in(place.world.psychologist_a)
    data = {
        "doc-school_year": str(school_year_of(timezone.localdate())),
        **{f"doc-section_{key}": text for key, text in sections().items()},
    }
    assert client.post(url, data).status_code == 403
    assert not PreventionDocument.objects.exists()
    data["csrfmiddlewaretoken"] = token(client, url)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = PreventionDocument.objects.get()
    assert plan.school == place.world.a.school and plan.sections["goals"] == "Our goals."
    assert plan.status == DocumentStatus.DRAFT


def test_an_uploaded_policy_is_stored_encrypted_and_downloaded_by_the_region(
    place: Place,
) -> None:
    url = reverse("prevention-upload")
    client = signed_in(place.world.coordinator_a)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": token(client, url),
            "doc-kind": "policy",
            "doc-adopted_on": (timezone.localdate() - timedelta(days=30)).isoformat(),
            "doc-document": SimpleUploadedFile("policy.pdf", PDF, "application/pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = PreventionDocument.objects.get()
    assert policy.document is not None and bytes(policy.document.content) == PDF
    file_url = reverse("prevention-file", kwargs={"public_id": policy.public_id})
    assert signed_in(place.world.regional_a).get(file_url).content == PDF
    assert signed_in(place.world.regional_b).get(file_url).status_code == 404
    assert signed_in(place.world.coordinator_b).get(file_url).status_code == 404


def test_a_document_of_another_school_is_404(place: Place) -> None:
    plan = plan_of(place)
    page = reverse("prevention-document", kwargs={"public_id": plan.public_id})
    for user in (place.world.coordinator_b, place.world.coordinator_a2, place.world.police_a):
        assert signed_in(user).get(page).status_code == 404
    assert signed_in(place.head_a).get(page).status_code == 200
    api = f"/api/v1/prevention/documents/{plan.public_id}"
    assert signed_in(place.world.coordinator_b).get(api).status_code == 404
    assert signed_in(place.world.regional_a).get(api).status_code == 200


def test_activities_are_recorded_within_the_plans_school_year(place: Place) -> None:
    plan = plan_of(place)
    url = reverse("prevention-activity-add", kwargs={"public_id": plan.public_id})
    page = reverse("prevention-document", kwargs={"public_id": plan.public_id})
    client = signed_in(place.world.psychologist_a)
    csrf = token(client, page)
    held = timezone.localdate()
    data = {
        "csrfmiddlewaretoken": csrf,
        "activity-held_on": held.isoformat(),
        "activity-kind": "class_hour",
        "activity-audience": "pupils",
        "activity-participants": "27",
    }
    assert client.post(url, data).status_code == 302
    earlier = {**data, "activity-held_on": (held - timedelta(days=400)).isoformat()}
    refused = client.post(url, earlier)
    assert refused.status_code == 422
    assert plan.activities.get().participants == 27


def test_a_second_plan_for_an_approved_year_is_refused_and_a_draft_is_replaced(
    place: Place,
) -> None:
    first = plan_of(place)
    second = plan_of(place, title="Revised")
    assert second.pk == first.pk and second.title == "Revised"
    services.approve_document(actor=place.head_a, document=second)
    from qamqor.errors import Conflict

    with pytest.raises(Conflict):
        plan_of(place)


def test_the_api_composes_with_the_csrf_token_of_the_session(place: Place) -> None:
    client = signed_in(place.world.coordinator_a)
    body = {
        "kind": "policy",
        "adopted_on": timezone.localdate().isoformat(),
        "sections": sections(DocumentKind.POLICY),
    }
    url = "/api/v1/prevention/documents"
    assert client.post(url, body, content_type="application/json").status_code == 403
    csrf = token(client, reverse("prevention-school"))
    response = client.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201, response.content
    document_id = response.json()["id"]
    head = signed_in(place.head_a)
    csrf = token(head, reverse("prevention-school"))
    approve = f"{url}/{document_id}/approve"
    assert client.post(approve, HTTP_X_CSRFTOKEN=csrf).status_code in (403, 404)
    approved = head.post(approve, HTTP_X_CSRFTOKEN=csrf)
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
