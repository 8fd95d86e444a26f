"""What staff type about an event (a reclassification's reason, why a notice was not sent)
is kept encrypted beside the event and shown on the case's timeline."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from qamqor.cases.models import CaseEvent
from qamqor.protocols import notices
from qamqor.protocols import services as protocol_services
from tests.cases.test_representatives import arrange_conversation, family
from tests.factories import CLASSIFICATION, World, register_case

pytestmark = pytest.mark.django_db

CANCELLED = "The mother was told in person by the head teacher"
RECLASSIFIED = "The school nurse saw new bruises"


def raw_event_columns(event: CaseEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload, note FROM cases_caseevent WHERE id = %s", [event.pk])
        return repr(cursor.fetchone())


def test_typed_reasons_are_encrypted_and_shown_on_the_timeline(world: World) -> None:
    case = register_case(world)
    family(world, case)
    notices.cancel(
        notice=arrange_conversation(world, case), actor=world.coordinator_a, reason=CANCELLED
    )
    protocol_services.reclassify(
        case=case,
        actor=world.coordinator_a,
        classification={**CLASSIFICATION, "risk_level": "high"},
        reason=RECLASSIFIED,
    )
    withheld = case.events.get(payload__reason="cancelled_by_staff")
    reclassified = case.events.get(kind=CaseEvent.Kind.RECLASSIFIED)
    assert (withheld.note, reclassified.note) == (CANCELLED, RECLASSIFIED)
    for event, text in ((withheld, CANCELLED), (reclassified, RECLASSIFIED)):
        stored = raw_event_columns(event)
        assert text not in stored and "gAAAAA" in stored

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.coordinator_a)
    page = client.get(reverse("case-detail", args=[case.number]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert CANCELLED in html and RECLASSIFIED in html
