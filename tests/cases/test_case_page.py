"""The case page: structured step forms, skipped and cancelled steps, the
interview qualification, withheld notifications on the timeline, the child and legal
representatives, reclassification, the interagency thread and the printable summary."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qamqor.accounts.models import User
from qamqor.audit.models import AuditEvent
from qamqor.cases import parties, thread
from qamqor.cases.models import (
    Case,
    CaseMessageReceipt,
    CaseRepresentative,
    Child,
    LegalRepresentative,
)
from qamqor.notify.models import Notification
from qamqor.protocols import notices
from qamqor.protocols import services as protocol_services
from qamqor.protocols.models import RepresentativeNotice, Step
from qamqor.protocols.outputs import sample_output
from tests.cases.forms import step_post
from tests.factories import World, register_case


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def page(client: Client, case: Case) -> str:
    response = client.get(reverse("case-detail", args=[case.number]))
    assert response.status_code == 200
    return response.content.decode()


def step(case: Case, key: str) -> Step:
    return (
        Step.objects.filter(case=case, key=key, run__ended_at__isnull=True)
        .select_related("run__protocol", "case")
        .get()
    )


def with_child_and_parents(world: World, case: Case) -> tuple[LegalRepresentative, ...]:
    """The case's child, a mother to notify and a father who is the alleged perpetrator."""
    actor = world.coordinator_a
    parties.attach_child(case=case, actor=actor, data={"sex": "girl"})
    case.refresh_from_db()
    mother = parties.add_legal_representative(
        case=case,
        actor=actor,
        data={
            "full_name": "Aigerim Mother",
            "relationship": "mother",
            "email": "mother@test.qamqor.invalid",
            "language": "kk",
        },
    )
    father = parties.add_legal_representative(
        case=case,
        actor=actor,
        data={
            "full_name": "Bolat Father",
            "relationship": "father",
            "email": "father@test.qamqor.invalid",
            "phone": "+77011234567",
            "is_alleged_perpetrator": True,
        },
    )
    return mother, father


# --- steps ------------------------------------------------------------------------------


def test_open_step_offers_its_structured_form_and_a_done_step_shows_its_output(
    world: World,
) -> None:
    case = register_case(world)
    client = signed_in(world.coordinator_a)
    html = page(client, case)
    notice = step(case, "legal_representatives_notice")
    for name in ("conversation_on", "conversation_time", "conversation_place"):
        assert f'name="step-legal_representatives_notice-{name}"' in html
    assert 'type="radio"' in html  # yes/no questions
    # another organisation's step shows no form to the school
    assert 'name="step-psc_support-assessed_on"' not in html

    url = reverse("case-step-complete", args=[case.number, notice.key])
    response = client.post(url, step_post(notice, conversation_place="Room 12"))
    assert response.status_code == 302
    html = page(client, case)
    assert "The initiator&#x27;s legal representatives were invited" in html
    assert "Room 12" in html
    notice.refresh_from_db()
    assert notice.output["conversation_place"] == "Room 12"
    assert notice.output["initiator_representatives_invited"] is True


def test_a_psc_member_completes_the_psc_step_with_its_choices(world: World) -> None:
    case = register_case(world)
    client = signed_in(world.psc_a)
    psc = step(case, "psc_support")
    data = step_post(psc, assessed_by="nobody")
    response = client.post(reverse("case-step-complete", args=[case.number, psc.key]), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    data = step_post(psc, assessed_by="psc_specialist")
    response = client.post(reverse("case-step-complete", args=[case.number, psc.key]), data)
    assert response.status_code == 302
    psc.refresh_from_db()
    assert psc.status == Step.Status.DONE


def test_skipped_and_cancelled_steps_are_shown_distinctly(world: World) -> None:
    case = register_case(world)
    client = signed_in(world.coordinator_a)
    html = page(client, case)
    assert 'class="step step-skipped' in html  # emergency response: not in danger now
    assert "Not needed for this case" in html

    protocol_services.reclassify(
        case=case,
        actor=world.coordinator_a,
        classification={"setting": "family", "perpetrator_relationship": "primary_caregiver"},
        reason="The father hits her at home.",
    )
    html = page(client, case)
    assert "Domestic violence against a child" in html
    assert 'class="step step-cancelled' in html
    assert "earlier-run" in html
    assert "The father hits her at home." in html
    assert "protocol Bullying, cyberbullying and violence outside the family" in html


def test_the_interview_step_needs_the_interview_qualification(world: World) -> None:
    """1.2.4: the interviewer named on the step holds the qualification; whoever records
    it (here an inspector without it) chooses among the qualified staff of the region."""
    case = register_case(world, forms=["sexual"], perpetrator_relationship="no_relation")
    police = world.police_a
    report = step(case, "police_report")
    protocol_services.complete_step(
        step=report, actor=police, output=sample_output(report.spec, "Opened")
    )
    interview = step(case, "interview")
    assert interview.status == Step.Status.OPEN
    User.objects.filter(pk=world.psc_a.pk).update(interview_qualified=True)
    client = signed_in(police)
    html = page(client, case)
    assert "interview qualification required" in html
    assert 'name="step-interview-interview_date"' in html
    assert '<option value="psc_a">' in html  # qualified, offered
    assert '<option value="police_a">' not in html  # not qualified, not offered
    url = reverse("case-step-complete", args=[case.number, "interview"])
    response = client.post(url, step_post(interview, interviewer="police_a"))
    assert response.status_code == 422
    assert "does not hold the interview qualification" in response.content.decode()
    interview.refresh_from_db()
    assert interview.status == Step.Status.OPEN

    response = client.post(url, step_post(interview, interviewer="psc_a", place="one_window_room"))
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.status == Step.Status.DONE
    assert interview.output["interviewer"] == "psc_a"


def test_withheld_notifications_are_spelled_out_on_the_timeline(world: World) -> None:
    case = register_case(world)
    client = signed_in(world.coordinator_a)
    # a teacher turns out to be the perpetrator: that protocol drafts a notice to the
    # parents at once; the school confirms it, and none is recorded yet
    protocol_services.reclassify(
        case=case,
        actor=world.coordinator_a,
        classification={"perpetrator_relationship": "teacher_school_official"},
        reason="The class teacher pushed her.",
    )
    notices.confirm(
        notice=RepresentativeNotice.objects.get(case=case, status="draft"),
        actor=world.coordinator_a,
    )
    html = page(client, case)
    assert "Legal representatives not notified</strong>: none is recorded on the case yet" in html

    mother, father = with_child_and_parents(world, case)
    # recorded later, the mother gets the notice already due; the father never does
    assert (
        Notification.objects.to_address(mother.email).filter(case=case, status="pending").exists()
    )
    assert not Notification.objects.to_address(father.email).exists()
    assert not Notification.objects.to_address(father.phone).exists()
    html = page(client, case)
    assert "Legal representatives not notified</strong>: the alleged perpetrator" in html

    # then it is the father at home: the domestic protocol forbids telling the parents
    protocol_services.reclassify(
        case=case,
        actor=world.coordinator_a,
        classification={"setting": "family", "perpetrator_relationship": "primary_caregiver"},
        reason="The father hits her at home.",
    )
    html = page(client, case)
    # the mother's notice had not gone out yet: it is cancelled
    assert "the protocol forbids it; 1 message not yet sent was cancelled" in html
    assert "timeline-notification_withheld timeline-alert" in html


# --- child and legal representatives --------------------------------------------------


def test_child_and_legal_representatives_through_the_page(world: World) -> None:
    case = register_case(world)
    client = signed_in(world.coordinator_a)
    html = page(client, case)
    assert "No child is recorded on this case yet." in html
    assert f'action="{reverse("case-child", args=[case.number])}"' in html

    response = client.post(
        reverse("case-child", args=[case.number]),
        {"child-full_name": "", "child-sex": "girl", "child-class_label": "7B"},
    )
    assert response.status_code == 302
    child = Child.objects.get()
    assert child.code.startswith("CH-") and child.full_name == "" and child.class_label == "7B"
    html = page(client, case)
    assert child.code in html
    assert "not recorded: the child is pseudonymous" in html

    add = reverse("case-representative-add", args=[case.number])
    bad = client.post(
        add,
        {
            "representative-full_name": "Aigerim",
            "representative-relationship": "mother",
            "representative-phone": "12345",
            "representative-language": "kk",
        },
    )
    assert bad.status_code == 422
    assert "Enter a valid phone number" in bad.content.decode()
    assert not LegalRepresentative.objects.exists()

    response = client.post(
        add,
        {
            "representative-full_name": "Aigerim Mother",
            "representative-relationship": "mother",
            "representative-phone": "8 701 123 45 67",
            "representative-language": "kk",
        },
    )
    assert response.status_code == 302
    mother = LegalRepresentative.objects.get()
    assert mother.phone == "+77011234567"
    assert not CaseRepresentative.objects.filter(is_alleged_perpetrator=True).exists()

    update = reverse("case-representative-update", args=[case.number, mother.pk])
    response = client.post(
        update,
        {
            f"representative-{mother.pk}-full_name": "Aigerim Mother",
            f"representative-{mother.pk}-relationship": "mother",
            f"representative-{mother.pk}-phone": "+7 701 123 4567",
            f"representative-{mother.pk}-language": "kk",
            f"representative-{mother.pk}-is_alleged_perpetrator": "on",
        },
    )
    assert response.status_code == 302
    assert CaseRepresentative.objects.get(case=case, representative=mother).is_alleged_perpetrator
    html = page(client, case)
    assert "alleged perpetrator in this case: never notified" in html
    assert "An alleged perpetrator is among the legal representatives." in html
    actions = set(AuditEvent.objects.filter(object_id=case.number).values_list("action", flat=True))
    assert {
        "case.child.attach",
        "case.representative.add",
        "case.representative.update",
    } <= actions


def test_an_existing_child_is_attached_by_code_only_if_the_user_may_see_it(world: World) -> None:
    case = register_case(world)
    known = Child.objects.create(code="CH-AAAA-BBBB", region=world.a.region, school=world.a.school)
    elsewhere = Child.objects.create(code="CH-CCCC-DDDD", region=world.b.region)
    client = signed_in(world.coordinator_a)
    url = reverse("case-child", args=[case.number])
    response = client.post(url, {"child-existing_code": elsewhere.code, "child-sex": "unknown"})
    assert response.status_code == 422
    assert "No child with this code is known to you." in response.content.decode()
    response = client.post(url, {"child-existing_code": "ch-aaaa-bbbb", "child-sex": "unknown"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.child == known
    again = client.post(url, {"child-existing_code": known.code, "child-sex": "unknown"})
    assert again.status_code == 409


def test_parties_are_for_those_who_see_the_case(world: World) -> None:
    case = register_case(world)
    with_child_and_parents(world, case)
    html = page(signed_in(world.psc_a), case)  # the PSC has a step on the case
    assert "Aigerim Mother" in html and "Bolat Father" in html
    outsider = signed_in(world.coordinator_b)
    assert outsider.get(reverse("case-detail", args=[case.number])).status_code == 404
    response = outsider.post(
        reverse("case-representative-add", args=[case.number]),
        {"representative-full_name": "X", "representative-relationship": "other"},
    )
    assert response.status_code == 404
    assert signed_in(world.monitor).get(reverse("case-detail", args=[case.number])).status_code == (
        404
    )


# --- reclassification -----------------------------------------------------------------


def test_reclassification_through_the_page_switches_the_protocol(world: World) -> None:
    case = register_case(world)
    client = signed_in(world.coordinator_a)
    html = page(client, case)
    url = reverse("case-reclassify", args=[case.number])
    assert f'action="{url}"' in html
    data = {
        "reclassify-forms": ["physical"],
        "reclassify-setting": "family",
        "reclassify-perpetrator_relationship": "primary_caregiver",
        "reclassify-risk_level": "high",
        "reclassify-repeated": "true",
        "reclassify-reason": "",
    }
    response = client.post(url, data)
    assert response.status_code == 422
    assert "Say why the case is reclassified." in response.content.decode()

    response = client.post(url, {**data, "reclassify-reason": "She told the psychologist."})
    assert response.status_code == 302
    assert response["Location"].endswith("#steps")
    case.refresh_from_db()
    assert case.setting == "family" and case.form_codes == ["physical"]
    assert protocol_services.current_run(case).protocol.code == "domestic_violence"  # type: ignore[union-attr]
    html = client.get(response["Location"]).content.decode()
    assert "now follows the protocol" in html
    assert "She told the psychologist." in html
    assert "reclassified, protocol switched" in html.lower()

    # the PSC sees the case but does not reclassify it
    psc = signed_in(world.psc_a)
    assert f'action="{url}"' not in page(psc, case)
    assert psc.post(url, {**data, "reclassify-reason": "x"}).status_code == 403


# --- interagency thread -----------------------------------------------------------------


def test_thread_messages_read_receipts_and_notifications(world: World) -> None:
    case = register_case(world)
    school = signed_in(world.coordinator_a)
    url = reverse("case-messages", args=[case.number])
    html = page(school, case)
    assert 'id="thread"' in html and f'hx-post="{url}"' in html

    response = school.post(
        url, {"message-body": "Mother will come on Monday."}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="thread"')
    assert "Mother will come on Monday." in html
    assert "not read by another organisation yet" in html
    assert Notification.objects.filter(
        template="case_message", recipient=world.psc_a, channel="in_app"
    ).exists()
    assert not Notification.objects.filter(
        template="case_message", recipient=world.coordinator_a
    ).exists()
    notice = Notification.objects.get(
        template="case_message", recipient=world.psc_a, channel="in_app"
    )
    assert "Mother will come" not in notice.body  # the text stays in Qamqor

    html = page(signed_in(world.psc_a), case)  # opening the thread reads it
    assert "case-message-new" in html
    assert CaseMessageReceipt.objects.filter(organisation=world.a.psc).count() == 1
    html = school.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert f"read by {world.a.psc.name_en} at" in html

    # without JavaScript: a plain form post, back to the thread
    response = school.post(url, {"message-body": "Thank you."})
    assert response.status_code == 302
    assert response["Location"].endswith("#thread")
    assert school.post(url, {"message-body": "   "}).status_code == 422
    assert school.get(url)["Location"].endswith("#thread")
    actions = list(
        AuditEvent.objects.filter(object_id=case.number).values_list("action", flat=True)
    )
    assert actions.count("case.message.post") == 2
    assert "case.thread.read" in actions


def test_thread_is_closed_to_outsiders(world: World) -> None:
    case = register_case(world)
    thread.post_message(case=case, author=world.coordinator_a, body="Hello")
    url = reverse("case-messages", args=[case.number])
    for user in (world.coordinator_b, world.police_b, world.monitor):
        client = signed_in(user)
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404
        assert client.post(url, {"message-body": "Hi"}).status_code == 404


# --- printable summary -----------------------------------------------------------------


def test_printable_summary_is_audited_on_every_view(world: World) -> None:
    case = register_case(world)
    with_child_and_parents(world, case)
    case.refresh_from_db()
    log = step(case, "school_log")
    protocol_services.complete_step(
        step=log, actor=world.coordinator_a, output=sample_output(log.spec, "Entry 41")
    )
    client = signed_in(world.regional_a)
    url = reverse("case-summary", args=[case.number])
    for _view in range(2):
        response = client.get(url)
        assert response.status_code == 200
    html = response.content.decode()
    assert "web/summary.css" in html
    assert case.child.code in html  # type: ignore[union-attr]
    assert "Aigerim Mother" not in html  # names stay in the system
    assert "Entry 41" in html
    assert "Bullying log entry number" in html
    assert "Timeline" in html and "Registered" in html
    assert "This printing is recorded in the audit log." in html
    assert AuditEvent.objects.filter(action="case.print", object_id=case.number).count() == 2
    assert signed_in(world.coordinator_b).get(url).status_code == 404
    assert reverse("case-summary", args=[case.number]) in page(signed_in(world.coordinator_a), case)


def test_summary_stylesheet_has_print_rules() -> None:
    from django.contrib.staticfiles import finders

    path = finders.find("web/summary.css")
    assert path is not None
    with open(path, encoding="utf-8") as css:
        text = css.read()
    assert "@media print" in text and "@page" in text


# --- queries ----------------------------------------------------------------------------


def count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["coordinator_a", "psc_a", "regional_a"])
def test_case_page_queries_do_not_grow_with_messages_parties_and_steps(
    world: World, persona: str
) -> None:
    case = register_case(world)
    with_child_and_parents(world, case)
    thread.post_message(case=case, author=world.psc_a, body="First")
    client = signed_in(getattr(world, persona))
    url = reverse("case-detail", args=[case.number])
    client.get(url)  # marks the first message read
    few = count(client, url)
    for n in range(4):
        thread.post_message(case=case, author=world.coordinator_a, body=f"More {n}")
        thread.post_message(case=case, author=world.psc_a, body=f"Reply {n}")
    parties.add_legal_representative(
        case=case,
        actor=world.coordinator_a,
        data={"full_name": "Grandmother", "relationship": "guardian"},
    )
    for key in ("school_log", "legal_representatives_notice"):
        done = step(case, key)
        protocol_services.complete_step(
            step=done, actor=world.coordinator_a, output=sample_output(done.spec, "ok")
        )
    client.get(url)  # marks the new messages read
    assert count(client, url) == few
