"""Cases ask the protocol engine through the hooks the engine registers in ``ready()``
(docs/decisions/0012-layers.md): cases import nothing of the engine."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from qamqor.cases import hooks, services
from qamqor.cases.selectors import get_case_for_user
from qamqor.errors import Conflict
from qamqor.protocols import notices
from qamqor.protocols import services as protocol_services
from qamqor.protocols.models import FINISHED
from tests.factories import World, register_case


def test_the_engine_registers_what_cases_ask_of_it_at_start_up() -> None:
    [engine] = hooks.ENGINES
    assert engine.start_protocol is protocol_services.start_protocol
    assert engine.choose_protocol is protocol_services.protocol_for_classification
    assert engine.unfinished_steps is protocol_services.unfinished_step_titles
    assert engine.notify_legal_representatives is protocol_services.notify_legal_representatives_of
    assert engine.withhold_pending_for is notices.withhold_pending_for
    assert engine.steps_prefetch is protocol_services.case_steps_prefetch
    assert engine.organisation_roles is protocol_services.ORGANISATION_KINDS


def test_without_the_engine_a_case_cannot_be_registered(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hooks, "ENGINES", [])
    with pytest.raises(ImproperlyConfigured, match="protocol engine"):
        services.choose_protocol({"setting": "school", "forms": ["bullying"]})


def test_registration_and_closure_ask_the_engine(world: World) -> None:
    case = register_case(world)
    assert [run.protocol.code for run in case.protocol_runs.all()] == ["bullying_outside_family"]
    shown = get_case_for_user(world.coordinator_a, case.number, audit_read=False)
    # the engine's prefetch of the page, in Django's cache that the stubs do not declare
    steps = shown._prefetched_objects_cache["steps"]  # type: ignore[attr-defined]
    unfinished = [step.title for step in steps if step.status not in FINISHED]
    assert unfinished
    assert unfinished == protocol_services.unfinished_step_titles(case)
    with pytest.raises(Conflict) as refused:
        services.close_case(case=case, actor=world.coordinator_a, outcome="rights_restored")
    assert all(title in str(refused.value) for title in unfinished)
