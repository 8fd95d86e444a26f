"""Who opens a specialist's training record and a PSC's methodological days: the
specialist, the head of their organisation, the coordinator of its region and the
national coordinator; anyone else (another school, another region, a monitor) gets 404."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils.timezone import localdate

from qamqor.accounts.models import Role, User
from qamqor.audit.models import AuditEvent
from qamqor.training import selectors, services
from qamqor.training.models import Enrolment, MethodologicalDay
from tests.factories import World, make_user
from tests.training.conftest import add_programme, complete

pytestmark = pytest.mark.django_db


def _sees(viewer: User, specialist: User) -> bool:
    try:
        selectors.specialist_record(viewer, specialist.pk)
    except Http404:
        return False
    return True


def test_who_opens_a_school_psychologists_record(trained: World) -> None:
    world = trained
    complete(world.psychologist_a, add_programme(world), localdate())
    expected = {
        "psychologist_a": True,  # their own
        "coordinator_a": True,  # the school's coordinator (its head for this record)
        "regional_a": True,
        "national": True,
        "coordinator_a2": False,  # another school, same region
        "psc_head_a": False,  # not their organisation
        "regional_b": False,  # another region
        "coordinator_b": False,
        "monitor": False,
        "psc_a": False,
        "police_a": False,
    }
    seen = {name: _sees(world.users[name], world.psychologist_a) for name in expected}
    assert seen == expected
    for name, sees in expected.items():
        rows = Enrolment.objects.restrict(world.users[name], "view")
        assert rows.filter(specialist=world.psychologist_a).exists() == sees, name


def test_a_psc_head_opens_the_records_of_the_pscs_staff(trained: World) -> None:
    assert _sees(trained.psc_head_a, trained.psc_a)
    assert not _sees(trained.psc_head_a, trained.psc_b)
    assert not _sees(trained.psc_a, trained.psc_head_a)
    # a colleague at the same school is not its head
    assert not _sees(trained.psychologist_a, trained.coordinator_a)


def test_reading_a_record_is_audited(trained: World) -> None:
    selectors.specialist_record(trained.regional_a, trained.psychologist_a.pk)
    event = AuditEvent.objects.get(action="training.record.view")
    assert event.actor_id == trained.regional_a.pk
    assert event.object_id == str(trained.psychologist_a.pk)


def test_the_staff_list_holds_the_reachable_specialists_with_their_hours(
    trained: World,
) -> None:
    world = trained
    programme = add_programme(world)
    complete(world.psychologist_a, programme, localdate())
    year = localdate().year
    rows = {
        u.username: (u.completed, u.hours)  # type: ignore[attr-defined]
        for u in selectors.specialist_list(world.coordinator_a, year=year)
    }
    assert rows == {"psychologist_a": (1, 24)}
    regional = {u.username for u in selectors.specialist_list(world.regional_a, year=year)}
    assert regional == {
        "coordinator_a",
        "coordinator_a2",
        "psychologist_a",
        "psc_a",
        "psc_head_a",
        "police_a",
        "guardianship_a",
        "clinic_a",
        "duty_a",
    }
    assert not selectors.specialist_list(world.monitor, year=year).exists()


def test_a_pscs_days_are_seen_by_its_staff_and_its_coordinators(trained: World) -> None:
    world = trained
    day = services.schedule_day(
        actor=world.regional_a, psc=world.a.psc, held_on=localdate(), topic="violence"
    )
    sees = {
        name: MethodologicalDay.objects.restrict(world.users[name], "view")
        .filter(pk=day.pk)
        .exists()
        for name in (
            "psc_a",
            "psc_head_a",
            "regional_a",
            "national",
            "psc_b",
            "regional_b",
            "coordinator_a",
            "monitor",
        )
    }
    assert sees == {
        "psc_a": True,
        "psc_head_a": True,
        "regional_a": True,
        "national": True,
        "psc_b": False,
        "regional_b": False,
        "coordinator_a": False,
        "monitor": False,
    }
    with pytest.raises(Http404):
        selectors.get_day(world.psc_b, day.public_id)
    with pytest.raises(Http404):
        selectors.get_day(world.psc_a, day.public_id, "manage")


def test_a_school_head_opens_the_records_of_the_schools_staff(trained: World) -> None:
    head = make_user("head_a", trained.a.school, Role.SCHOOL_HEAD)
    assert _sees(head, trained.psychologist_a)
    assert not _sees(head, trained.coordinator_a2)
