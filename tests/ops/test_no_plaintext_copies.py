"""No plaintext copy of personal data outside the encrypted fields (docs/security.md).

A world where a report was made, the case registered, the child and the legal
representatives recorded, the protocol's notice reviewed and sent by email and SMS, and
the case's steps worked: every table and column of the database is then read raw and
must not hold a child's or a parent's name, contact or the narrative in clear.
"""

from __future__ import annotations

import pytest
from django.db import connection

from qamqor.audit import services as audit
from qamqor.audit.models import AuditEvent
from qamqor.cases import parties
from qamqor.cases import services as case_services
from qamqor.cases.models import Case, CaseEvent
from qamqor.intake import services as intake_services
from qamqor.notify.models import Notification
from qamqor.protocols import notices
from qamqor.protocols import services as protocol_services
from qamqor.protocols.models import RepresentativeNotice, Step
from qamqor.protocols.outputs import sample_output
from tests.factories import CLASSIFICATION, REPORT_DATA, World, actor_for

CHILD = "Aigerim Scanova"
PARENT = "Bolat Scanov"
EMAIL = "bolat.scanov@test.qamqor.invalid"
PHONE = "+77015550199"
NARRATIVE = "Scan-narrative: pushed down the stairs after class"
REPORTER = "Reporter Scanbek"
SECRETS = (CHILD, PARENT, EMAIL, PHONE, NARRATIVE, REPORTER)


def raw_database_text(*, skip: tuple[str, ...] = ()) -> str:
    """Every value of every table, as the database holds it (a dump, a replica, a disk),
    but the tables in ``skip``."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in skip:
                continue
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the catalogue
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def world_with_notices_sent(world: World) -> None:
    report = intake_services.submit_report(
        school=world.a.school,
        data={**REPORT_DATA, "narrative": NARRATIVE, "reporter_name": REPORTER},
    ).report
    case = case_services.register_case(
        report=report, actor=world.coordinator_a, classification=CLASSIFICATION
    )
    parties.attach_child(
        case=case, actor=world.coordinator_a, data={"full_name": CHILD, "sex": "girl"}
    )
    case.refresh_from_db()
    parties.add_legal_representative(
        case=case,
        actor=world.coordinator_a,
        data={
            "full_name": PARENT,
            "relationship": "father",
            "email": EMAIL,
            "phone": PHONE,
            "language": "ru",
        },
    )
    step = Step.objects.get(case=case, key="legal_representatives_notice", run__ended_at=None)
    output = {
        **sample_output(step.spec, "x"),
        "conversation_on": "2026-12-07",
        "conversation_time": "15:00",
        "conversation_place": "Room 12",
    }
    protocol_services.complete_step(step=step, actor=world.coordinator_a, output=output)
    notices.confirm(notice=RepresentativeNotice.objects.get(step=step), actor=world.coordinator_a)
    protocol_services.reclassify(
        case=case,
        actor=world.coordinator_a,
        classification={**CLASSIFICATION, "risk_level": "high"},
        reason=f"{CHILD} was hurt again",
    )
    # staff write about the child in step answers, reasons and the closing note
    for _round in range(20):
        open_steps = Step.objects.filter(case=case, status=Step.Status.OPEN).order_by("position")
        if not open_steps:
            break
        for step in open_steps.select_related("run__protocol", "organisation", "case"):
            actor = actor_for(world, step.organisation)
            actor.interview_qualified = True
            actor.save(update_fields=["interview_qualified"])
            answer = sample_output(step.spec, f"{CHILD} told us what happened")
            protocol_services.complete_step(step=step, actor=actor, output=answer)
    case_services.close_case(
        case=case, actor=world.coordinator_a, outcome="resolved", note=f"{CHILD} is safe"
    )
    other = intake_services.submit_report(school=world.a.school, data=REPORT_DATA).report
    intake_services.dismiss_report(
        report=other, actor=world.coordinator_a, reason=f"Duplicate of {CHILD}'s report"
    )


def test_the_world_has_what_the_scan_looks_for(world: World) -> None:
    world_with_notices_sent(world)
    sent = Notification.objects.to_address(EMAIL, PHONE)
    assert {n.channel for n in sent} == {"email", "sms"}
    child = Case.objects.get(status=Case.Status.CLOSED).child
    assert child is not None and child.full_name == CHILD
    answers = [step.output for step in Step.objects.filter(status=Step.Status.DONE)]
    assert any(CHILD in str(answer) for answer in answers)  # Python reads them in clear
    reclassified = CaseEvent.objects.get(kind=CaseEvent.Kind.RECLASSIFIED)
    assert reclassified.note == f"{CHILD} was hurt again"  # the timeline reads it in clear
    closed = AuditEvent.objects.get(action="case.close")
    assert closed.changes["note"] == audit.sealed(f"{CHILD} is safe")


@pytest.mark.parametrize("secret", SECRETS)
def test_no_table_holds_personal_data_in_clear(world: World, secret: str) -> None:
    world_with_notices_sent(world)
    text = raw_database_text()
    assert "gAAAAA" in text  # the tokens are there
    assert secret not in text


def test_the_scan_sees_what_is_stored_in_clear(world: World) -> None:
    world_with_notices_sent(world)
    case = Case.objects.get()
    assert case.number in raw_database_text()  # the case number is no personal data


def test_no_encrypted_value_of_the_demo_world_is_stored_in_clear_anywhere(db: None) -> None:
    """Every record the demo writes (consents, crisis records, consultations, referrals,
    appeals, cases, reports, 111 cards, the outbox): each value of an encrypted field, read
    through the ORM, appears nowhere in the raw tables, neither in its own column nor in a
    copy elsewhere."""
    from django.apps import apps

    from qamqor.demo import seed_demo
    from qamqor.ops.fields import REMOVED, EncryptedTextField, encrypted_fields

    seed_demo(schools=10, cases=30, progress=False, rng_seed=7)
    # staff and the directory's contact people are public officials, not protected here;
    # the demo draws their synthetic names from the same list as the children's
    text = raw_database_text(skip=("accounts_user", "directory_contactperson"))
    checked: dict[str, int] = {}
    for label, names in encrypted_fields().items():
        model = apps.get_model(label)
        for name in names:
            if not isinstance(model._meta.get_field(name), EncryptedTextField):
                continue  # step answers and files are checked by their own tests
            values = model._default_manager.exclude(**{name: ""}).values_list(name, flat=True)
            for words in values:
                if not isinstance(words, str):
                    continue  # step answers: their typed text is checked by the tests above
                if len(words) < 8 or words == REMOVED:
                    continue  # too short to tell from other text
                assert words not in text, f"{label}.{name} stored in clear: {words[:60]!r}"
                checked[label] = checked.get(label, 0) + 1
    # the demo writes these records, so the check above looked at them
    for label in ("care.ConsentRecord", "care.Consultation", "referrals.Referral"):
        assert checked.get(label), label
