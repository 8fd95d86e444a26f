"""Individual plans after a bullying decision (Order No. 506 p. 12): the 6-month review is
a protocol step with its deadline; a plan is seen by those who see the case (404 to the
others), every read and change audited; writes over CSRF, pages and API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from qamqor.audit.models import AuditEvent
from qamqor.cases.models import Case
from qamqor.errors import Conflict
from qamqor.prevention import services
from qamqor.prevention.models import IndividualPlan, Party
from qamqor.protocols.models import Step
from qamqor.protocols.outputs import sample_output
from qamqor.protocols.services import complete_step
from qamqor.protocols.workdays import ALMATY, add_months
from tests.factories import register_case
from tests.prevention.conftest import Place, signed_in, token

pytestmark = pytest.mark.django_db


def decide(place: Place, case: Case) -> Step:
    """The education department registers the information and decides (Order No. 506
    p. 10); returns the decision step."""
    regional = place.world.regional_a
    for key in ("education_registration", "education_decision"):
        step = Step.objects.get(case=case, key=key)
        complete_step(step=step, actor=regional, output=sample_output(step.spec, "Done"))
    return Step.objects.get(case=case, key="education_decision")


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert add_months(date(2026, 12, 5), 6) == date(2027, 6, 5)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 3, 15), -36) == date(2023, 3, 15)


def test_the_review_six_months_after_the_decision_is_a_step_with_its_deadline(
    place: Place,
) -> None:
    case = register_case(place.world)
    review = Step.objects.get(case=case, key="monitoring_review")
    assert review.status == Step.Status.WAITING and review.due_at is None
    decision = decide(place, case)
    review.refresh_from_db()
    assert review.status == Step.Status.OPEN
    assert review.organisation == place.world.a.school
    decided_at = decision.completed_at
    assert decided_at is not None and review.due_at is not None
    expected = datetime.combine(
        add_months(decided_at.astimezone(ALMATY).date(), 6), time(23, 59, 59), tzinfo=ALMATY
    )
    assert review.due_at == expected
    assert 181 <= (review.due_at - decided_at).days <= 184


def test_a_plan_waits_for_the_decision(place: Place) -> None:
    case = register_case(place.world)
    with pytest.raises(Conflict):
        services.add_individual_plan(
            actor=place.world.coordinator_a,
            case=case,
            party=Party.VICTIM,
            for_case_child=True,
            measures="Weekly sessions with the school psychologist.",
            responsible="A. Psychologist, school psychologist",
            review_on=timezone.localdate() + timedelta(days=90),
        )


def _plan_data(csrf: str) -> dict[str, str]:
    return {
        "csrfmiddlewaretoken": csrf,
        "plan-party": "initiator",
        "plan-child_label": "7B-014",
        "plan-measures": "Internal school register; weekly talks with the class teacher.",
        "plan-responsible": "B. Teacher, class teacher",
        "plan-review_on": (timezone.localdate() + timedelta(days=180)).isoformat(),
    }


def test_the_school_adds_a_plan_on_the_page_and_outsiders_get_404(place: Place) -> None:
    world = place.world
    case = register_case(world)
    decide(place, case)
    url = reverse("prevention-individual-plans", kwargs={"number": case.number})
    client = signed_in(world.coordinator_a)
    csrf = token(client, url)
    assert (
        client.post(
            url, {k: v for k, v in _plan_data(csrf).items() if k != "csrfmiddlewaretoken"}
        ).status_code
        == 403
    )
    assert client.post(url, _plan_data(csrf)).status_code == 302
    plan = IndividualPlan.objects.get()
    assert plan.child_label == "7B-014" and plan.party == Party.INITIATOR
    created = AuditEvent.objects.get(action="prevention.individual_plan.create")
    assert "7B-014" not in str(created.changes)  # sealed, not in words
    for outsider in (
        world.coordinator_b,
        world.regional_b,
        world.coordinator_a2,
        world.monitor,
        place.head_a,
    ):
        assert signed_in(outsider).get(url).status_code == 404
        api = f"/api/v1/prevention/cases/{case.number}/individual-plans"
        assert signed_in(outsider).get(api).status_code in (403, 404)
    for outsider in (world.coordinator_b, world.regional_b, world.monitor, place.head_a):
        assert not IndividualPlan.objects.restrict(outsider, "view").exists()
    assert IndividualPlan.objects.restrict(world.regional_a, "view").get() == plan
    reads = AuditEvent.objects.filter(action="prevention.individual_plan.read").count()
    page = signed_in(world.regional_a).get(url)
    assert page.status_code == 200 and "7B-014" in page.content.decode()
    assert AuditEvent.objects.filter(action="prevention.individual_plan.read").count() == reads + 1
    # the region's coordinator reads, but does not write
    regional = signed_in(world.regional_a)
    assert regional.post(url, _plan_data(token(regional, url))).status_code == 404


def test_the_api_adds_and_changes_a_plan_over_csrf(place: Place) -> None:
    world = place.world
    case = register_case(world)
    decide(place, case)
    client = signed_in(world.psychologist_a)
    url = f"/api/v1/prevention/cases/{case.number}/individual-plans"
    body = {
        "party": "victim",
        "child_label": "7B-003",
        "measures": "Sessions with the school psychologist twice a week.",
        "responsible": "A. Psychologist",
        "review_on": (timezone.localdate() + timedelta(days=120)).isoformat(),
    }
    assert client.post(url, body, content_type="application/json").status_code == 403
    csrf = token(client, reverse("prevention-individual-plans", kwargs={"number": case.number}))
    created = client.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert created.status_code == 201, created.content
    assert created.json()["child"] == "7B-003"
    patch = f"/api/v1/prevention/individual-plans/{created.json()['id']}"
    changed = client.patch(
        patch, {"responsible": "C. Deputy"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["responsible"] == "C. Deputy"
    assert AuditEvent.objects.filter(action="prevention.individual_plan.change").count() == 1
    outsider = signed_in(world.coordinator_b)
    refused = outsider.patch(patch, {"responsible": "X"}, content_type="application/json")
    assert refused.status_code in (403, 404)


def test_a_case_running_on_version_3_keeps_its_steps(place: Place) -> None:
    """Running cases finish on their version: a case started while version 3 was the
    published one gets no review step, before or after the decision."""
    from qamqor.protocols.models import ProtocolVersion
    from qamqor.protocols.services import sync_versions

    sync_versions()
    ProtocolVersion.objects.filter(code="bullying_outside_family", version=3).update(
        published_at=timezone.now()
    )
    case = register_case(place.world)
    assert case.protocol_runs.get().protocol.version == 3
    decide(place, case)
    assert not Step.objects.filter(case=case, key="monitoring_review").exists()
    newer = register_case(place.world)
    assert newer.protocol_runs.get().protocol.version == 3  # until version 4 is published
