"""Changes to the tracker: only the coordinating body makes them, each is kept in the
history with who made it (role, organisation, user), and each is audited."""

from __future__ import annotations

import pytest
from django.db import transaction

from qamqor.audit.models import AuditEvent
from qamqor.errors import InvalidInput, NotAllowed
from qamqor.files import CheckedFile, check_content
from qamqor.oversight import services
from qamqor.oversight.models import AppendOnly, Change, Status
from tests.oversight.conftest import Tracker
from tests.pdfs import clean_pdf, pdf_with_document_javascript

pytestmark = pytest.mark.django_db


def test_a_status_change_is_recorded_with_who_when_and_why(tracker: Tracker) -> None:
    rec = tracker.recommendation("1.2.1")
    services.change_status(
        actor=tracker.coordinator,
        recommendation=rec,
        status=Status.IN_PROGRESS,
        note="Order drafted; consultation with CPCR under way.",
        responsible_organisation=tracker.ministry,
    )
    services.change_status(
        actor=tracker.coordinator,
        recommendation=rec,
        status=Status.IMPLEMENTED,
        note="Order signed.",
        responsible_organisation=tracker.ministry,
    )
    first, second = Change.objects.filter(recommendation=rec).order_by("pk")
    assert (first.old_status, first.new_status) == (Status.NOT_STARTED, Status.IN_PROGRESS)
    assert (second.old_status, second.new_status) == (Status.IN_PROGRESS, Status.IMPLEMENTED)
    assert first.actor == tracker.coordinator
    assert first.actor_role == "national_coordinator"
    assert first.actor_organisation == tracker.body
    assert first.new_responsible_organisation == tracker.ministry
    assert first.responsible_changed and not second.responsible_changed
    assert second.note == "Order signed."
    rec.refresh_from_db()
    assert rec.status == Status.IMPLEMENTED and rec.responsible == tracker.ministry.name
    event = AuditEvent.objects.filter(action="oversight.status").latest("id")
    assert event.actor_id == tracker.coordinator.pk and event.object_id == "1.2.1"
    assert event.changes["status"] == ["in_progress", "implemented"]


def test_a_status_change_needs_a_note(tracker: Tracker) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.change_status(
            actor=tracker.coordinator,
            recommendation=tracker.recommendation("1.2.1"),
            status=Status.REJECTED,
        )
    assert refused.value.errors[0].field == "note"
    assert not Change.objects.exists()


def test_nothing_changed_and_no_note_is_refused(tracker: Tracker) -> None:
    with pytest.raises(InvalidInput):
        services.change_status(
            actor=tracker.coordinator,
            recommendation=tracker.recommendation("1.2.1"),
            status=Status.NOT_STARTED,
        )


def test_a_note_alone_is_recorded_as_progress(tracker: Tracker) -> None:
    services.change_status(
        actor=tracker.coordinator,
        recommendation=tracker.recommendation("2.2.2"),
        status=Status.NOT_STARTED,
        note="Working group meets next month.",
    )
    change = Change.objects.get()
    assert not change.status_changed and change.note == "Working group meets next month."


def test_only_the_coordinating_body_changes_a_status(tracker: Tracker) -> None:
    for user in (tracker.psychologist, tracker.monitor):
        with pytest.raises(NotAllowed):
            services.change_status(
                actor=user,
                recommendation=tracker.recommendation("1.2.1"),
                status=Status.IN_PROGRESS,
                note="Not mine to say.",
            )
    assert not Change.objects.exists()


def test_the_history_is_append_only(tracker: Tracker) -> None:
    services.change_status(
        actor=tracker.coordinator,
        recommendation=tracker.recommendation("1.2.1"),
        status=Status.IN_PROGRESS,
        note="Started.",
    )
    change = Change.objects.get()
    change.note = "Rewritten."
    with pytest.raises(AppendOnly):
        change.save()
    with pytest.raises(AppendOnly):
        change.delete()


def test_the_change_is_a_unit_of_work(tracker: Tracker) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        services.change_status(
            actor=tracker.coordinator,
            recommendation=tracker.recommendation("1.2.1"),
            status=Status.IN_PROGRESS,
            note="Nested.",
        )


def _pdf() -> CheckedFile:
    return check_content("order-506.pdf", clean_pdf(), field="document", limit=10_000_000)


def test_evidence_is_kept_encrypted_and_recorded(tracker: Tracker) -> None:
    rec = tracker.recommendation("1.1.1")
    evidence = services.add_evidence(
        actor=tracker.coordinator,
        recommendation=rec,
        title="Draft consolidated order",
        url="https://legalacts.egov.kz/npa/view?id=1",
        document=_pdf(),
        note="Published for public discussion.",
    )
    assert evidence.document is not None
    assert bytes(evidence.document.content) == clean_pdf()
    change = Change.objects.get(recommendation=rec)
    assert change.kind == Change.Kind.EVIDENCE and change.evidence == evidence
    assert change.actor == tracker.coordinator
    assert AuditEvent.objects.filter(action="oversight.evidence", object_id="1.1.1").exists()


def test_evidence_needs_a_link_or_a_document(tracker: Tracker) -> None:
    with pytest.raises(InvalidInput):
        services.add_evidence(
            actor=tracker.coordinator, recommendation=tracker.recommendation("1.1.1"), title="x"
        )
    with pytest.raises(InvalidInput):
        services.add_evidence(
            actor=tracker.coordinator,
            recommendation=tracker.recommendation("1.1.1"),
            title="x",
            url="javascript:alert(1)",
        )


def test_a_pdf_with_scripts_is_refused_as_evidence() -> None:
    with pytest.raises(InvalidInput):
        check_content("x.pdf", pdf_with_document_javascript(), field="document", limit=10**7)
