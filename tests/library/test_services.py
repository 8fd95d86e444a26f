"""Publishing a version briefs exactly the roles it names; the coverage shows exactly who
is missing, within the reader's regions; acknowledging updates it; reminders go once a
day, only to those missing; the real documents load as references."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from django.db import transaction
from django.http import Http404

from qamqor.accounts.models import Role
from qamqor.errors import InvalidInput, NotAllowed
from qamqor.library import selectors, services
from qamqor.library.models import Acknowledgement, Document, DocumentVersion
from qamqor.notify.models import Notification
from tests.library.conftest import BRIEFED, Library

pytestmark = pytest.mark.django_db


def _missing(user: object, version: DocumentVersion, region: str = "") -> set[str]:
    report = selectors.coverage(user, version, region_code=region)
    return {ack.user.username for ack in report.missing}


def test_publishing_briefs_every_active_member_of_the_named_roles_once(library: Library) -> None:
    version = library.publish()
    briefed = set(
        Acknowledgement.objects.filter(version=version).values_list("user__username", flat=True)
    )
    assert briefed == BRIEFED  # not the inactive user, not the ended membership, no coordinator
    assert version.sequence == 1 and version.roles == ["psc_psychologist", "school_psychologist"]
    notices = Notification.objects.filter(template="library_briefing")
    assert set(notices.filter(channel="in_app").values_list("recipient__username", flat=True)) == (
        BRIEFED
    )
    assert notices.filter(channel="email").count() == len(BRIEFED)
    assert "Methodology 2026, edition 1" in notices.filter(channel="in_app").first().subject  # type: ignore[union-attr]


def test_the_coverage_shows_exactly_who_is_missing_and_acknowledging_updates_it(
    library: Library,
) -> None:
    world = library.world
    version = library.publish()
    assert _missing(world.national, version) == BRIEFED
    report = selectors.coverage(world.national, version)
    assert (report.due, report.done) == (5, 0)
    ack = selectors.get_acknowledgement(world.psychologist_a, _ack(version, "psychologist_a"))
    services.acknowledge(actor=world.psychologist_a, acknowledgement=ack, read=True)
    assert _missing(world.national, version) == BRIEFED - {"psychologist_a"}
    rows = {
        (row.region, row.role): (row.due, row.done)
        for row in selectors.coverage(world.national, version).rows
    }
    assert rows == {
        ("Almaty", "school psychologist"): (2, 1),
        ("Almaty", "PSC psychologist"): (1, 0),
        ("Astana", "school psychologist"): (1, 0),
        ("Astana", "PSC psychologist"): (1, 0),
    }
    again = services.acknowledge(actor=world.psychologist_a, acknowledgement=ack, read=True)
    assert again.acknowledged_at == Acknowledgement.objects.get(pk=ack.pk).acknowledged_at


def test_a_regional_coordinator_sees_only_their_region(library: Library) -> None:
    world = library.world
    version = library.publish()
    assert _missing(world.regional_a, version) == {"psychologist_a", "psychologist_a2", "psc_a"}
    assert _missing(world.regional_b, version) == {"psychologist_b", "psc_b"}
    assert _missing(world.regional_a, version, "KZ-75") == {
        "psychologist_a",
        "psychologist_a2",
        "psc_a",
    }
    with pytest.raises(Http404):
        selectors.coverage(world.regional_a, version, region_code="KZ-71")
    assert _missing(world.national, version, "KZ-71") == {"psychologist_b", "psc_b"}


def test_only_the_briefed_person_acknowledges(library: Library) -> None:
    world = library.world
    version = library.publish()
    ack = Acknowledgement.objects.get(version=version, user=world.psychologist_a)
    with pytest.raises(Http404):
        selectors.get_acknowledgement(world.psychologist_b, ack.public_id)
    with pytest.raises(NotAllowed):
        services.acknowledge(actor=world.psychologist_b, acknowledgement=ack, read=True)
    with pytest.raises(InvalidInput):
        services.acknowledge(actor=world.psychologist_a, acknowledgement=ack, read=False)
    assert Acknowledgement.objects.get(pk=ack.pk).acknowledged_at is None


def test_reminders_go_only_to_those_missing_and_once_a_day(library: Library) -> None:
    world = library.world
    version = library.publish()
    today = services.local_today()
    assert services.send_briefing_reminders(today=today) == 0  # told today on publication
    ack = Acknowledgement.objects.get(version=version, user=world.psychologist_a)
    services.acknowledge(actor=world.psychologist_a, acknowledgement=ack, read=True)
    tomorrow = today + timedelta(days=1)
    assert services.send_briefing_reminders(today=tomorrow) == 4
    assert services.send_briefing_reminders(today=tomorrow) == 0  # not twice in one day
    reminded = Notification.objects.filter(template="library_briefing_reminder", channel="in_app")
    assert set(reminded.values_list("recipient__username", flat=True)) == BRIEFED - {
        "psychologist_a"
    }
    assert reminded.count() == 4
    assert services.send_briefing_reminders(today=tomorrow + timedelta(days=1)) == 4
    assert reminded.count() == 8
    assert selectors.coverage(world.national, version).missing[0].reminders == 2


def test_only_the_coordinating_body_publishes(library: Library) -> None:
    with pytest.raises(NotAllowed):
        services.publish_version(
            actor=library.world.regional_a,
            document=library.methodology,
            number="x",
            summary_kk="a",
            summary_ru="b",
            summary_en="c",
            affected_roles=[Role.SCHOOL_PSYCHOLOGIST],
        )
    assert not Acknowledgement.objects.exists()


def test_a_later_version_says_what_changed_and_its_summary_is_compared(library: Library) -> None:
    library.publish()
    with pytest.raises(InvalidInput) as refused:
        library.publish(number="Methodology 2026, edition 2")
    assert refused.value.errors[0].field == "changes_en"
    second = library.publish(
        number="Methodology 2026, edition 2",
        summary_en="The school psychologist holds the conversation within 2 working days.",
        changes_en="The deadline is two working days.",
        affected_roles=[Role.SCHOOL_PSYCHOLOGIST],
    )
    assert second.sequence == 2
    assert Acknowledgement.objects.filter(version=second).count() == 3
    newest, first = selectors.versions_of(library.methodology)
    assert first.diff is None
    assert newest.diff is not None
    changed = [(piece.kind, piece.text) for piece in newest.diff if piece.kind != "equal"]
    assert changed == [("delete", "1"), ("insert", "2"), ("delete", "day."), ("insert", "days.")]


def test_publishing_is_a_unit_of_work_of_its_own(library: Library) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        library.publish()


def test_the_real_documents_load_as_references_and_again_changes_nothing() -> None:
    result = services.load_documents()
    assert result.documents == 8 and result.versions_created == 12
    order = Document.objects.get(code="order-506-bullying-prevention")
    assert order.reference == "Adilet V2200031180"
    assert list(order.versions.values_list("number", flat=True)) == [
        "Order No. 506 of 21.12.2022",
        "Amended by Order No. 186 (2023)",
        "Amended by Order No. 192 of 25.07.2024",
        "Amended by Order No. 54 (2025)",
    ]
    assert not Acknowledgement.objects.exists()  # loading briefs nobody
    assert services.load_documents().versions_created == 0


def test_coordinators_share_materials_found_in_any_language(library: Library) -> None:
    world = library.world
    material = services.add_material(
        actor=world.regional_a,
        title_ru="Буллинг в чатах: разбор случаев",
        summary_en="How one region handled class chat bullying.",
        topics=["bullying"],
        roles=[Role.SCHOOL_PSYCHOLOGIST],
        url="https://example.invalid/practice",
    )
    assert material.region == world.a.region and material.organisation == world.a.education
    national = services.add_material(
        actor=world.national,
        title_en="Suicide risk first talk",
        topics=["suicide"],
        url="https://example.invalid/x",
    )
    assert national.region is None
    reader = world.police_b
    assert list(selectors.material_list(reader, q="БУЛЛИНГ")) == [material]
    assert list(selectors.material_list(reader, q="CHAT bullying")) == [material]
    assert list(selectors.material_list(reader, topic="suicide")) == [national]
    assert set(selectors.material_list(reader, role="psc_psychologist")) == {national}
    with pytest.raises(NotAllowed):
        services.add_material(
            actor=world.psychologist_a, title_en="x", topics=["bullying"], url="https://e.invalid"
        )


def _ack(version: DocumentVersion, username: str) -> UUID:
    return Acknowledgement.objects.get(version=version, user__username=username).public_id


def test_the_worker_sweep_sends_the_reminders(library: Library) -> None:
    from qamqor.worker import run_sweeps

    version = library.publish()
    yesterday = services.local_today() - timedelta(days=1)
    Acknowledgement.objects.filter(version=version).update(notified_on=yesterday)
    assert run_sweeps()["briefings_reminded"] == len(BRIEFED)
    assert run_sweeps()["briefings_reminded"] == 0
