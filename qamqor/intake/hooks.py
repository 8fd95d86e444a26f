"""What intake asks of the apps built on it, without importing them.

Cases are made from reports, so cases sit above intake and intake never imports them
(docs/decisions/0012-layers.md). Where intake needs them (the report page offers the
open cases a new report may repeat), cases register here in ``ready()``, as notify's
transports register with ``notify.services.register_transport``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from qamqor.accounts.models import User
    from qamqor.intake.models import Report

#: ``finder(report, user)``: the open cases ``user`` may see that the report may repeat,
#: most similar first, each with ``case`` and ``similarity``.
RepeatFinder = Callable[["Report", "User"], list[Any]]
REPEAT_FINDERS: list[RepeatFinder] = []


def register_repeat_finder(finder: RepeatFinder) -> None:
    """Register the one source of the cases a report may repeat (cases' ``ready()``)."""
    REPEAT_FINDERS[:] = [finder]


def cases_repeated_by(report: Report, user: User) -> list[Any]:
    """The open cases the report may repeat, from the app that holds cases."""
    if not REPEAT_FINDERS:
        raise ImproperlyConfigured("No finder of repeated cases is registered (qamqor.cases).")
    return REPEAT_FINDERS[0](report, user)
