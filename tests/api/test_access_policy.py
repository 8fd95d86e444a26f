"""The access policy on every endpoint that returns personal data, persona by persona.

Outsiders get 404, never 403, so a case's existence is not confirmed (STYLE.md).
"""

from __future__ import annotations

import pytest
from django.test import Client

from qamqor.analytics.fold import fold
from tests.factories import World, register_case, submit_report

# The case is repeated bullying at school A1: the school, the region's PSC and juvenile
# police (Art. 127-2 step) work on it.
INSIDERS = ["coordinator_a", "psychologist_a", "psc_a", "police_a", "regional_a", "national"]
OUTSIDERS = [
    "coordinator_a2",
    "coordinator_b",
    "psc_b",
    "police_b",
    "regional_b",
    "monitor",
    "guardianship_a",
    "clinic_a",
    "operator",
]


def client_for(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(getattr(world, persona))
    return client


@pytest.mark.parametrize("persona", INSIDERS)
def test_insiders_see_the_case(world: World, persona: str) -> None:
    case = register_case(world)
    client = client_for(world, persona)
    assert client.get(f"/api/v1/cases/{case.number}").status_code == 200
    assert client.get(f"/cases/{case.number}/").status_code == 200
    numbers = [c["number"] for c in client.get("/api/v1/cases").json()["items"]]
    assert numbers == [case.number]


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_404_on_page_and_api(world: World, persona: str) -> None:
    case = register_case(world)
    client = client_for(world, persona)
    assert client.get(f"/api/v1/cases/{case.number}").status_code == 404
    assert client.get(f"/cases/{case.number}/").status_code == 404
    assert client.get("/api/v1/cases").json()["items"] == []
    url = f"/api/v1/cases/{case.number}/steps/school_log/complete"
    assert client.post(url, {"output": "x"}, content_type="application/json").status_code == 404
    url = f"/api/v1/cases/{case.number}/close"
    assert (
        client.post(url, {"outcome": "other"}, content_type="application/json").status_code == 404
    )


@pytest.mark.parametrize(
    "persona", ["coordinator_a2", "coordinator_b", "psc_a", "regional_b", "monitor", "police_a"]
)
def test_outsiders_get_404_on_reports(world: World, persona: str) -> None:
    report = submit_report(world.a.school)
    client = client_for(world, persona)
    assert client.get(f"/api/v1/reports/{report.public_id}").status_code == 404
    assert client.get(f"/reports/{report.public_id}/").status_code == 404
    assert client.get("/api/v1/reports").json()["items"] == []


def test_monitor_sees_only_aggregates(world: World) -> None:
    register_case(world)
    register_case(world, school=world.b.school)
    fold()  # the worker's sweep brings the figures up to date
    client = client_for(world, "monitor")
    stats = client.get("/api/v1/stats").json()
    # two cases in the country: below 5, so a monitor sees the count suppressed
    assert stats["national"] is True and stats["suppressed"] is True
    assert stats["total"] is None and stats["as_of"] is not None
    assert all(row["total"] is None for row in stats["regions"])  # one case in each
    assert "number" not in str(stats) and "KZ-75-" not in str(stats)
    assert client.get("/api/v1/cases").json()["items"] == []
    assert client.get("/api/v1/tasks").json()["items"] == []


def test_regional_coordinator_statistics_cover_their_region_only(world: World) -> None:
    register_case(world)
    register_case(world, school=world.b.school)
    fold()
    stats = client_for(world, "regional_b").get("/api/v1/stats").json()
    assert stats["national"] is False
    assert stats["total"] == 1
    assert [r["region"] for r in stats["regions"]] == ["KZ-71"]


@pytest.mark.parametrize("persona", ["coordinator_a", "psc_a", "police_a"])
def test_staff_without_statistics_get_404_on_stats(world: World, persona: str) -> None:
    assert client_for(world, persona).get("/api/v1/stats").status_code == 404


def test_psc_head_sees_cases_of_branches(world: World) -> None:
    from qamqor.accounts.models import Role
    from qamqor.protocols.models import Step
    from tests.factories import make_organisation, make_user

    branch = make_organisation("psc_branch", "psc-branch-a", world.a.region, parent=world.a.psc)
    head = make_user("psc_head_a", world.a.psc, Role.PSC_HEAD)
    case = register_case(world)
    Step.objects.filter(case=case, key="psc_support").update(organisation=branch)
    branch_staff = make_user("branch_staff", branch, Role.PSC_PSYCHOLOGIST)
    for user in (head, branch_staff):
        client = Client()
        client.force_login(user)
        assert client.get(f"/api/v1/cases/{case.number}").status_code == 200
    client = Client()
    client.force_login(world.psc_a)  # a psychologist of the PSC itself, not its head
    assert client.get(f"/api/v1/cases/{case.number}").status_code == 404


def test_case_list_query_count_does_not_grow_with_cases(
    world: World, django_assert_max_num_queries
) -> None:
    client = client_for(world, "regional_a")
    register_case(world)
    # 12, plus the second factor's device and the list's audit event (last hash, insert)
    with django_assert_max_num_queries(15) as few:
        client.get("/api/v1/cases")
    for _ in range(6):
        register_case(world)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/cases")
    assert response.json()["count"] == 7
