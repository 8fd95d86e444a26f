"""The library's pages over a real CSRF path: the coordinating body publishes a version,
a psychologist sees it on their home page and acknowledges it, the coverage page shows who
is missing; out-of-scope coordinators and other people get 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from qamqor.accounts.models import Role
from qamqor.library import services
from qamqor.library.models import Acknowledgement
from qamqor.protocols import services as protocol_services
from tests.library.conftest import BRIEFED, Library

pytestmark = pytest.mark.django_db


def _signed_in(user: Any) -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _token(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return str(response.cookies["csrftoken"].value)


def test_the_coordinating_body_publishes_from_the_page(library: Library) -> None:
    protocol_services.sync_versions()  # the protocol versions a version may name
    client = _signed_in(library.world.national)
    url = reverse("library-version-new", kwargs={"code": library.methodology.code})
    form = {
        "version-number": "Methodology 2026, edition 1",
        "version-summary_kk": "Қысқаша",
        "version-summary_ru": "Кратко",
        "version-summary_en": "In short",
        "version-affected_roles": [Role.SCHOOL_PSYCHOLOGIST, Role.PSC_PSYCHOLOGIST],
        "version-protocol_version": "bullying_outside_family:1",
    }
    assert client.post(url, form).status_code == 403  # no CSRF token
    assert not Acknowledgement.objects.exists()
    response = client.post(url, {**form, "csrfmiddlewaretoken": _token(client, url)})
    assert response.status_code == 302, response.context["form"].errors
    version = library.methodology.versions.get()
    assert response["Location"] == reverse("library-coverage", args=[version.public_id])
    assert version.protocol_version is not None and version.protocol_version.version == 1
    assert Acknowledgement.objects.filter(version=version).count() == len(BRIEFED)
    page = client.get(reverse("library-document", args=[library.methodology.code]))
    assert "Methodology 2026, edition 1" in page.content.decode()


def test_the_publish_form_shows_the_refusal_on_its_field(library: Library) -> None:
    library.publish()
    client = _signed_in(library.world.national)
    url = reverse("library-version-new", kwargs={"code": library.methodology.code})
    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": _token(client, url),
            "version-number": "Edition 2",
            "version-summary_kk": "a",
            "version-summary_ru": "b",
            "version-summary_en": "c",
            "version-affected_roles": [Role.SCHOOL_PSYCHOLOGIST],
        },
    )
    assert response.status_code == 422
    assert response.context["form"].errors["changes_en"]


def test_a_psychologist_acknowledges_from_the_page_and_the_coverage_updates(
    library: Library,
) -> None:
    world = library.world
    version = library.publish()
    psychologist = _signed_in(world.psychologist_a)
    home = psychologist.get(reverse("home")).content.decode()
    assert "Regulations to acknowledge" in home and "Methodology 2026, edition 1" in home
    ack = Acknowledgement.objects.get(version=version, user=world.psychologist_a)
    url = reverse("library-acknowledge", args=[ack.public_id])
    assert psychologist.post(url, {"ack-read": "on"}).status_code == 403  # no CSRF token
    token = _token(psychologist, reverse("library-briefings"))
    unticked = psychologist.post(url, {"csrfmiddlewaretoken": token})
    assert unticked.status_code == 422
    response = psychologist.post(url, {"csrfmiddlewaretoken": token, "ack-read": "on"})
    assert response.status_code == 302
    assert "Regulations to acknowledge" not in psychologist.get(reverse("home")).content.decode()
    coverage = _signed_in(world.national).get(reverse("library-coverage", args=[version.public_id]))
    missing = {ack.user.username for ack in coverage.context["report"].missing}
    assert missing == BRIEFED - {"psychologist_a"}
    assert "1 of 5 acknowledged (20%)" in coverage.content.decode()


def test_outsiders_get_404(library: Library) -> None:
    world = library.world
    version = library.publish()
    coverage = reverse("library-coverage", args=[version.public_id])
    assert _signed_in(world.regional_b).get(coverage, {"region": "KZ-75"}).status_code == 404
    assert _signed_in(world.regional_b).get(coverage, {"region": "KZ-71"}).status_code == 200
    assert _signed_in(world.psychologist_a).get(coverage).status_code == 404
    publish = reverse("library-version-new", args=[library.methodology.code])
    assert _signed_in(world.regional_a).get(publish).status_code == 404
    someone_elses = Acknowledgement.objects.get(version=version, user=world.psychologist_a)
    other = _signed_in(world.psychologist_b)
    token = _token(other, reverse("library-briefings"))
    answer = other.post(
        reverse("library-acknowledge", args=[someone_elses.public_id]),
        {"csrfmiddlewaretoken": token, "ack-read": "on"},
    )
    assert answer.status_code == 404
    assert Acknowledgement.objects.get(pk=someone_elses.pk).acknowledged_at is None


def test_the_regional_coverage_lists_only_the_region(library: Library) -> None:
    world = library.world
    version = library.publish()
    page = _signed_in(world.regional_a).get(reverse("library-coverage", args=[version.public_id]))
    listed = {ack.user.username for ack in page.context["report"].missing}
    assert listed == {"psychologist_a", "psychologist_a2", "psc_a"}
    assert "psychologist_b" not in page.content.decode()


def test_a_regional_coordinator_shares_a_material_and_anyone_finds_it(library: Library) -> None:
    world = library.world
    client = _signed_in(world.regional_a)
    url = reverse("library-material-new")
    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": _token(client, url),
            "material-title_ru": "Классный час о кибербуллинге",
            "material-topics": ["bullying"],
            "material-url": "https://example.invalid/class-hour",
        },
    )
    assert response.status_code == 302, response.content
    found = _signed_in(world.police_b).get(reverse("library-materials"), {"q": "КИБЕРБУЛЛИНГЕ"})
    assert [m.title for m in found.context["page"]] == ["Классный час о кибербуллинге"]
    detail = _signed_in(world.police_b).get(response["Location"]).content.decode()
    assert "Almaty" in detail  # the region it comes from


def test_the_library_lists_the_loaded_documents(library: Library) -> None:
    services.load_documents()
    page = _signed_in(library.world.clinic_a).get(reverse("library")).content.decode()
    assert "Rules for the prevention of bullying (Order No. 506" in page
    assert "Amended by Order No. 54 (2025)" in page


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_coverage_page_takes_as_many_queries_for_many_people_as_for_few(
    library: Library,
) -> None:
    from tests.factories import make_user

    world = library.world
    few = library.publish()
    for n in range(10):
        school = world.a.school if n % 2 else world.b.school
        make_user(f"extra_psychologist_{n}", school, Role.SCHOOL_PSYCHOLOGIST)
    many = library.publish(number="Edition 2", changes_en="More people.")
    client = _signed_in(world.national)
    assert Acknowledgement.objects.filter(version=many).count() == len(BRIEFED) + 10
    assert _queries(client, reverse("library-coverage", args=[few.public_id])) == _queries(
        client, reverse("library-coverage", args=[many.public_id])
    )
    mine = _signed_in(world.psychologist_a)
    assert _queries(mine, reverse("library-briefings")) <= 12


def test_the_text_of_a_version_is_uploaded_checked_and_downloaded(library: Library) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.pdfs import clean_pdf, pdf_with_document_javascript

    client = _signed_in(library.world.national)
    url = reverse("library-version-new", kwargs={"code": library.methodology.code})
    form = {
        "version-number": "Methodology 2026, edition 1",
        "version-summary_kk": "Қысқаша",
        "version-summary_ru": "Кратко",
        "version-summary_en": "In short",
        "version-affected_roles": [Role.SCHOOL_PSYCHOLOGIST],
        "csrfmiddlewaretoken": _token(client, url),
    }
    scripted = SimpleUploadedFile("m.pdf", pdf_with_document_javascript(), "application/pdf")
    refused = client.post(url, {**form, "version-file": scripted})
    assert refused.status_code == 422 and refused.context["form"].errors["file"]
    upload = SimpleUploadedFile("methodology.pdf", clean_pdf(), "application/pdf")
    assert client.post(url, {**form, "version-file": upload}).status_code == 302
    stored = library.methodology.versions.get().file
    assert stored is not None
    download = _signed_in(library.world.psychologist_b).get(
        reverse("library-file", args=[stored.public_id])
    )
    assert download.status_code == 200 and download.content == clean_pdf()
    assert download["Content-Disposition"].startswith("attachment")


def test_the_people_missing_download_within_the_region_with_a_purpose(library: Library) -> None:
    import csv
    import io

    from qamqor.audit.models import AuditEvent

    world = library.world
    version = library.publish()
    url = reverse("library-coverage", args=[version.public_id])
    client = _signed_in(world.regional_a)
    token = _token(client, url)
    response = client.post(
        f"{url}?download=csv",
        {"csrfmiddlewaretoken": token, "purpose": "case_work"},
    )
    assert response.status_code == 200, response.content[:300]
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Name", "Role", "Organisation", "Region", "Reminders sent"]
    assert sorted(row[0] for row in rows[1:]) == ["psc_a", "psychologist_a", "psychologist_a2"]
    assert AuditEvent.objects.filter(action="export.briefing-missing").count() == 1
    outsider = _signed_in(world.psychologist_a)
    assert outsider.get(url, {"download": "csv"}).status_code == 404
    other_region = _signed_in(world.regional_b)
    refused = other_region.post(
        f"{url}?region=KZ-75&download=csv",
        {"csrfmiddlewaretoken": _token(other_region, url), "purpose": "case_work"},
    )
    assert refused.status_code == 404
    assert AuditEvent.objects.filter(action="export.briefing-missing").count() == 1
