"""The demo's part of the tracker: every recommendation, a few synthetic statuses with their
history, and everything it invents says so."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest
from django.db import transaction

from qamqor.accounts.models import Role
from qamqor.demo import oversight as demo_oversight
from qamqor.demo.world import DemoRegion
from qamqor.directory.models import OrganisationKind
from qamqor.oversight.models import Change, Evidence, Recommendation
from tests.factories import make_organisation, make_user


@pytest.mark.django_db
def test_the_demo_sets_synthetic_statuses_with_their_history() -> None:
    body = make_organisation(OrganisationKind.COORDINATING_BODY, "demo-body", None)
    coordinator = make_user("demo-national", body, Role.NATIONAL_COORDINATOR)
    site = cast(DemoRegion, SimpleNamespace(login={Role.NATIONAL_COORDINATOR: coordinator}))
    assert demo_oversight.tracker(site) == 57
    changed = Recommendation.objects.exclude(status="not_started")
    assert changed.count() == len(demo_oversight.DEMO_STATUSES)
    for change in Change.objects.filter(kind="status"):
        assert change.note.startswith("Synthetic demo note")
        assert change.actor_organisation == body
    assert all("Synthetic demo" in item.title for item in Evidence.objects.all())
    assert all("synthetic" in rec.responsible_text for rec in changed)


@pytest.mark.django_db
def test_the_demo_part_runs_inside_the_seeds_transaction() -> None:
    """The seed builds everything in one transaction: the part uses the services the
    durable entry points wrap, so it runs inside it."""
    body = make_organisation(OrganisationKind.COORDINATING_BODY, "demo-body", None)
    coordinator = make_user("demo-national", body, Role.NATIONAL_COORDINATOR)
    site = cast(DemoRegion, SimpleNamespace(login={Role.NATIONAL_COORDINATOR: coordinator}))
    with transaction.atomic():
        demo_oversight.tracker(site)
    assert Change.objects.filter(kind="status").count() == len(demo_oversight.DEMO_STATUSES)
