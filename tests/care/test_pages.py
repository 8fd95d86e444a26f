"""Psychological support through its pages and API: the weekly work log, the forms on a
child's page, supervision, clear 4xx errors, and query counts that do not grow with rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qamqor.care import services
from qamqor.care.models import (
    ConsentDocument,
    Consultation,
    CrisisBasis,
    SupervisionSession,
    WorkEntry,
    WorkWeek,
)
from qamqor.cases.models import LegalRepresentative
from tests import pdfs
from tests.factories import CarePlaces, World, record_parent_consent, refer_to_psc

PDF = pdfs.clean_pdf()  # a real PDF: uploads are parsed (qamqor.pdf_check)
LAST_MONDAY = services.week_start(services.local_today()) - timedelta(days=7)


def client_for(world: World, persona: str, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(getattr(world, persona))
    return client


def now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


# --- the weekly work log ------------------------------------------------------------------------


def test_the_week_is_one_form_with_a_row_per_category(world: World, care: CarePlaces) -> None:
    child = services.register_child(actor=world.psc_a, organisation=world.a.psc)
    record_parent_consent(world, child, world.a.psc, world.psc_a)
    held = timezone.make_aware(
        datetime.combine(LAST_MONDAY + timedelta(days=1), datetime.min.time())
    ) + timedelta(hours=10)
    services.record_consultation(
        actor=world.psc_a,
        organisation=world.a.psc,
        child=child,
        format="in_person",
        topic="session",
        held_at=held,
        duration_minutes=90,
    )
    client = client_for(world, "psc_a")
    page = client.get("/care/worklog/", {"week": LAST_MONDAY.isoformat()})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('inputmode="decimal"') == 11  # every category on the one form
    assert page.context["form"].initial["consultation"] == 1.5  # prefilled from the record
    data = {
        "week": LAST_MONDAY.isoformat(),
        "organisation": world.a.psc.code,
        "consultation": "20",
        "diagnostics": "4.5",
        "crisis_response": "2",
        "case_paperwork": "6",
        "monitoring": "3",
        "clubs": "2,5",
        "note": "Busy week",
    }
    saved = client.post("/care/worklog/", data)
    assert saved.status_code == 302
    week = WorkWeek.objects.get(user=world.psc_a, week_start=LAST_MONDAY)
    assert week.note == "Busy week"
    assert {e.category: float(e.hours) for e in week.entries.all()} == {
        "consultation": 20.0,
        "diagnostics": 4.5,
        "crisis_response": 2.0,
        "case_paperwork": 6.0,
        "monitoring": 3.0,
        "clubs": 2.5,
    }
    again = client.get("/care/worklog/", {"week": LAST_MONDAY.isoformat()})
    assert again.context["saved"] and float(again.context["form"].initial["clubs"]) == 2.5
    # Saving again replaces the week: a zeroed row disappears.
    client.post("/care/worklog/", {**data, "clubs": "0"})
    assert not WorkEntry.objects.filter(week=week, category="clubs").exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"clubs": "many"}, "clubs", "Enter a number."),
        ({"clubs": "1.1"}, "clubs", "quarters of an hour"),
        ({"clubs": "-2"}, "clubs", "greater than or equal to 0"),
        ({"consultation": "59", "diagnostics": "30"}, None, "more than a week can hold"),
    ],
)
def test_bad_hours_are_a_422_naming_the_field(
    world: World, care: CarePlaces, change: dict[str, str], field: str | None, message: str
) -> None:
    client = client_for(world, "psc_a")
    data = {"week": LAST_MONDAY.isoformat(), "consultation": "10", **change}
    response = client.post("/care/worklog/", data)
    assert response.status_code == 422
    form = response.context["form"]
    errors = form.errors.get(field) if field else form.non_field_errors()
    assert errors and message in " ".join(errors)
    assert not WorkWeek.objects.exists()


def test_the_work_log_api(world: World, care: CarePlaces) -> None:
    client = client_for(world, "psychologist_a")
    url = f"/api/v1/care/work-log/{LAST_MONDAY.isoformat()}"
    saved = client.put(
        url,
        {"hours": {"consultation": 12, "substituting": "6.25"}},
        content_type="application/json",
    )
    assert saved.status_code == 200
    body = saved.json()
    assert float(body["total"]) == 18.25 and float(body["non_specialist"]) == 6.25
    assert float(client.get(url).json()["hours"]["substituting"]) == 6.25
    unknown = client.put(url, {"hours": {"cleaning": 3}}, content_type="application/json")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "cleaning"
    future = services.week_start(services.local_today()) + timedelta(days=7)
    late = client.put(
        f"/api/v1/care/work-log/{future.isoformat()}",
        {"hours": {"consultation": 1}},
        content_type="application/json",
    )
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "week"
    tuesday = LAST_MONDAY + timedelta(days=1)
    wrong_day = client.put(
        f"/api/v1/care/work-log/{tuesday.isoformat()}",
        {"hours": {"consultation": 1}},
        content_type="application/json",
    )
    assert wrong_day.status_code == 422 and wrong_day.json()["errors"][0]["field"] == "week"
    nobody = client_for(world, "coordinator_a").put(
        url, {"hours": {"consultation": 1}}, content_type="application/json"
    )
    assert nobody.status_code == 422 and nobody.json()["errors"][0]["field"] == "organisation"
    assert client_for(world, "coordinator_a").get("/care/worklog/").status_code == 404


# --- a child's page: consent, crisis, consultation ----------------------------------------------


def test_the_psc_works_a_referral_through_the_childs_page(world: World, care: CarePlaces) -> None:
    referral = refer_to_psc(world)
    child = referral.child
    client = client_for(world, "psc_a")
    page = client.get(f"/care/children/{child.code}/")
    assert page.status_code == 200 and "crisis_form" in page.context
    url = f"/care/children/{child.code}/"
    short = client.post(
        url + "crisis/", {"crisis-ground": "suicide_risk", "crisis-justification": "now"}
    )
    assert short.status_code == 422
    assert "20 characters" in " ".join(short.context["crisis_form"].errors["justification"])
    done = client.post(
        url + "crisis/",
        {
            "crisis-ground": "suicide_risk",
            "crisis-justification": "Suicidal thoughts with a plan; parents abroad, unreachable.",
        },
    )
    assert done.status_code == 302 and CrisisBasis.objects.filter(child=child).exists()
    session = {
        "consultation-format": "in_person",
        "consultation-topic": "crisis session",
        "consultation-held_at": now_local(),
        "consultation-duration_minutes": "50",
        "consultation-participants_count": "1",
        "consultation-notes": "secret",
    }
    for _n in range(5):
        assert client.post(url + "consultations/", session).status_code == 302
    blocked = client.post(url + "consultations/", session)
    assert blocked.status_code == 409
    assert "Consent is needed" in " ".join(blocked.context["consultation_form"].errors["child"])
    assert Consultation.objects.filter(child=child).count() == 5
    mother = LegalRepresentative.objects.create(child=child, full_name="M", relationship="mother")
    consent = {
        "consent-giver": "legal_representative",
        "consent-representative": str(mother.pk),
        "consent-covers_support": "on",
        "consent-method": "paper_scan",
        "consent-given_at": now_local(),
    }
    missing = client.post(url + "consents/", consent)
    assert missing.status_code == 422 and "document" in missing.context["consent_form"].errors
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = client.post(
        url + "consents/",
        {**consent, "consent-document": SimpleUploadedFile("x.exe", b"MZ\x90\x00", "image/png")},
    )
    assert bad.status_code == 422 and "PDF, JPEG or PNG" in str(bad.context["consent_form"].errors)
    good = client.post(
        url + "consents/",
        {**consent, "consent-document": SimpleUploadedFile("consent.pdf", PDF, "application/pdf")},
    )
    assert good.status_code == 302
    document = ConsentDocument.objects.get()
    download = client.get(f"/care/consents/{document.consent.public_id}/document/")
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Cache-Control"] == "private, no-store"
    assert client.post(url + "consultations/", session).status_code == 302
    assert Consultation.objects.filter(child=child).latest("recorded_at").basis == "consent"


def test_a_school_psychologist_gets_no_crisis_form(world: World, care: CarePlaces) -> None:
    referral = refer_to_psc(world)
    page = client_for(world, "psychologist_a").get(f"/care/children/{referral.child.code}/")
    assert page.status_code == 200
    assert "crisis_form" not in page.context and "consultation_form" in page.context


def test_api_errors_name_the_field(world: World, care: CarePlaces) -> None:
    referral = refer_to_psc(world)
    client = client_for(world, "psc_a")
    code = referral.child.code
    cases = [
        (
            f"/api/v1/care/children/{code}/crisis-bases",
            {"ground": "sad", "justification": "x"},
            "ground",
        ),
        (
            f"/api/v1/care/children/{code}/consents",
            {"giver": "child", "method": "online", "given_at": "yesterday", "covers_support": True},
            "given_at",
        ),
        (
            "/api/v1/care/consultations",
            {
                "format": "in_person",
                "topic": "t",
                "held_at": timezone.now().isoformat(),
                "duration_minutes": 2,
            },
            "duration_minutes",
        ),
        (
            "/api/v1/care/consultations",
            {
                "format": "group",
                "topic": "t",
                "held_at": timezone.now().isoformat(),
                "duration_minutes": 40,
                "participants_count": 1,
            },
            "participants_count",
        ),
        (
            f"/api/v1/care/children/{code}/shares",
            {"to_organisation": "nowhere", "basis": "consent"},
            "to_organisation",
        ),
        ("/api/v1/care/consultations", {"format": "in_person", "topic": "t"}, "held_at"),
    ]
    for url, body, field in cases:
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 422, (url, response.content)
        assert field in [e["field"] for e in response.json()["errors"]], response.json()


def test_anonymous_hotline_and_group_consultations(world: World, care: CarePlaces) -> None:
    client = client_for(world, "psc_a")
    hotline = client.post(
        "/care/consultations/new/",
        {
            "format": "phone",
            "hotline": "on",
            "topic": "exam stress",
            "held_at": now_local(),
            "duration_minutes": "25",
            "participants_count": "1",
        },
    )
    assert hotline.status_code == 302
    group = client.post(
        "/api/v1/care/consultations",
        {
            "format": "group",
            "topic": "class hour on online safety",
            "participants_count": 24,
            "participants_note": "7B",
            "held_at": timezone.now().isoformat(),
            "duration_minutes": 45,
        },
        content_type="application/json",
    )
    assert group.status_code == 201 and group.json()["basis"] == "group"
    made = {c.basis: c for c in Consultation.objects.all()}
    assert made["anonymous"].child is None and made["anonymous"].hotline
    assert made["group"].participants_count == 24


# --- supervision --------------------------------------------------------------------------------


def test_supervision_is_recorded_with_participants(world: World, care: CarePlaces) -> None:
    client = client_for(world, "psc_head_a")
    data = {
        "organisation": world.a.psc.code,
        "kind": "supervision",
        "level": "regional",
        "online": "on",
        "held_at": now_local(),
        "duration_minutes": "90",
        "topic": "Working with suicidal adolescents",
        "facilitator_name": "External supervisor",
        "participants": "psc_a, psc_a2, ghost",
        "guests": "3",
    }
    unknown = client.post("/care/supervision/", data)
    assert unknown.status_code == 422
    assert "ghost" in " ".join(unknown.context["form"].errors["participants"])
    assert (
        client.post("/care/supervision/", {**data, "participants": "psc_a, psc_a2"}).status_code
        == 302
    )
    session = SupervisionSession.objects.get()
    assert session.online and session.guests == 3
    assert {u.username for u in session.participants.all()} == {"psc_a", "psc_a2"}
    for persona, sees in (
        ("psc_a", True),
        ("psc_head_a", True),
        ("regional_a", True),
        ("national", True),
        ("psc_b", False),
        ("regional_b", False),
        ("psychologist_a", False),
    ):
        items = client_for(world, persona).get("/api/v1/care/supervision").json()["items"]
        assert bool(items) == sees, persona


# --- query counts -------------------------------------------------------------------------------


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def _more_care(world: World) -> None:
    referral = refer_to_psc(world)
    child = referral.child
    services.record_crisis_basis(
        actor=world.psc_a,
        child=child,
        organisation=world.a.psc,
        ground="self_harm",
        justification="Cuts on the arm seen by the nurse today; parents abroad.",
    )
    for _n in range(2):
        services.record_consultation(
            actor=world.psc_a,
            organisation=world.a.psc,
            child=child,
            format="online",
            topic="crisis",
            held_at=timezone.now(),
            duration_minutes=40,
            next_appointment_at=timezone.now() + timedelta(days=3),
        )
    services.record_supervision(
        actor=world.psc_head_a,
        organisation=world.a.psc,
        kind="intervision",
        level="organisation",
        held_at=timezone.now(),
        duration_minutes=60,
        topic="Case review",
        participants=[world.psc_a, world.psc_a2, world.psc_head_a],
    )


LISTS: list[tuple[str, str]] = [
    ("psc_a", "/care/"),
    ("psc_a", "/care/crisis/"),
    ("regional_a", "/care/crisis/"),
    ("psc_a", "/care/supervision/"),
    ("psc_a", "/api/v1/care/consultations"),
    ("psc_head_a", "/api/v1/care/consultations"),
    ("psc_a", "/api/v1/care/crisis-bases"),
    ("psc_a", "/api/v1/care/supervision"),
    ("psc_a", "/api/v1/care/caseload"),
]


@pytest.mark.parametrize(("persona", "url"), LISTS)
def test_lists_take_as_many_queries_for_one_row_as_for_many(
    world: World, care: CarePlaces, persona: str, url: str
) -> None:
    _more_care(world)
    client = client_for(world, persona)
    few = count_queries(client, url)
    for _n in range(3):
        _more_care(world)
    assert count_queries(client_for(world, persona), url) == few


@pytest.mark.parametrize(
    ("persona", "url", "limit"),
    [
        ("psc_a", "/care/", 30),
        ("psc_a", "/api/v1/care/consultations", 12),
    ],
)
def test_list_queries_are_bounded(
    world: World,
    care: CarePlaces,
    persona: str,
    url: str,
    limit: int,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    for _n in range(3):
        _more_care(world)
    client = client_for(world, persona)
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


def test_a_childs_page_takes_a_bounded_number_of_queries(world: World, care: CarePlaces) -> None:
    _more_care(world)
    consultation = Consultation.objects.filter(child__isnull=False).first()
    assert consultation is not None and consultation.child is not None
    child = consultation.child
    record_parent_consent(world, child, world.a.psc, world.psc_a)
    for _n in range(4):
        services.record_consultation(
            actor=world.psc_a,
            organisation=world.a.psc,
            child=child,
            format="online",
            topic="again",
            held_at=timezone.now(),
            duration_minutes=40,
        )
    assert count_queries(client_for(world, "psc_a"), f"/care/children/{child.code}/") <= 45
