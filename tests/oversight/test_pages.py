"""The tracker's pages: public reading in three languages, filters and progress counts,
the coordinating body's edit form over a real CSRF path, 404 to anyone else, downloads."""

from __future__ import annotations

import csv
import io

import pytest
from django.http import FileResponse
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from qamqor.oversight import services
from qamqor.oversight.models import Change, Status
from tests.oversight.conftest import Tracker
from tests.pdfs import clean_pdf, pdf_with_document_javascript

pytestmark = pytest.mark.django_db

LIST = "/oversight/recommendations/"


def _anyone() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _edit_url(number: str) -> str:
    return reverse("oversight-recommendation-edit", kwargs={"number": number})


def _signed_in(user: object, *, csrf: bool = True) -> Client:
    client = Client(enforce_csrf_checks=csrf, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _token(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return str(response.cookies["csrftoken"].value)


def test_anyone_reads_the_list_in_each_language(tracker: Tracker) -> None:
    for language, words, progress in (
        ("en", "Standardise how schools refer children to PSCs.", "Progress"),
        ("ru", "Стандартизировать порядок направления детей из школ в ЦПП.", "Ход выполнения"),
        ("kk", "Балаларды мектептерден ПҚО-ға жіберу тәртібін стандарттау.", "Орындалу барысы"),
    ):
        response = Client(HTTP_ACCEPT_LANGUAGE=language).get(LIST)
        assert response.status_code == 200
        assert words in response.content.decode()
        # The recommendations' progress, not a screening campaign's («Ход кампании»).
        assert f'<h2 id="progress-heading">{progress}</h2>' in response.content.decode()
    assert reverse("oversight-recommendations") == LIST


def test_filters_and_progress_counts(tracker: Tracker) -> None:
    services.change_status(
        actor=tracker.coordinator,
        recommendation=tracker.recommendation("2.2.1"),
        status=Status.IN_PROGRESS,
        note="Protocol drafted.",
    )
    response = _anyone().get(LIST, {"status": "in_progress"})
    rows = list(response.context["recommendations"])
    assert [rec.number for rec in rows] == ["2.2.1"]
    overall = _anyone().get(LIST).context["overall"]
    assert overall.counts == {"not_started": 56, "in_progress": 1}
    by_section = {row.section: row for row in _anyone().get(LIST).context["per_section"]}
    assert by_section["2.2"].counts == {"in_progress": 1, "not_started": 2}
    assert len(by_section) == 15  # 1.1-1.8, 2.1-2.3, 3.1-3.4
    section = _anyone().get(LIST, {"section": "3.4", "addressee": "independent"})
    assert [rec.number for rec in section.context["recommendations"]] == ["3.4.1", "3.4.2", "3.4.3"]


def test_the_list_takes_as_many_queries_for_one_evidence_as_for_many(
    tracker: Tracker, django_assert_max_num_queries: object
) -> None:
    for number in ("1.1.1", "1.1.2", "1.1.3"):
        services.add_evidence(
            actor=tracker.coordinator,
            recommendation=tracker.recommendation(number),
            title="Order",
            url="https://example.kz/order",
        )
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        assert _anyone().get(LIST).status_code == 200


def test_the_detail_shows_evidence_and_history_without_names(tracker: Tracker) -> None:
    rec = tracker.recommendation("1.3.5")
    services.change_status(
        actor=tracker.coordinator,
        recommendation=rec,
        status=Status.IN_PROGRESS,
        note="Amendment to para. 18 drafted.",
    )
    services.add_evidence(
        actor=tracker.coordinator,
        recommendation=rec,
        title="Draft amendment",
        url="https://example.kz/draft",
    )
    page = _anyone().get(reverse("oversight-recommendation", kwargs={"number": "1.3.5"}))
    text = page.content.decode()
    assert "Amendment to para. 18 drafted." in text and "Draft amendment" in text
    assert "t-body (en)" in text and "national coordinator" in text
    assert "t-national" not in text and "Aliya" not in text
    missing = _anyone().get(reverse("oversight-recommendation", kwargs={"number": "9.9.9"}))
    assert missing.status_code == 404


def test_the_coordinating_body_changes_a_status_through_the_form(tracker: Tracker) -> None:
    client = _signed_in(tracker.coordinator)
    url = _edit_url("1.4.1")
    token = _token(client, url)
    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "status-status": "rejected",
            "status-responsible_organisation": tracker.ministry.code,
            "status-note": "The ministry keeps the media duty.",
        },
    )
    assert response.status_code == 302
    rec = tracker.recommendation("1.4.1")
    assert rec.status == Status.REJECTED and rec.responsible_organisation == tracker.ministry
    assert Change.objects.get(recommendation=rec).actor == tracker.coordinator


def test_a_status_change_without_a_note_shows_the_form_again(tracker: Tracker) -> None:
    client = _signed_in(tracker.coordinator)
    url = _edit_url("1.4.1")
    token = _token(client, url)
    response = client.post(url, {"csrfmiddlewaretoken": token, "status-status": "implemented"})
    assert response.status_code == 422
    assert "Say why the status changes." in response.content.decode()
    assert tracker.recommendation("1.4.1").status == Status.NOT_STARTED


def test_a_post_without_the_csrf_token_is_refused(tracker: Tracker) -> None:
    client = _signed_in(tracker.coordinator)
    response = client.post(_edit_url("1.4.1"), {"status-status": "rejected", "status-note": "x"})
    assert response.status_code == 403
    assert not Change.objects.exists()


def test_a_school_psychologist_and_a_monitor_get_404_on_the_edit_pages(tracker: Tracker) -> None:
    for user in (tracker.psychologist, tracker.monitor):
        client = _signed_in(user, csrf=False)
        assert client.get(_edit_url("1.4.1")).status_code == 404
        post = client.post(_edit_url("1.4.1"), {"status-status": "rejected", "status-note": "x"})
        assert post.status_code == 404
        evidence = reverse("oversight-evidence-add", kwargs={"number": "1.4.1"})
        assert client.post(evidence, {"evidence-title": "x"}).status_code == 404
    assert _anyone().get(_edit_url("1.4.1")).status_code == 302  # to the sign-in page
    assert not Change.objects.exists()


def test_evidence_uploaded_through_the_form_is_downloaded_by_anyone(tracker: Tracker) -> None:
    client = _signed_in(tracker.coordinator)
    url = reverse("oversight-evidence-add", kwargs={"number": "1.7.4"})
    token = _token(client, _edit_url("1.7.4"))
    upload = io.BytesIO(clean_pdf())
    upload.name = "training-plan.pdf"
    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "evidence-title": "Training plan",
            "evidence-document": upload,
        },
    )
    assert response.status_code == 302, response.content
    evidence = tracker.recommendation("1.7.4").evidence.get()
    download = _anyone().get(
        reverse(
            "oversight-evidence-document",
            kwargs={"number": "1.7.4", "public_id": evidence.public_id},
        )
    )
    assert download.status_code == 200 and download.content == clean_pdf()
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")


def test_a_pdf_with_scripts_is_refused_on_the_form(tracker: Tracker) -> None:
    client = _signed_in(tracker.coordinator)
    token = _token(client, _edit_url("1.7.4"))
    upload = io.BytesIO(pdf_with_document_javascript())
    upload.name = "order.pdf"
    response = client.post(
        reverse("oversight-evidence-add", kwargs={"number": "1.7.4"}),
        {"csrfmiddlewaretoken": token, "evidence-title": "Order", "evidence-document": upload},
    )
    assert response.status_code == 422
    assert not tracker.recommendation("1.7.4").evidence.exists()


def test_the_csv_download_holds_the_filtered_table_with_formulas_neutralised(
    tracker: Tracker,
) -> None:
    services.change_status(
        actor=tracker.coordinator,
        recommendation=tracker.recommendation("3.2.2"),
        status=Status.IN_PROGRESS,
        note="Tracker launched.",
        responsible_text='=HYPERLINK("https://evil.example")',
    )
    response = _anyone().get(LIST, {"section": "3.2", "download": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["Number", "Section", "Addressee", "Summary", "Status"]
    assert [row[0] for row in rows[1:]] == ["3.2.1", "3.2.2"]
    assert rows[2][4] == "in progress"
    assert rows[2][5].startswith("'=HYPERLINK")


def test_the_xlsx_download_holds_every_recommendation(tracker: Tracker) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="ru").get(LIST, {"download": "xlsx"})
    assert isinstance(response, FileResponse)
    # the test client closes the response, and its temporary file, once the body is read
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    values = list(sheet.values)
    assert len(values) == 1 + 57
    assert values[1][0] == "1.1.1"
    assert values[13][3] == "Стандартизировать порядок направления детей из школ в ЦПП."


def test_the_menu_offers_the_tracker_to_visitors_and_staff(tracker: Tracker) -> None:
    assert f'href="{LIST}"' in _anyone().get("/").content.decode()
    staff = _signed_in(tracker.psychologist, csrf=False).get(reverse("home"))
    assert f'href="{LIST}"' in staff.content.decode()


def test_a_document_is_found_only_under_its_own_recommendation(tracker: Tracker) -> None:
    from qamqor.files import check_content

    evidence = services.add_evidence(
        actor=tracker.coordinator,
        recommendation=tracker.recommendation("1.8.1"),
        title="Premises survey",
        document=check_content("survey.pdf", clean_pdf(), field="document", limit=10**7),
    )
    for number in ("1.8.2", "9.9.9"):
        url = reverse(
            "oversight-evidence-document",
            kwargs={"number": number, "public_id": evidence.public_id},
        )
        assert _anyone().get(url).status_code == 404
