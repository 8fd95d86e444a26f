"""Downloads of the lists staff see (brief 1.4.1; qamqor/exports.py, qamqor/pages.py
``exportable``, qamqor/web/api.py): every list page downloads what it shows to the user,
an outsider gets only their own rows (or 404), personal data ask for the purpose (posted
under CSRF) and the audit log keeps it, hostile cells are neutralised in CSV and XLSX, and
the number of queries does not grow with the rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from qamqor import exports
from qamqor.accounts.models import User
from qamqor.audit.models import AuditEvent
from tests.factories import World, register_case, submit_report

HOSTILE = '=HYPERLINK("http://x","y")'


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def client_for(user: User, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def table_of(response: Any) -> list[list[str]]:
    """The rows of a CSV download, header first."""
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def download(client: Client, url: str, fmt: str = "csv", **purpose: str) -> Any:
    """The list at ``url`` downloaded with a purpose (the form posted back)."""
    data = purpose or {"purpose": "case_work"}
    return client.post(f"{url}?download={fmt}", data)


def csrf_token(client: Client, url: str) -> str:
    form = client.get(url)
    assert form.status_code == 200
    return str(form.context["csrf_token"])


# --- cases: the same rows as the page, outsiders, purpose, audit -------------------------


@pytest.mark.django_db
def test_the_case_export_has_the_rows_of_the_page_and_no_one_elses(world: World) -> None:
    mine = [register_case(world), register_case(world, in_danger_now=True)]
    theirs = register_case(world, school=world.b.school)
    client = client_for(world.coordinator_a)
    page = client.get(reverse("case-list"))
    shown = {case.number for case in page.context["page"].object_list}
    rows = table_of(download(client, reverse("case-list")))
    assert rows[0][:2] == ["Number", "Region"]
    assert {row[0] for row in rows[1:]} == shown == {case.number for case in mine}
    outsider = table_of(download(client_for(world.coordinator_b), reverse("case-list")))
    assert [row[0] for row in outsider[1:]] == [theirs.number]
    # the monitor sees no case at all: an empty list, never another school's
    assert table_of(download(client_for(world.monitor), reverse("case-list")))[1:] == []


@pytest.mark.django_db
def test_the_export_speaks_the_users_language_and_kazakhstan_time(world: World) -> None:
    register_case(world, in_danger_now=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(world.coordinator_a)
    header, row = table_of(download(client, reverse("case-list")))
    titles = dict(zip(header, row, strict=True))
    assert "Номер" in titles
    assert titles["Номер"].startswith("KZ-75-")
    in_danger = [value for title, value in titles.items() if value in ("да", "нет")]
    assert in_danger == ["да"]  # the one yes-or-no column, worded in Russian
    registered = next(value for value in row if value.endswith("+05:00"))
    assert len(registered) == len("2026-12-05T17:04:00+05:00")


@pytest.mark.django_db
def test_the_case_export_keeps_the_page_filters(world: World) -> None:
    register_case(world)
    register_case(world, forms=["physical"])
    client = client_for(world.coordinator_a)
    url = reverse("case-list")
    page = client.get(url, {"form": "physical"})
    assert page.context["page"].paginator.count == 1
    response = client.post(f"{url}?form=physical&download=csv", {"purpose": "statistics"})
    rows = table_of(response)
    assert len(rows) == 2 and "physical" in rows[1][3].lower()
    event = AuditEvent.objects.filter(action="export.cases").latest("id")
    assert event.changes["filters"] == {"form": "physical"}
    assert event.changes["rows"] == 1


@pytest.mark.django_db
def test_a_personal_export_asks_its_purpose_under_csrf_and_audits_it(world: World) -> None:
    register_case(world)
    client = client_for(world.coordinator_a, csrf=True)
    url = reverse("case-list")
    form = client.get(f"{url}?download=xlsx")
    assert form.status_code == 200 and b'name="purpose"' in form.content
    assert not AuditEvent.objects.filter(action="export.cases").exists()
    # without the token the post is refused before anything is written
    assert client.post(f"{url}?download=xlsx", {"purpose": "case_work"}).status_code == 403
    token = csrf_token(client, f"{url}?download=xlsx")
    missing = client.post(f"{url}?download=xlsx", {"csrfmiddlewaretoken": token})
    assert missing.status_code == 422
    assert "purpose" in missing.context["form"].errors
    other = client.post(f"{url}?download=xlsx", {"csrfmiddlewaretoken": token, "purpose": "other"})
    assert other.status_code == 422
    assert "purpose_detail" in other.context["form"].errors
    assert not AuditEvent.objects.filter(action="export.cases").exists()
    done = client.post(
        f"{url}?download=xlsx",
        {"csrfmiddlewaretoken": token, "purpose": "other", "purpose_detail": "court request"},
    )
    assert done.status_code == 200
    assert done["Content-Type"] == exports.XLSX_CONTENT_TYPE
    event = AuditEvent.objects.get(action="export.cases")
    assert event.actor_id == world.coordinator_a.pk
    assert event.changes["purpose"] == "other"
    assert event.changes["purpose_detail"] == "court request"
    assert event.changes["rows"] == 1 and event.changes["format"] == "xlsx"


@pytest.mark.django_db
def test_the_page_offers_the_downloads_as_real_links(world: World) -> None:
    register_case(world)
    page = client_for(world.coordinator_a).get(reverse("case-list"), {"status": "registered"})
    html = page.content.decode()
    assert 'aria-label="Download this list"' in html
    assert "?status=registered&amp;download=csv" in html
    assert ">Download XLSX</a>" in html


# --- the API ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_exports_a_list_with_its_purpose(world: World) -> None:
    case = register_case(world)
    register_case(world, school=world.b.school)
    client = client_for(world.coordinator_a)
    missing = client.get("/api/v1/exports/cases", {"format": "csv"})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["purpose"]
    bad_format = client.get("/api/v1/exports/cases", {"format": "pdf", "purpose": "case_work"})
    assert bad_format.status_code == 422
    assert [e["field"] for e in bad_format.json()["errors"]] == ["format"]
    response = client.get(
        "/api/v1/exports/cases", {"format": "csv", "purpose": "supervision", "status": "registered"}
    )
    assert response.status_code == 200
    assert [row[0] for row in table_of(response)[1:]] == [case.number]
    event = AuditEvent.objects.get(action="export.cases")
    assert event.changes["purpose"] == "supervision"
    assert event.changes["filters"] == {"status": "registered"}
    names = {entry["name"] for entry in client.get("/api/v1/exports").json()}
    assert {"cases", "reports", "open-steps"} <= names
    assert "crisis-exceptions" not in names  # a school coordinator oversees no crisis basis
    # a list whose page is closed to the caller is a 404, as its page is
    assert client.get("/api/v1/exports/locked-accounts", {"format": "csv"}).status_code == 404
    assert Client().get("/api/v1/exports/cases", {"format": "csv"}).status_code == 401


# --- formula injection, in a list anyone can type into -------------------------------------


def _campaign(world: World, title: str) -> Any:
    from qamqor.instruments import services as screening_services

    today = screening_services.today()
    return screening_services.create_campaign(
        actor=world.psychologist_a,
        title=title,
        instrument_code="phq_a",
        area=screening_services.CampaignArea(
            level="school", region=world.a.region, school=world.a.school
        ),
        opens_on=today,
        closes_on=today + timedelta(days=21),
        language="kk",
    )


@pytest.mark.django_db
def test_hostile_text_is_neutralised_in_csv_and_xlsx(world: World) -> None:
    _campaign(world, HOSTILE)
    client = client_for(world.psychologist_a)
    url = reverse("campaign-list")
    # campaigns carry no child's data: the download needs no purpose and is not audited
    rows = table_of(client.get(url, {"download": "csv"}))
    assert rows[1][0] == "'" + HOSTILE
    response: Any = client.get(url, {"download": "xlsx"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    assert sheet is not None
    cell = sheet.cell(row=2, column=1)
    assert cell.value == "'" + HOSTILE and cell.data_type == "s"
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()
    # an outsider of region B lists no campaign of school A1
    outsider = table_of(client_for(world.regional_b).get(url, {"download": "csv"}))
    assert outsider[1:] == []


@pytest.mark.django_db
def test_a_personal_list_neutralises_hostile_text_in_both_formats(world: World) -> None:
    """A supervision topic typed as a formula stays text in the download of region A's
    PSC, and region B's PSC head downloads none of A's sessions."""
    from django.utils import timezone

    from qamqor.care import services as care_services
    from tests.factories import add_care_personas

    add_care_personas(world)
    care_services.record_supervision(
        actor=world.psc_head_a,
        organisation=world.a.psc,
        kind="intervision",
        level="organisation",
        held_at=timezone.now(),
        duration_minutes=60,
        topic=HOSTILE,
        participants=[world.psc_a, world.psc_head_a],
    )
    client = client_for(world.psc_a)
    url = reverse("care-supervision")
    assert client.get(url).context["page"].paginator.count == 1
    rows = table_of(download(client, url, purpose="supervision"))
    assert len(rows) == 2 and "'" + HOSTILE in rows[1]
    response: Any = download(client, url, "xlsx", purpose="supervision")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet is not None
    cells = [cell for cell in sheet[2] if cell.value == "'" + HOSTILE]
    assert len(cells) == 1 and cells[0].data_type == "s"
    assert table_of(download(client_for(world.psc_head_b), url))[1:] == []


# --- every list -----------------------------------------------------------------------------


def _page_of(table: exports.TableExport) -> str | None:
    from django.urls import get_resolver

    for pattern in get_resolver().url_patterns:
        for entry in getattr(pattern, "url_patterns", [pattern]):
            if getattr(entry.callback, "export_table", None) is not None and (
                entry.callback.export_table.name == table.name
            ):
                return reverse(entry.name)
    return None  # a list the API serves without a page of its own


EXPECTED = {
    "consultations",
    "screening-results",
    "appeals",
    "call-cards",
    "campaign-follow-up",
    "campaigns",
    "caseload",
    "cases",
    "crisis-exceptions",
    "locked-accounts",
    "notifications",
    "open-steps",
    "protocols",
    "referrals",
    "reports",
    "screening-alerts",
    "screening-children",
    "supervision",
    "tasks",
    "undelivered-notifications",
    "workload",
}


@pytest.mark.django_db
def test_every_list_downloads_for_those_who_see_it_and_for_no_one_else(world: World) -> None:
    """Each registered list, as every persona: those whose page opens download it (its
    header, in both formats), the others get 404 as on the page."""
    from tests.factories import add_care_personas

    add_care_personas(world)
    register_case(world)
    tables = exports.registered_tables()
    assert set(tables) >= EXPECTED
    for name, table in sorted(tables.items()):
        if table.scoped:
            continue  # the rows of one object: test_an_object_scoped_list_is_404_to_outsiders
        url = _page_of(table)
        if url is None:
            _check_api_only(world, table)
            continue
        opened = 0
        for persona, user in world.users.items():
            client = client_for(user)
            page = client.get(url).status_code
            if table.personal:
                response = download(client, url)
            else:
                response = client.get(url, {"download": "csv"})
            if page != 200:
                assert response.status_code == 404, (name, persona)
                continue
            opened += 1
            assert response.status_code == 200, (name, persona)
            assert table_of(response)[0] == table.header(), (name, persona)
            if persona in ("national", "coordinator_a"):
                xlsx = (
                    download(client, url, "xlsx")
                    if table.personal
                    else client.get(url, {"download": "xlsx"})
                )
                assert xlsx["Content-Type"] == exports.XLSX_CONTENT_TYPE
        assert opened, f"no persona opens the page of {name}"


def _check_api_only(world: World, table: exports.TableExport) -> None:
    """A list without a page: those its gate lets in download it from the API, the
    others get 404."""
    from qamqor.accounts import access

    assert table.gate is not None, table.name
    for persona, user in world.users.items():
        response = client_for(user).get(
            f"/api/v1/exports/{table.name}", {"format": "csv", "purpose": "case_work"}
        )
        if access.allows(user, table.gate):
            assert response.status_code == 200, (table.name, persona)
            assert table_of(response)[0] == table.header()
        else:
            assert response.status_code == 404, (table.name, persona)


@pytest.mark.django_db
def test_consultations_download_from_the_api_for_their_psc_only(world: World) -> None:
    from django.utils import timezone

    from qamqor.care import services as care_services
    from tests.factories import add_care_personas, care_pupil, record_parent_consent

    add_care_personas(world)
    pupil = care_pupil(world)
    record_parent_consent(world, pupil, world.a.psc, world.psc_a)
    care_services.record_consultation(
        actor=world.psc_a,
        organisation=world.a.psc,
        child=pupil,
        format="online",
        topic="=cmd|' /C calc'!A0",
        held_at=timezone.now(),
        duration_minutes=40,
    )
    query = {"format": "csv", "purpose": "supervision"}
    rows = table_of(client_for(world.psc_a).get("/api/v1/exports/consultations", query))
    assert len(rows) == 2 and rows[1][1] == world.a.psc.name_en
    assert not any("calc" in cell for cell in rows[1])  # the topic is not exported
    other = client_for(world.psc_b).get("/api/v1/exports/consultations", query)
    assert table_of(other)[1:] == []
    assert AuditEvent.objects.filter(action="export.consultations").count() == 2


@pytest.mark.django_db
def test_reports_and_referrals_export_only_the_users_rows(world: World) -> None:
    from tests.factories import add_care_personas, refer_to_psc

    submit_report(world.a.school)
    submit_report(world.b.school)
    rows_a = table_of(download(client_for(world.coordinator_a), reverse("report-list")))
    rows_b = table_of(download(client_for(world.coordinator_b), reverse("report-list")))
    assert len(rows_a) == len(rows_b) == 2
    assert rows_a[1][0] != rows_b[1][0]
    assert rows_a[1][4] == world.a.school.name_en
    add_care_personas(world)
    referral = refer_to_psc(world)
    mine = table_of(download(client_for(world.psc_a), reverse("referral-list")))
    assert [row[0] for row in mine[1:]] == [referral.reference]
    assert table_of(download(client_for(world.psc_b), reverse("referral-list")))[1:] == []


@pytest.mark.django_db
def test_an_object_scoped_list_is_404_to_outsiders(world: World) -> None:
    """A campaign's follow-up list downloads for the psychologists its rule names; anyone
    else gets 404, as on its page, and nothing is recorded for them."""
    campaign = _campaign(world, "Spring screening 7A")
    url = reverse("campaign-follow-up", kwargs={"public_id": campaign.public_id})
    rows = table_of(download(client_for(world.psychologist_a), url))
    assert rows[0] == exports.registered_tables()["campaign-follow-up"].header()
    assert AuditEvent.objects.filter(action="export.campaign-follow-up").count() == 1
    for outsider in ("psychologist_b", "coordinator_b", "monitor"):
        client = client_for(world.users.get(outsider) or _care_persona(world, outsider))
        assert client.get(url).status_code == 404
        assert download(client, url).status_code == 404, outsider
    assert AuditEvent.objects.filter(action="export.campaign-follow-up").count() == 1
    # the API exports whole lists only: an object's list is not offered by name
    api = client_for(world.psychologist_a).get(
        "/api/v1/exports/campaign-follow-up", {"format": "csv", "purpose": "case_work"}
    )
    assert api.status_code == 404


def _care_persona(world: World, name: str) -> User:
    from tests.factories import add_care_personas

    add_care_personas(world)
    return world.users[name]


@pytest.mark.django_db
def test_the_home_task_list_downloads_only_after_sign_in(world: World) -> None:
    register_case(world)
    anonymous = Client().get(reverse("home"), {"download": "csv"})
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    rows = table_of(download(client_for(world.coordinator_a), reverse("home")))
    page = client_for(world.coordinator_a).get(reverse("home"))
    assert [row[0] for row in rows[1:]] == [step.case.number for step in page.context["steps"]]
    assert len(rows) > 1


# --- constant queries -----------------------------------------------------------------------


def _export_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = download(client, url)
        table_of(response)
    return len(queries)


@pytest.mark.django_db
def test_the_queries_of_an_export_do_not_grow_with_its_rows(world: World) -> None:
    client = client_for(world.coordinator_a)
    register_case(world)
    cases_few, steps_few = (
        _export_queries(client, reverse("case-list")),
        _export_queries(client, reverse("open-steps")),
    )
    for _ in range(4):
        register_case(world)
    assert _export_queries(client, reverse("case-list")) == cases_few
    assert _export_queries(client, reverse("open-steps")) == steps_few


@pytest.mark.django_db
def test_a_prefetched_column_keeps_the_queries_flat(world: World) -> None:
    """Supervision's participants are prefetched per chunk of rows, not read per row."""
    from django.utils import timezone

    from qamqor.care import services as care_services
    from tests.factories import add_care_personas

    add_care_personas(world)

    def session() -> None:
        care_services.record_supervision(
            actor=world.psc_head_a,
            organisation=world.a.psc,
            kind="intervision",
            level="organisation",
            held_at=timezone.now(),
            duration_minutes=60,
            topic="Case review",
            participants=[world.psc_a, world.psc_a2, world.psc_head_a],
        )

    client = client_for(world.psc_a)
    session()
    few = _export_queries(client, reverse("care-supervision"))
    for _ in range(5):
        session()
    assert _export_queries(client, reverse("care-supervision")) == few


def _retained_after_export(client: Client, url: str) -> int:
    """Bytes an export leaves allocated, the cyclic collector held off as it may be
    for a long while in a busy process."""
    import gc
    import tracemalloc

    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        table_of(download(client, url))
        return tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        gc.enable()


@pytest.mark.django_db
def test_rows_already_written_are_not_kept_alive(world: World) -> None:
    """A prefetched relation makes each row a reference cycle; the export drops it once
    the row is written, so what a download leaves behind does not grow with its rows."""
    client = client_for(world.coordinator_a)
    url = reverse("case-list")
    for _ in range(5):
        register_case(world)
    _retained_after_export(client, url)  # the first download warms caches
    few = _retained_after_export(client, url)
    for _ in range(40):
        register_case(world)
    many = _retained_after_export(client, url)
    assert many - few < 40 * 1024  # a kept case with its forms costs several KiB


# --- the case export's fast path (brief 1.4.1, 3.1.1) --------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_case_export_from_database_values_equals_the_model_rows(
    world: World, language: str
) -> None:
    """The rows the case export reads as database values are the cells its columns give
    for the model rows of the page's query, in each language."""
    from dataclasses import replace

    from django.utils import timezone

    from qamqor.cases.models import Case
    from qamqor.cases.selectors import case_list
    from qamqor.cases.views import CASES

    register_case(world, forms=["physical", "bullying"], in_danger_now=True)
    closed = register_case(world, forms=["neglect"])
    Case.objects.filter(pk=closed.pk).update(status="closed", closed_at=timezone.now())
    register_case(world, school=world.b.school)  # another school's: not in A's rows
    cases = case_list(world.coordinator_a)
    model_rows = replace(CASES, values=None)
    expected = list(
        exports._rows_in_language(model_rows, cases.iterator(500), language, worded=True)
    )
    assert len(expected) == 2
    assert list(exports._rows_in_language(CASES, cases, language, worded=True)) == expected


@pytest.mark.django_db
def test_the_case_export_never_reads_the_encrypted_fields(world: World) -> None:
    """The case file shows neither the summary nor the outcome note, so its query does not
    select them (nothing is decrypted per row)."""
    register_case(world)
    client = client_for(world.coordinator_a)
    with CaptureQueriesContext(connection) as captured:
        rows = table_of(download(client, reverse("case-list")))
    assert len(rows) == 2
    case_queries = [q["sql"] for q in captured.captured_queries if '"cases_case"' in q["sql"]]
    assert case_queries  # the export did read the cases
    for sql in case_queries:
        assert '"cases_case"."summary"' not in sql
        assert '"cases_case"."outcome_note"' not in sql


def _python_and_copy_csv(cases: Any, language: str) -> tuple[list[list[str]], list[list[str]]]:
    """The case file's rows as Python writes them (``values``) and as PostgreSQL writes
    them (``copy``), both read back with the csv module."""
    from qamqor.cases.views import CASES

    assert CASES.copy is not None
    with translation.override(language):
        header = CASES.header()
        cells = exports._rows_in_language(CASES, cases, language, worded=True)
        python = "".join(exports.csv_chunks(header, cells))
        copied = b"".join(exports.copy_chunks(header, CASES.copy(cases))).decode()
    return (
        list(csv.reader(io.StringIO(python.removeprefix("\ufeff")))),
        list(csv.reader(io.StringIO(copied.removeprefix("\ufeff")))),
    )


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_postgresql_writes_the_same_case_file_as_python(world: World, language: str) -> None:
    """On PostgreSQL the case list's CSV is written by ``COPY``: the same cells as the
    Python path in each language, hostile names neutralised, a name missing in the
    language replaced as ``pick`` does, times in Kazakhstan's zone of their day (+06:00
    before March 2024), no school and no closing time left empty."""
    from datetime import UTC, datetime

    from django.utils import timezone

    from qamqor.cases.models import Case
    from qamqor.cases.selectors import case_list
    from qamqor.directory.models import Organisation

    first = register_case(world, forms=["physical", "bullying"], in_danger_now=True)
    old = register_case(world, forms=["neglect"])
    home = register_case(world)
    Case.objects.filter(pk=old.pk).update(
        status="closed",
        registered_at=datetime(2023, 6, 1, 20, 30, tzinfo=UTC),
        closed_at=timezone.now(),
    )
    Case.objects.filter(pk=home.pk).update(school=None)
    Organisation.objects.filter(pk=world.a.school.pk).update(name_en=HOSTILE, name_kk="")
    register_case(world, school=world.b.school)
    # the national coordinator's list: a case without a school is in it
    python, copied = _python_and_copy_csv(case_list(world.national), language)
    assert len(python) == 5  # the header and the four cases
    assert copied == python
    by_number = {row[0]: row for row in copied[1:]}
    assert by_number[home.number][2] == ""
    assert "+06:00" in by_number[old.number][8]
    assert by_number[first.number][6] in ("yes", "да", "иә")
    if language == "en":
        assert by_number[first.number][2] == "'" + HOSTILE
    if language == "kk":  # no Kazakh name: the Russian one, as on the page
        assert by_number[first.number][2] == world.a.school.name_ru


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_case_download_on_postgresql_is_written_by_copy(world: World) -> None:
    """The page's download takes the COPY path on PostgreSQL (its statement is in the query
    log) and reads no row of the forms of violence in Python."""
    register_case(world, forms=["physical"])
    client = client_for(world.coordinator_a)
    with CaptureQueriesContext(connection) as captured:
        rows = table_of(download(client, reverse("case-list")))
    assert len(rows) == 2 and rows[1][3] == "physical violence"
    statements = [q["sql"] for q in captured.captured_queries]
    assert any(sql.startswith("COPY (") for sql in statements)
    assert not any(sql.startswith('SELECT "cases_caseviolenceform"') for sql in statements)


@pytest.mark.django_db
def test_a_view_run_again_after_a_lost_replica_audits_its_export_once(world: World) -> None:
    """``replica_reads`` runs a view again on the primary, with the same request, when the
    standby fails during it (an XLSX is written inside the view): one download, one audit
    event."""
    from django.test import RequestFactory

    from qamqor.cases.views import CASES

    register_case(world)
    request = RequestFactory().get("/cases/?download=xlsx")
    request.user = world.coordinator_a
    purpose = {"purpose": "statistics", "purpose_detail": ""}
    for _attempt in range(2):
        assert exports.table_response(request, CASES, "xlsx", purpose=purpose).status_code == 200
    assert AuditEvent.objects.filter(action="export.cases").count() == 1
    again = RequestFactory().get("/cases/?download=xlsx")  # another download: audited
    again.user = world.coordinator_a
    exports.table_response(again, CASES, "xlsx", purpose=purpose)
    assert AuditEvent.objects.filter(action="export.cases").count() == 2
