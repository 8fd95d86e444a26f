"""Intake asks cases through the hook cases register in ``ready()``
(docs/decisions/0012-layers.md): intake imports nothing of cases."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from qamqor.cases import selectors as case_selectors
from qamqor.intake import hooks, selectors
from tests.factories import World, register_case, submit_report


def test_cases_register_the_finder_of_repeated_cases_at_start_up() -> None:
    [finder] = hooks.REPEAT_FINDERS
    assert finder is case_selectors.duplicate_candidates


def test_the_report_page_offers_the_cases_a_new_report_may_repeat(world: World) -> None:
    case = register_case(world, summary="Repeated mocking in the class chat; phone taken.")
    report = submit_report(world.a.school, narrative="Repeated mocking in the class chat.")
    [candidate] = selectors.triage_extras(report, world.coordinator_a)["duplicates"]
    assert candidate.case == case


def test_without_a_finder_the_report_page_cannot_be_built(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hooks, "REPEAT_FINDERS", [])
    report = submit_report(world.a.school)
    with pytest.raises(ImproperlyConfigured, match="repeated cases"):
        selectors.triage_extras(report, world.coordinator_a)
