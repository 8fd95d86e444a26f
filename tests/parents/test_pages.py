"""The parents' public pages (docs/parents.md): the school's timeline, the legal track, and
the written application, read back from the PDF in Kazakh and Russian; sending it as a
report; CSRF, refusals naming the field, and the rate limit shared with the report form."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pypdfium2 as pdfium
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from qamqor.cases import services as case_services
from qamqor.intake import services as intake_services
from qamqor.intake.models import Report
from qamqor.parents import guidance
from qamqor.protocols import definitions
from qamqor.protocols.models import Step
from qamqor.protocols.workdays import ALMATY
from tests.factories import CLASSIFICATION, World

# Friday 20 March 2026, before Nauryz (21-25 March): one working day later is Thursday 26.
FRIDAY_BEFORE_NAURYZ = datetime(2026, 3, 20, 10, 30, tzinfo=ALMATY)
SCHOOL_KK = "№ 12 жалпы білім беретін мектеп-гимназиясы (Әуезов ауданы)"
SCHOOL_RU = "Школа-гимназия № 12 (Ауэзовский район)"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def school(world: World) -> Any:
    school = world.a.school
    school.name_kk, school.name_ru = SCHOOL_KK, SCHOOL_RU
    school.save(update_fields=["name_kk", "name_ru"])
    return school


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")


def token_of(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)
    assert match is not None
    return match.group(1).decode()


def answers(school_code: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "school": school_code,
        "language": "ru",
        "parent_name": "Сәрсенова Айгүл Маратқызы",
        "parent_contact": "+77010000000",
        "child_name": "Сәрсенов Нұрлан",
        "child_class": "7Б",
        "forms": ["bullying", "cyberbullying"],
        "setting": "school",
        "what_happened": "Одноклассники отбирают телефон и высмеивают в чате класса.",
        "happened_from": "2026-03-02",
        "happened_until": "2026-03-16",
        "actions_taken": "Сообщили классному руководителю 3 марта, ничего не изменилось.",
        "action": "pdf",
    }
    data.update(changes)
    return data


def post(client: Client, data: dict[str, Any]) -> Any:
    url = reverse("parents-application")
    data = {"csrfmiddlewaretoken": token_of(client, url), **data}
    return client.post(url, data)


def pdf_text(content: bytes) -> str:
    document = pdfium.PdfDocument(content)
    try:
        texts = []
        for page in document:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_bounded())
            textpage.close()
            page.close()
        # a line break inside a long phrase is not a difference
        return " ".join(" ".join(texts).split())
    finally:
        document.close()


# --- the guide and the legal track -----------------------------------------------------------


@pytest.mark.django_db
def test_the_guide_counts_the_schools_deadlines_from_the_chosen_day() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("parents-guide"), {"start": "2026-03-20"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "20.03.2026" in text
    assert "26.03.2026" in text  # the conversation: 1 working day, after Nauryz
    assert "How to keep evidence of cyberbullying" in text
    assert "pedagogical ethics council" in text  # when a teacher is the offender (2.3.8)
    assert reverse("referral-ask-start") in text and reverse("parents-application") in text


@pytest.mark.django_db
def test_every_parents_page_is_public_with_the_quick_exit(world: World) -> None:
    """No login, and the way out at once, for a visitor and for staff alike."""
    signed_in = Client()
    signed_in.force_login(world.coordinator_a)
    for client in (Client(), signed_in):
        for name in ("parents-guide", "parents-legal-track", "parents-application"):
            response = client.get(reverse(name))
            assert response.status_code == 200, name
            html = response.content.decode()
            assert "data-quick-exit" in html and "js/quick-exit.js" in html, name
            assert "htmx.min.js" not in html, name


@pytest.mark.django_db
def test_the_landing_page_and_the_public_menu_lead_to_the_parents_pages() -> None:
    html = Client().get(reverse("home")).content.decode()
    menu = html.split('<ul class="nav-links"')[1].split("</nav>")[0]
    assert reverse("parents-guide") in menu
    assert html.count(reverse("parents-guide")) >= 3  # the menu, a card and the footer


@pytest.mark.django_db
def test_a_bad_start_day_is_a_422_naming_the_field() -> None:
    response = Client().get(reverse("parents-guide"), {"start": "yesterday"})
    assert response.status_code == 422
    assert response.context["form"].errors.keys() == {"start"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("age", "violence", "shown", "not_shown"),
    [
        (11, False, "under_12", "art_127_2_parents"),
        (12, False, "art_127_2_parents", "art_127_2_offender"),
        (15, False, "art_127_2_parents", "criminal_check_under_16"),
        (15, True, "criminal_check_under_16", "art_127_2_offender"),
        (16, False, "art_127_2_offender", "art_127_2_parents"),
        (17, True, "criminal_check_from_16", "art_127_2_parents"),
    ],
)
def test_the_legal_track_page_shows_the_track_for_the_age(
    age: int, violence: bool, shown: str, not_shown: str
) -> None:
    query: dict[str, Any] = {"age": age}
    if violence:
        query["physical_violence"] = "on"
    response = Client().get(reverse("parents-legal-track"), query)
    assert response.status_code == 200
    text = response.content.decode()
    assert f'data-rule="{shown}"' in text and f'data-rule="{not_shown}"' not in text
    assert "adilet.zan.kz" in text  # every rule shows its source


@pytest.mark.django_db
@pytest.mark.parametrize("age", ["-1", "121", "twelve"])
def test_a_bad_age_is_a_422_naming_the_field(age: str) -> None:
    response = Client().get(reverse("parents-legal-track"), {"age": age})
    assert response.status_code == 422
    assert response.context["form"].errors.keys() == {"age"}
    assert "data-rule=" not in response.content.decode()


# --- the application as a PDF ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_school_is_found_by_name_or_code(
    school: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(8):
        response = Client(HTTP_ACCEPT_LANGUAGE="ru").get(
            reverse("parents-application"), {"q": "гимназия № 12"}
        )
    assert response.status_code == 200
    assert [s.code for s in response.context["schools"]] == [school.code]
    by_code = Client().get(reverse("parents-application"), {"q": school.code})
    assert [s.code for s in by_code.context["schools"]] == [school.code]
    chosen = Client().get(reverse("parents-application"), {"school": school.code})
    assert chosen.context["school"] == school
    assert reverse("report-form", args=[school.code]) in chosen.content.decode()


@pytest.mark.django_db
def test_the_russian_application_names_the_school_dates_and_law(school: Any) -> None:
    client = csrf_client()
    with time_machine.travel(FRIDAY_BEFORE_NAURYZ, tick=False):
        response = post(client, answers(school.code))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert f"Директору: {SCHOOL_RU}" in text
    assert "ЗАЯВЛЕНИЕ" in text
    assert "02.03.2026 – 16.03.2026" in text  # what the parent told
    assert "Дата: 20.03.2026" in text
    assert (
        "приказом Министра просвещения Республики Казахстан от 21 декабря 2022 года № 506" in text
    )
    # the deadlines, in working days from today: 24 hours, then 1 working day after Nauryz
    assert "в течение 24 ч. с момента получения информации; не позднее 21.03.2026" in text
    assert "в течение 1 раб. дн. со дня получения информации; не позднее 26.03.2026" in text
    assert "не позднее 27.03.2026" in text  # the report to the head, a working day later
    assert "Приказ № 506, пп. 7–8" in text and "Приказ № 506, п. 9" in text
    assert "Сәрсенов Нұрлан" in text and "7Б" in text
    assert Report.objects.count() == 0  # downloading keeps nothing


@pytest.mark.django_db
def test_the_kazakh_application_names_the_school_dates_and_law(school: Any) -> None:
    client = csrf_client()
    with time_machine.travel(FRIDAY_BEFORE_NAURYZ, tick=False):
        response = post(client, answers(school.code, language="kk"))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert f"{SCHOOL_KK} директорына" in text
    assert "ӨТІНІШ" in text
    assert "Күні: 20.03.2026" in text
    assert "2022 жылғы 21 желтоқсандағы № 506 бұйрығымен бекітілген" in text
    assert "ақпарат түскен күннен бастап 1 жұмыс күні ішінде; 26.03.2026 кешіктірмей" in text
    assert "№ 506 бұйрық, 7–8-тармақтар" in text
    assert "Нұрлан" in text and "Сәрсенова Айгүл" in text


@pytest.mark.django_db
def test_a_post_without_the_csrf_token_is_refused(school: Any) -> None:
    response = csrf_client().post(reverse("parents-application"), answers(school.code))
    assert response.status_code == 403
    assert Report.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"school": "no-such-school"}, "school"),
        ({"language": "en"}, "language"),
        ({"what_happened": "bad"}, "what_happened"),
        ({"happened_from": "2099-01-01"}, "happened_from"),
        ({"happened_until": "2026-03-01"}, "happened_until"),
        ({"parent_name": ""}, "parent_name"),
        ({"action": "send", "parent_contact": ""}, "parent_contact"),
    ],
)
def test_bad_answers_are_a_422_naming_the_field(
    school: Any, changes: dict[str, Any], field: str
) -> None:
    with time_machine.travel(FRIDAY_BEFORE_NAURYZ, tick=False):
        response = post(csrf_client(), answers(school.code, **changes))
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_a_bot_filling_the_hidden_field_gets_no_letter_and_makes_no_report(
    school: Any,
) -> None:
    response = post(csrf_client(), answers(school.code, action="send", website="http://spam"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_a_psc_is_not_a_school(world: World) -> None:
    response = post(csrf_client(), answers(world.a.psc.code))
    assert response.status_code == 422
    assert "school" in response.context["form"].errors


# --- sending it as a report ------------------------------------------------------------------


@pytest.mark.django_db
def test_sending_makes_a_parents_report_of_the_school(school: Any) -> None:
    client = csrf_client()
    token = str(uuid.uuid4())
    data = answers(school.code, action="send", idempotency_token=token, setting="online")
    with time_machine.travel(FRIDAY_BEFORE_NAURYZ, tick=False):
        response = post(client, data)
    assert response.status_code == 200
    report = Report.objects.get()
    assert report.school == school and report.region == school.region
    assert report.received_by == school
    assert report.channel == "web_form"
    assert report.reporter_role == "parent"
    assert report.anonymous is False
    assert report.reporter_name == "Сәрсенова Айгүл Маратқызы"
    assert report.reporter_contact == "+77010000000"
    assert "высмеивают в чате класса" in report.narrative
    assert report.forms == ["bullying", "cyberbullying"] and report.setting == "online"
    # the bullying protocol's deadlines run from the report's receipt
    assert report.received_at == FRIDAY_BEFORE_NAURYZ
    facts = {
        "setting": report.setting,
        "forms": report.forms,
        "perpetrator": "schoolmate",
        "in_danger_now": False,
        "self_harm_risk": False,
        "risk_level": "medium",
        "repeated": True,
    }
    assert definitions.protocol_for(facts) == "bullying_outside_family"
    # the follow-up code is shown once, as on the report form's thank-you page
    code = response.context["followup_code"]
    assert code in response.content.decode()
    assert intake_services.followup_code_hash(code) == report.followup_code_hash
    assert "26.03.2026" in response.content.decode()  # the conversation's deadline
    # the letter can still be downloaded: its answers travel in the page, not the database
    assert ("what_happened", data["what_happened"]) in response.context["carried"]


@pytest.mark.django_db
def test_the_deadlines_shown_are_those_the_registered_case_runs_on(
    world: World, school: Any
) -> None:
    """Registered by the coordinator later the same day, the case's steps counted from
    the report's receipt fall on the days the parent was shown."""
    data = answers(school.code, action="send", idempotency_token=str(uuid.uuid4()))
    with time_machine.travel(FRIDAY_BEFORE_NAURYZ, tick=False):
        shown = post(csrf_client(), data)
    report = Report.objects.get()
    with time_machine.travel(FRIDAY_BEFORE_NAURYZ + timedelta(hours=5), tick=False):
        case = case_services.register_case(
            report=report, actor=world.coordinator_a, classification=CLASSIFICATION
        )
    step = Step.objects.get(run__case=case, key="legal_representatives_notice")
    assert step.due_at is not None
    due = step.due_at.astimezone(ALMATY).date()
    assert due == date(2026, 3, 26)
    assert guidance.format_day(due) in [row["due"] for row in shown.context["timeline"]]


@pytest.mark.django_db
def test_sending_the_same_form_twice_makes_one_report(school: Any) -> None:
    client = csrf_client()
    data = answers(school.code, action="send", idempotency_token=str(uuid.uuid4()))
    first = post(client, data)
    second = post(client, data)
    assert Report.objects.count() == 1
    assert first.context["followup_code"] == second.context["followup_code"]


# --- the rate limit --------------------------------------------------------------------------


@pytest.mark.django_db
def test_letters_are_rate_limited_per_address(school: Any, settings: Any) -> None:
    settings.REPORT_RATE_PER_HOUR = 2
    client = csrf_client()
    for _ in range(2):
        assert post(client, answers(school.code)).status_code == 200
    refused = post(client, answers(school.code))
    assert refused.status_code == 429
    assert "what_happened" in refused.context["form"].errors
    assert int(refused["Retry-After"]) > 0


@pytest.mark.django_db
def test_sending_shares_the_report_forms_limit(school: Any, settings: Any) -> None:
    """A parent who already sent reports through the school's form cannot send more here."""
    settings.REPORT_RATE_PER_HOUR = 1
    client = Client()
    form = reverse("report-form", args=[school.code])
    sent = client.post(
        form,
        {
            "narrative": "Someone takes my phone every day.",
            "anonymous": "on",
            "setting": "school",
            "reporter_role": "child",
        },
    )
    assert sent.status_code == 302
    refused = post(csrf_client(), answers(school.code, action="send"))
    assert refused.status_code == 429
    assert Report.objects.count() == 1
