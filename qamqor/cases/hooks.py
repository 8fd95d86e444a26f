"""What cases ask of the protocol engine built on them, without importing it.

A step and a run belong to a case, so the engine sits above cases and cases never import
it (docs/decisions/0012-layers.md). Registration starts the protocol the classification
calls for, closure waits for every step, the parties' notices follow the protocol, and
the case page and timeline show the steps: for each, cases ask the ``Engine`` that
``ProtocolsConfig.ready()`` registers here, as notify's transports register with
``notify.services.register_transport``. A process without the engine registered cannot
run a case, so asking then raises ``ImproperlyConfigured``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.db.models import Prefetch

    from qamqor.cases.models import Case


@dataclass(frozen=True)
class Engine:
    """The engine's answers to cases, one callable each."""

    #: ``choose_protocol(classification)``: the code of the protocol a registration form's
    #: cleaned data calls for (brief 1.4.2); ``LookupError`` if none is published for it.
    choose_protocol: Callable[[dict[str, Any]], str]
    #: ``start_protocol(case, code, actor=…)``: create the protocol's steps on a new case,
    #: inside the registration's transaction.
    start_protocol: Callable[..., object]
    #: ``unfinished_steps(case)``: the titles of the case's steps not yet done or skipped.
    unfinished_steps: Callable[[Case], list[str]]
    #: ``notify_legal_representatives(case)``: after a child or a representative is
    #: recorded, the notices the protocol called for reach those not yet told.
    notify_legal_representatives: Callable[[Case], object]
    #: ``withhold_pending_for(case, person, reason=…)``: cancel what waits for a person who
    #: may no longer be told, and say so on the timeline.
    withhold_pending_for: Callable[..., object]
    #: ``steps_prefetch()``: the case's steps as the case page shows them, for
    #: ``prefetch_related`` (organisation, contact person, protocol, in order).
    steps_prefetch: Callable[[], Prefetch[Any]]
    #: The organisation roles a protocol names (``psc``, ``police_duty``, …) with the
    #: directory's organisation kind of each: the timeline names a withheld notice's target.
    organisation_roles: Mapping[str, str]


ENGINES: list[Engine] = []


def register_engine(engine: Engine) -> None:
    """Register the protocol engine (``ProtocolsConfig.ready()``); the last one wins."""
    ENGINES[:] = [engine]


def engine() -> Engine:
    """The registered protocol engine."""
    if not ENGINES:
        raise ImproperlyConfigured("No protocol engine is registered (qamqor.protocols).")
    return ENGINES[0]
