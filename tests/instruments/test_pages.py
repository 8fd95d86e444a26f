"""Screening pages: the child's pages (no login, quick exit, the child's language, nothing
after submission), the psychologist's pages, outsiders' 404s, and the dashboard's
suppressed aggregates with pinned query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from qamqor.instruments import services
from qamqor.instruments.models import Administration
from tests.factories import World, make_pupil
from tests.instruments.conftest import PHQ_A_CALM, PHQ_A_ITEM_9, Pupils

pytestmark = pytest.mark.django_db


def _client(world: World, name: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(getattr(world, name))
    return client


def _answers(answers: dict[str, str]) -> dict[str, str]:
    return {f"a_{key}": value for key, value in answers.items()}


def test_the_child_answers_on_a_shared_tablet(screening_world: World, pupils: Pupils) -> None:
    _administration, code = services.invite(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="phq_a",
        language="kk",
    )
    tablet = Client()
    entry = tablet.get("/s/")
    assert entry.status_code == 200 and b"quick-exit" in entry.content
    wrong = tablet.post("/s/", {"code": "AAAAA-AAAAA"}, headers={"Accept-Language": "en"})
    assert wrong.status_code == 404 and b"not valid" in wrong.content
    started = tablet.post("/s/", {"code": code.lower()})
    assert started.status_code == 302 and started["Location"] == "/s/answer/"
    assert code not in started["Location"]
    page = tablet.get("/s/answer/")
    body = page.content.decode()
    assert page.status_code == 200 and 'class="quick-exit"' in body
    assert "Көңіл-күйің түсіп" in body  # Kazakh, as the psychologist chose
    assert "translation-note" in body  # the Kazakh text is not a validated version
    assert page["Cache-Control"].startswith("max-age=0")
    assert 'name="a_q9"' in body and "data-stepper" in body
    in_russian = tablet.get("/s/answer/?lang=ru").content.decode()
    assert "Плохое настроение" in in_russian
    missing = tablet.post("/s/answer/", {"lang": "kk", **_answers({"q1": "1"})})
    assert missing.status_code == 422 and b"field-invalid" in missing.content
    sent = tablet.post("/s/answer/", {"lang": "kk", **_answers(PHQ_A_ITEM_9)})
    assert sent.status_code == 302 and sent["Location"].startswith("/s/done/")
    # Sent again, its first answer lost on a dropped connection: thanks, not the code page.
    resent = tablet.post("/s/answer/", {"lang": "kk", **_answers(PHQ_A_ITEM_9)})
    assert resent.status_code == 302 and resent["Location"] == sent["Location"]
    done = tablet.get(sent["Location"])
    text = done.content.decode()
    assert done.status_code == 200 and "111" in text and "quick-exit" in text
    administration = Administration.objects.get()
    for secret in ("mild", "5", administration.band, "alert", pupils.a1.code):
        assert f">{secret}<" not in text and pupils.a1.code not in text
    # Back to the questions: the code is used up and gone from the session.
    assert tablet.get("/s/answer/")["Location"] == "/s/"
    again = tablet.post("/s/", {"code": code}, headers={"Accept-Language": "en"})
    assert again.status_code == 409 and b"already sent" in again.content


def test_the_one_time_link_keeps_the_code_out_of_the_address_bar(
    screening_world: World, pupils: Pupils
) -> None:
    _administration, code = services.invite(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="who5",
        language="ru",
    )
    phone = Client()
    opened = phone.get(f"/s/{code}/")
    assert opened["Location"] == "/s/answer/"
    page = phone.get("/s/answer/")
    assert (
        "рабочий перевод" in page.content.decode() or "working translation" in page.content.decode()
    )
    phone.post("/s/answer/", _answers({f"q{i}": "5" for i in range(1, 6)}))
    assert Administration.objects.get().score == 100


def test_the_psychologist_interviews_and_sees_the_result(
    screening_world: World, pupils: Pupils
) -> None:
    client = _client(screening_world, "psychologist_a")
    child_page = client.get(f"/screenings/children/{pupils.a1.code}/")
    assert child_page.status_code == 200
    started = client.post(
        f"/screenings/children/{pupils.a1.code}/",
        {"instrument": "phq_a", "mode": "interview", "language": "en"},
    )
    assert started.status_code == 302
    form = client.get(started["Location"])
    assert b"Thoughts that you would be better off dead" in form.content
    saved = client.post(started["Location"], _answers(PHQ_A_ITEM_9))
    assert saved.status_code == 302
    result = client.get(saved["Location"])
    body = result.content.decode()
    assert result.status_code == 200
    assert 'data-band="mild"' in body and "alert-box" in body and "Critical alert" in body
    assert "critical-answer" in body
    alert_id = Administration.objects.get().alerts.get().pk
    ack = client.post(f"/screenings/alerts/{alert_id}/acknowledge/")
    assert ack.status_code == 302
    assert "Acknowledged by" in client.get(saved["Location"]).content.decode()


def test_a_code_for_the_tablet_from_the_childs_page(screening_world: World, pupils: Pupils) -> None:
    client = _client(screening_world, "psychologist_a")
    started = client.post(
        f"/screenings/children/{pupils.a1.code}/",
        {"instrument": "gad7", "mode": "self", "language": "ru"},
    )
    page = client.get(started["Location"])
    administration = Administration.objects.get()
    assert services.access_code_for(administration).encode() in page.content
    refused = client.post(
        f"/screenings/children/{pupils.a1.code}/",
        {"instrument": "asq", "mode": "self", "language": "ru"},
    )
    assert refused.status_code == 422 and b"interview only" in refused.content


@pytest.mark.parametrize(
    "outsider", ["psychologist_a2", "psychologist_b", "coordinator_a", "regional_a", "monitor"]
)
def test_outsiders_get_404_on_every_screening_page(
    screening_world: World, pupils: Pupils, outsider: str
) -> None:
    _administration, code = services.invite(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="phq_a",
        language="ru",
    )
    done = services.submit_by_code(code=code, answers=PHQ_A_ITEM_9)
    open_interview = services.start_interview(
        actor=screening_world.psychologist_a,
        child=pupils.a1,
        instrument_code="gad7",
        language="ru",
    )
    alert = done.alerts.get()
    client = _client(screening_world, outsider)
    for url in (
        f"/screenings/{done.public_id}/",
        f"/screenings/{done.public_id}/fhir/",
        f"/screenings/{done.public_id}/code/",
        f"/screenings/{open_interview.public_id}/answer/",
        f"/screenings/children/{pupils.a1.code}/",
    ):
        assert client.get(url).status_code == 404, (outsider, url)
    assert client.post(f"/screenings/alerts/{alert.pk}/acknowledge/").status_code == 404
    own = _client(screening_world, "psychologist_a").get("/screenings/alerts/")
    assert own.status_code == 200 and pupils.a1.code.encode() in own.content
    alerts = client.get("/screenings/alerts/")
    if outsider.startswith("psychologist"):  # a psychologist has an alerts page, without A1's
        assert alerts.status_code == 200
        assert alerts.context["alerts"] == []
        assert pupils.a1.code.encode() not in alerts.content
    else:  # the others have no screening pages at all
        assert alerts.status_code == 404


def test_the_library_says_which_translations_are_not_validated(screening_world: World) -> None:
    client = _client(screening_world, "psychologist_a")
    library = client.get("/screenings/instruments/").content.decode()
    assert "working translation, not validated" in library
    detail = client.get("/screenings/instruments/cssrs_screener/").content.decode()
    assert "Qamqor working translation" in detail and "93373-9" in detail
    assert Client().get("/screenings/instruments/gad7/fhir/").json()["resourceType"] == (
        "Questionnaire"
    )


def test_the_home_page_and_nav_link(
    screening_world: World, pupils: Pupils, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        _a, code = services.invite(
            actor=screening_world.psychologist_a,
            child=pupils.a1,
            instrument_code="phq_a",
            language="ru",
        )
        services.submit_by_code(code=code, answers=PHQ_A_ITEM_9)
    client = _client(screening_world, "psychologist_a")
    client.get("/")
    with django_assert_max_num_queries(16):
        home = client.get("/screenings/")
    assert home.status_code == 200 and home.content.count(b"overdue-row") == 5
    assert b'href="/screenings/"' in client.get("/").content
    police = _client(screening_world, "police_a")
    police_home = police.get("/")
    assert police_home.status_code == 200 and b'href="/cases/"' in police_home.content
    assert b'href="/screenings/"' not in police_home.content
    assert police.get("/screenings/").status_code == 404


def _fill(world: World, count: int, school: Any, answers: dict[str, str], **pupil: Any) -> None:
    for _ in range(count):
        child = make_pupil(school, **pupil)
        actor = world.psychologist_a if school == world.a.school else world.psychologist_b
        _a, code = services.invite(actor=actor, child=child, instrument_code="phq_a", language="ru")
        services.submit_by_code(code=code, answers=answers)


def test_the_dashboard_suppresses_small_cells(
    screening_world: World, django_assert_max_num_queries: Any
) -> None:
    world = screening_world
    _fill(world, 12, world.a.school, PHQ_A_CALM)
    _fill(world, 3, world.a.school, PHQ_A_ITEM_9)  # 3 "mild": a small cell
    _fill(world, 11, world.b.school, PHQ_A_CALM)
    monitor = _client(world, "monitor")
    with django_assert_max_num_queries(14):
        page = monitor.get("/screenings/dashboard/?instrument=phq_a:1&group_by=region")
    body = page.content.decode()
    assert page.status_code == 200 and 'class="suppressed"' in body
    assert ">3<" not in body
    api = monitor.get("/api/v1/screenings/aggregates?instrument=phq_a&group_by=region").json()
    rows = {row["group"]: row["counts"] for row in api["rows"]}
    region_a = rows[str(world.a.region.pk)]
    assert region_a[1] is None  # mild: 3 < 10
    assert sum(cell is None for cell in region_a[:-1]) >= 2
    assert rows[str(world.b.region.pk)][0] == 11
    assert api["small_cell_minimum"] == 10
    assert all(n is None or n == 0 or n >= 10 for row in rows.values() for n in row)
    regional = _client(world, "regional_a").get("/api/v1/screenings/aggregates?instrument=phq_a")
    assert [row["group"] for row in regional.json()["rows"]] == [str(world.a.region.pk)]
    for nobody in ("psychologist_a", "coordinator_a", "psc_a"):
        assert _client(world, nobody).get("/screenings/dashboard/").status_code == 404
        assert (
            _client(world, nobody).get("/api/v1/screenings/aggregates?instrument=phq_a").status_code
            == 404
        )
    bad = monitor.get("/api/v1/screenings/aggregates?instrument=phq_a&group_by=shoe")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "group_by"


def test_a_school_psychologist_records_a_new_pupil_and_the_change_is_audited(
    screening_world: World,
) -> None:
    from qamqor.audit.models import AuditEvent
    from qamqor.cases.models import Child

    world = screening_world
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.psychologist_a)
    client.get("/screenings/children/")
    token = str(client.cookies["csrftoken"].value)
    data = {"class_label": "6C", "birth_date": "2014-03-02", "sex": "girl"}
    response = client.post("/screenings/children/", {**data, "csrfmiddlewaretoken": token})
    child = Child.objects.get(class_label="6C")
    assert (
        response.status_code == 302
        and response["Location"] == f"/screenings/children/{child.code}/"
    )
    assert (child.school, child.region, child.sex) == (world.a.school, world.a.region, "girl")
    [event] = AuditEvent.objects.filter(action="child.create")
    assert (event.actor_id, event.object_type, event.object_id) == (
        world.psychologist_a.pk,
        "child",
        child.code,
    )
    # A PSC psychologist screens children but has no school to record them in.
    psc = _client(world, "psc_a")
    refused = psc.post("/screenings/children/", data)
    assert refused.status_code == 403
    assert "Only a school psychologist records new pupils." in refused.content.decode()
    assert Child.objects.filter(class_label="6C").count() == 1
    assert AuditEvent.objects.filter(action="child.create").count() == 1
