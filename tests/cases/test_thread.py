"""The interagency case thread (qamqor.cases.thread)."""

from __future__ import annotations

import pytest

from qamqor.accounts import access
from qamqor.audit.models import AuditEvent
from qamqor.cases import thread
from qamqor.cases.models import CaseMessageReceipt
from qamqor.cases.services import close_case
from qamqor.errors import Conflict, InvalidInput, NotAllowed
from qamqor.notify.models import Notification
from tests.factories import World, complete_open_steps, register_case


def test_the_organisations_on_a_case(world: World) -> None:
    case = register_case(world)
    codes = {org.code for org in thread.case_organisations(case)}
    # the school, the PSC, the juvenile police (Art. 127-2 step), the education department;
    # not the police duty unit, whose emergency step this case did not need
    assert codes == {
        world.a.school.code,
        world.a.psc.code,
        world.a.police.code,
        world.a.education.code,
    }


def test_each_user_speaks_for_their_organisation_on_the_case(world: World) -> None:
    case = register_case(world)
    on_case = thread.case_organisations(case)

    def speaks_for(user: object) -> object:
        return access.acting_organisation_on(user, "act_on_case", on_case)

    assert speaks_for(world.psychologist_a) == world.a.school
    assert speaks_for(world.police_a) == world.a.police
    assert speaks_for(world.regional_a) == world.a.education
    assert speaks_for(world.national) == world.coordinating_body
    assert speaks_for(world.monitor) is None


def test_posting_notifies_the_other_organisations_once(world: World) -> None:
    case = register_case(world)
    message = thread.post_message(case=case, author=world.coordinator_a, body="  Hello  ")
    assert message.body == "Hello" and message.organisation == world.a.school
    notified = Notification.objects.filter(template="case_message", channel="in_app")
    users = set(notified.values_list("recipient__username", flat=True))
    assert {"psc_a", "police_a", "regional_a"} <= users
    assert not users & {"coordinator_a", "psychologist_a", "coordinator_b"}
    # read in the application: no email, neither to people nor to institutional mailboxes
    assert not Notification.objects.filter(template="case_message", channel="email").exists()
    assert AuditEvent.objects.filter(action="case.message.post").count() == 1
    # the author's organisation has read its own message
    assert list(message.receipts.values_list("organisation", flat=True)) == [world.a.school.pk]


def test_reading_marks_messages_read_once_per_organisation(world: World) -> None:
    case = register_case(world)
    thread.post_message(case=case, author=world.coordinator_a, body="One")
    thread.post_message(case=case, author=world.coordinator_a, body="Two")
    first = thread.open_thread(case=case, reader=world.psc_a)
    assert first.organisation == world.a.psc
    assert len(first.new_ids) == 2
    again = thread.open_thread(case=case, reader=world.psc_a)
    assert again.new_ids == set()
    assert CaseMessageReceipt.objects.filter(organisation=world.a.psc).count() == 2
    entry = again.entries[0]
    assert [r.organisation for r in entry.receipts] == [world.a.psc]
    assert entry.receipts[0].read_by == world.psc_a


def test_refusals(world: World) -> None:
    case = register_case(world)
    with pytest.raises(InvalidInput):
        thread.post_message(case=case, author=world.coordinator_a, body="   ")
    with pytest.raises(InvalidInput):
        thread.post_message(case=case, author=world.coordinator_a, body="x" * 5001)
    with pytest.raises(NotAllowed):
        thread.post_message(case=case, author=world.monitor, body="Hi")
    complete_open_steps(world, case)
    close_case(case=case, actor=world.coordinator_a, outcome="rights_restored")
    case.refresh_from_db()
    with pytest.raises(Conflict):
        thread.post_message(case=case, author=world.coordinator_a, body="After")
