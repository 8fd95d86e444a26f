"""Units of work: the services that the pages, the API, the worker's tasks and the
management commands call.

An entry point runs in ``transaction.atomic(durable=True)``. Called inside somebody
else's transaction it raises ``RuntimeError`` instead of quietly joining it, so "it
returned" always means "it committed": the answer a page gives, the notifications and
the outbox's hand-over (``transaction.on_commit``) follow a change that is in the
database, never one a caller may still roll back.

Code that builds several changes in one transaction of its own (the demo seeds, one
service composed of others) calls the plain function instead: ``service.within(...)``
runs the same body inside the caller's transaction.

``tests/test_units_of_work.py`` reads the pages, the API, the tasks and the commands,
and fails when one of them calls a writing service that is not an entry point.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")


class EntryPoint(Generic[P, R]):
    """A service function made a unit of work of its own (see the module's text)."""

    def __init__(self, function: Callable[P, R]) -> None:
        self.within = function
        functools.update_wrapper(self, function)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(durable=True):
            return self.within(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<entry point {self.within.__module__}.{self.within.__qualname__}>"


class SteppedEntryPoint(EntryPoint[P, R]):
    """An entry point that commits in several transactions of its own (a claim before a
    send, batches, a rate-limit count that must outlive a refused request). It refuses a
    caller's transaction as ``atomic(durable=True)`` does, then runs its body, whose own
    ``atomic`` blocks are then each a transaction."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(durable=True):
            pass  # raises RuntimeError inside a caller's transaction
        return self.within(*args, **kwargs)


def entry_point(function: Callable[P, R]) -> EntryPoint[P, R]:
    """Decorate a service as an entry point: ``atomic(durable=True)`` around its body;
    ``.within`` is the body alone, for a caller that holds the transaction."""
    return EntryPoint(function)


def entry_point_in_steps(function: Callable[P, R]) -> SteppedEntryPoint[P, R]:
    """Decorate a service that commits in steps of its own as an entry point."""
    return SteppedEntryPoint(function)
