"""PDF uploads with scripts, automatic actions or embedded files are refused:
the check itself on crafted files, and through the web form, the API and the care pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from qamqor.errors import InvalidInput
from qamqor.files import check_content
from qamqor.intake.models import Report, ReportAttachment
from qamqor.pdf_check import check_pdf
from tests import pdfs
from tests.factories import World


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The refusals are read in English here (the default language is Russian)."""
    with translation.override("en"):
        yield


HOSTILE: list[Callable[[], bytes]] = [
    pdfs.pdf_with_document_javascript,
    pdfs.pdf_with_open_action_javascript,
    pdfs.pdf_with_page_additional_action,
    pdfs.pdf_with_launch_action,
    pdfs.pdf_with_embedded_file,
    pdfs.pdf_with_escaped_javascript_name,
    pdfs.pdf_with_javascript_in_object_stream,
]


@pytest.mark.parametrize("make", HOSTILE, ids=lambda make: make.__name__)
def test_a_pdf_with_active_content_is_refused_naming_the_field(
    make: Callable[[], bytes],
) -> None:
    with pytest.raises(InvalidInput) as error:
        check_content("letter.pdf", make(), field="file", limit=10_000_000)
    assert error.value.status_code == 422
    assert [problem.field for problem in error.value.errors] == ["file"]
    assert "embedded files" in str(error.value.errors[0].message)


@pytest.mark.parametrize(
    "make", [pdfs.pdf_with_escaped_javascript_name, pdfs.pdf_with_javascript_in_object_stream]
)
def test_the_parser_finds_what_a_byte_search_misses(make: Callable[[], bytes]) -> None:
    content = make()
    assert b"/JavaScript" not in content  # a grep would let these through
    with pytest.raises(InvalidInput):
        check_pdf(content, field="file")


@pytest.mark.parametrize("make", [pdfs.clean_pdf, pdfs.pdf_with_open_action_destination])
def test_a_plain_pdf_is_accepted(make: Callable[[], bytes]) -> None:
    checked = check_content("letter.pdf", make(), field="file", limit=10_000_000)
    assert checked.content_type == "application/pdf"


def test_a_pdf_made_by_fpdf2_is_accepted() -> None:
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    document.set_font("helvetica")
    document.cell(text="Consent of the legal representative")
    check_pdf(bytes(document.output()), field="file")


@pytest.mark.parametrize(
    "content",
    [pdfs.encrypted_pdf(), b"%PDF-1.4 truncated", b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"],
    ids=["encrypted", "truncated", "no-table"],
)
def test_a_pdf_that_cannot_be_checked_is_refused(content: bytes) -> None:
    with pytest.raises(InvalidInput) as error:
        check_pdf(content, field="consent-document")
    assert error.value.errors[0].field == "consent-document"
    assert "cannot be checked" in str(error.value.errors[0].message)


def test_the_report_form_refuses_a_pdf_with_javascript(client: Client, world: World) -> None:
    from tests.intake.test_followup_and_safety import form_data

    upload = SimpleUploadedFile(
        "evidence.pdf", pdfs.pdf_with_document_javascript(), content_type="application/pdf"
    )
    response = client.post(
        f"/report/{world.a.school.code}/",
        {**form_data(), "attachments": upload},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_attachments_error"' in page
    assert re.search(r"scripts, automatic actions or embedded files", page)
    assert Report.objects.count() == 0 and ReportAttachment.objects.count() == 0


def test_the_report_form_keeps_a_clean_pdf(client: Client, world: World) -> None:
    from tests.intake.test_followup_and_safety import form_data

    upload = SimpleUploadedFile("scan.pdf", pdfs.clean_pdf(), content_type="application/pdf")
    response = client.post(
        f"/report/{world.a.school.code}/",
        {**form_data(), "attachments": upload},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert ReportAttachment.objects.get().content_type == "application/pdf"
