"""Training services: the coordinating body keeps the catalogue; a specialist records
planned and completed programmes with certificates; coordinators schedule a PSC's
methodological day and record attendance. Each change is audited."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils.timezone import localdate

from qamqor.audit.models import AuditEvent
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.files import check_content
from qamqor.training import services
from qamqor.training.models import Attendance, Enrolment, MethodologicalDay, Module, Programme
from qamqor.training.services import ModuleSpec
from tests.factories import World
from tests.pdfs import clean_pdf
from tests.training.conftest import add_programme, complete

pytestmark = pytest.mark.django_db

MODULES = [
    ModuleSpec(hours=8, title_kk="Кіріспе", title_ru="Введение", title_en="Introduction"),
    ModuleSpec(hours=16, title_kk="Тәжірибе", title_ru="Практика", title_en="Practice"),
]


def _pdf() -> object:
    return check_content("certificate.pdf", clean_pdf(), field="certificate", limit=10**6)


def test_the_coordinating_body_adds_a_programme_with_modules(world: World) -> None:
    programme = add_programme(world, modules=MODULES)
    assert programme.code == "bullying-basics"
    assert [m.title_en for m in programme.modules.all()] == ["Introduction", "Practice"]
    assert programme.topic_labels == ["bullying", "cyberbullying"]
    assert AuditEvent.objects.filter(
        action="training.programme.create", object_id="bullying-basics"
    ).exists()


@pytest.mark.parametrize("persona", ["regional_a", "coordinator_a", "monitor", "psc_a"])
def test_only_the_coordinating_body_keeps_the_catalogue(world: World, persona: str) -> None:
    with pytest.raises(NotAllowed):
        services.create_programme(
            actor=world.users[persona],
            code="x",
            title_kk="x",
            title_ru="x",
            title_en="x",
            provider_kind="state",
            provider_name="Orleu",
            hours=2,
            format="online",
            topics=["violence"],
            target_roles=["psc_psychologist"],
        )
    assert not Programme.objects.exists()


def test_a_programme_is_refused_when_its_parts_do_not_fit(world: World) -> None:
    with pytest.raises(InvalidInput) as hours:
        add_programme(world, modules=MODULES[:1])
    assert hours.value.errors[0].field == "modules"
    with pytest.raises(InvalidInput) as topic:
        add_programme(world, topics=["gossip"])
    assert topic.value.errors[0].field == "topics"
    with pytest.raises(InvalidInput) as role:
        add_programme(world, target_roles=["monitor"])
    assert role.value.errors[0].field == "target_roles"
    add_programme(world)
    with pytest.raises(InvalidInput) as code:
        add_programme(world)
    assert code.value.errors[0].field == "code"


def test_edit_then_retire_keeps_the_records_that_hold_it(world: World) -> None:
    programme = add_programme(world)
    complete(world.psychologist_a, programme, localdate() - timedelta(days=3))
    changed = services.update_programme(
        actor=world.national,
        programme=programme,
        modules=[ModuleSpec(30, "a", "b", "c")],
        **{**_fields(programme), "hours": 30},
    )
    assert changed.hours == 30 and Module.objects.get().hours == 30
    # the completed enrolment keeps the hours it counted for
    assert Enrolment.objects.get().hours == 24
    retired = services.retire_programme(actor=world.national, programme=programme)
    assert retired.retired
    with pytest.raises(Conflict):
        services.retire_programme(actor=world.national, programme=retired)
    with pytest.raises(Conflict):
        services.update_programme(actor=world.national, programme=retired, **_fields(retired))
    with pytest.raises(InvalidInput):
        services.record_enrolment(actor=world.psc_a, programme=retired, status="planned")
    assert Enrolment.objects.get().programme == retired


def _fields(programme: Programme) -> dict[str, Any]:
    return {name: getattr(programme, name) for name in services.PROGRAMME_FIELDS}


def test_a_planned_programme_is_completed_in_place(world: World) -> None:
    programme = add_programme(world)
    planned = services.record_enrolment(
        actor=world.psychologist_a,
        programme=programme,
        status="planned",
        planned_for=date(2030, 3, 1),
    )
    done = complete(world.psychologist_a, programme, localdate(), certificate=_pdf())
    assert done.pk == planned.pk
    assert Enrolment.objects.count() == 1
    assert done.status == "completed" and done.hours == 24
    assert done.certificate is not None and bytes(done.certificate.content) == clean_pdf()
    assert AuditEvent.objects.filter(action="training.enrolment.complete").count() == 1


def test_a_certificate_is_encrypted_at_rest(world: World) -> None:
    done = complete(world.psychologist_a, add_programme(world), localdate(), certificate=_pdf())
    assert done.certificate is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT content FROM training_certificate WHERE id = %s", [done.certificate.pk]
        )
        stored = bytes(cursor.fetchone()[0])
    assert b"%PDF-" not in stored


def test_a_completion_is_checked(world: World) -> None:
    programme = add_programme(world)
    alternative = add_programme(
        world, code="alt", provider_kind="alternative", provider_name="NGO course"
    )
    with pytest.raises(InvalidInput) as future:
        complete(world.psc_a, programme, localdate() + timedelta(days=2))
    assert future.value.errors[0].field == "completed_on"
    with pytest.raises(InvalidInput) as missing:
        complete(world.psc_a, alternative, localdate())
    assert missing.value.errors[0].field == "certificate"
    complete(world.psc_a, alternative, localdate(), certificate=_pdf())
    with pytest.raises(NotAllowed):  # a regional coordinator keeps no record of their own
        complete(world.regional_a, programme, localdate())


def test_entry_points_are_units_of_work(world: World) -> None:
    programme = add_programme(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.add_enrolment(actor=world.psc_a, programme=programme, status="planned")


def test_a_regional_coordinator_schedules_a_day_and_records_attendance(world: World) -> None:
    programme = add_programme(world)
    day = services.schedule_day(
        actor=world.regional_a,
        psc=world.a.psc,
        held_on=localdate(),
        topic="suicidal_behaviour",
        programme=programme,
    )
    with pytest.raises(InvalidInput) as other_region:
        services.schedule_day(
            actor=world.regional_b, psc=world.a.psc, held_on=localdate(), topic="violence"
        )
    assert other_region.value.errors[0].field == "psc"
    with pytest.raises(InvalidInput):
        services.schedule_day(
            actor=world.regional_a, psc=world.a.school, held_on=localdate(), topic="violence"
        )
    services.record_attendance(actor=world.regional_a, day=day, present=[world.psc_a])
    assert list(Attendance.objects.values_list("specialist__username", "present")) == [
        ("psc_a", True)
    ]
    with pytest.raises(InvalidInput):  # only the PSC's own staff
        services.record_attendance(actor=world.regional_a, day=day, present=[world.psc_b])
    with pytest.raises(NotAllowed):
        services.record_attendance(actor=world.regional_b, day=day, present=[])
    later = services.schedule_day(
        actor=world.national,
        psc=world.b.psc,
        held_on=localdate() + timedelta(days=7),
        topic="bullying",
    )
    with pytest.raises(InvalidInput):  # not before the day
        services.record_attendance(actor=world.national, day=later, present=[world.psc_b])
    assert MethodologicalDay.objects.count() == 2
    assert AuditEvent.objects.filter(action="training.day.attendance").count() == 1


def test_a_certificate_moves_to_the_new_key_on_rotation(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    old = Fernet.generate_key().decode()
    monkeypatch.setenv("QAMQOR_DATA_KEYS", old)
    done = complete(world.psychologist_a, add_programme(world), localdate(), certificate=_pdf())
    new = Fernet.generate_key().decode()
    monkeypatch.setenv("QAMQOR_DATA_KEYS", f"{new},{old}")
    call_command("keys", "rotate-fields", stdout=io.StringIO())
    monkeypatch.setenv("QAMQOR_DATA_KEYS", new)  # the old key is gone
    certificate = Enrolment.objects.get(pk=done.pk).certificate
    assert certificate is not None and bytes(certificate.content) == clean_pdf()
