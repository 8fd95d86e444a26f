"""Jurisdiction: which organisation answers for each role of a case's protocol (DESIGN §4,
brief 2.2.2). The region's body of the role's kind, the one in the school's district
first; the 111 center is national; a missing body is a routing error that says which."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from qamqor.directory.models import Organisation
from qamqor.protocols.services import RoutingError, resolve_organisation, resolve_organisations
from tests.factories import World, make_organisation, register_case

pytestmark = pytest.mark.django_db


def test_the_body_in_the_schools_district_is_preferred_to_the_regions_first(world: World) -> None:
    case = register_case(world)
    # the region's PSC has no district and the lowest id; a later one sits in the district
    district_psc = make_organisation(
        "psc", "psc-in-district", world.a.region, district=world.a.district
    )
    make_organisation("psc", "psc-other-region", world.b.region, district=world.b.district)

    assert resolve_organisation(case, "psc") == district_psc
    assert resolve_organisations(case, ["psc", "guardianship"]) == {
        "psc": district_psc,
        "guardianship": world.a.guardianship,  # none in the district: the region's first
    }


def test_the_school_is_the_cases_school_and_the_helpline_is_national(world: World) -> None:
    case = register_case(world, school=world.b.school)
    chosen = resolve_organisations(case, ["school", "helpline", "juvenile_police"])
    assert chosen == {
        "school": world.b.school,
        "helpline": world.helpline,  # no region of its own
        "juvenile_police": world.b.police,
    }


def test_a_missing_body_is_a_routing_error_naming_the_kind_and_region(world: World) -> None:
    case = register_case(world)
    Organisation.objects.filter(pk=world.a.clinic.pk).update(kind="psc")  # no clinic left
    with translation.override("en"):
        with pytest.raises(RoutingError) as raised:
            resolve_organisations(case, ["psc", "clinic"])
        message = str(raised.value)
    assert "clinic" in message.lower() and world.a.region.code in message


def test_every_role_is_resolved_with_two_queries_whatever_their_number(world: World) -> None:
    case = register_case(world)
    roles = ["psc", "guardianship", "clinic", "juvenile_police", "education_department"]
    with CaptureQueriesContext(connection) as few:
        resolve_organisations(case, roles[:2])
    with CaptureQueriesContext(connection) as many:
        chosen = resolve_organisations(case, roles)
    assert len(few) == len(many) == 2  # the candidates, then the chosen ones' contacts
    with CaptureQueriesContext(connection) as contacts:
        main = {role: org.main_contact for role, org in chosen.items()}
        names = {role: contact.full_name for role, contact in main.items() if contact}
    assert len(contacts) == 0
    assert len(names) == len(chosen)  # every chosen organisation has its main contact
    assert names["psc"] == f"Contact of {world.a.psc.code}"
