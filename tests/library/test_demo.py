"""The demo's part of the library: the real documents, a synthetic algorithm whose two
versions brief the demo's psychologists, half of the first acknowledged, synthetic
materials; everything it invents says so, and it runs inside the seed's transaction."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest
from django.db import transaction
from django.utils import timezone

from qamqor.accounts.models import Role
from qamqor.demo import library as demo_library
from qamqor.demo.world import DemoRegion
from qamqor.library.models import Acknowledgement, Document, Material
from tests.factories import add_school_psychologists, build_world


@pytest.mark.django_db
def test_the_demo_briefs_acknowledges_half_and_says_what_it_invents() -> None:
    world = build_world()
    add_school_psychologists(world)
    site = cast(
        DemoRegion,
        SimpleNamespace(
            login={
                Role.NATIONAL_COORDINATOR: world.national,
                Role.REGIONAL_COORDINATOR: world.regional_a,
            },
            today=timezone.localdate(),
        ),
    )
    with transaction.atomic():  # the seed's one transaction
        briefings = demo_library.library(site)
    demo = Document.objects.get(code="demo-bullying-response-algorithm")
    first, second = demo.versions.order_by("sequence")
    assert briefings == 3 + 5  # school psychologists, then school and PSC psychologists
    assert first.acknowledgements.exclude(acknowledged_at=None).count() == 2
    assert not second.acknowledgements.exclude(acknowledged_at=None).exists()
    assert all(
        "Synthetic demo" in v.summary_en and "Synthetic demo" in v.number for v in (first, second)
    )
    assert "synthetic" in second.changes_en.lower()
    assert Document.objects.filter(code="order-506-bullying-prevention").exists()
    assert Material.objects.count() == len(demo_library.MATERIALS)
    for material in Material.objects.all():
        assert any(word in material.search_text for word in ("synthetic", "синтетический"))
    assert {m.region_id for m in Material.objects.all()} == {world.a.region.pk, None}
    assert Acknowledgement.objects.count() == briefings
