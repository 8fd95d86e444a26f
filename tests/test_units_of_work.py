"""Every write the pages, the API, the worker's tasks and the management commands make
goes through an entry point (``qamqor.units``): a service that runs in
``atomic(durable=True)``, so its return means its commit.

The test reads those modules' source, resolves every service they name, and fails on a
writing service that is not an entry point, so a new page or endpoint that calls a plain
service fails here rather than in production, where its change could be rolled back by a
caller after the page had answered "saved".
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.db import transaction
from django.db.transaction import Atomic

import qamqor
from qamqor.units import EntryPoint, entry_point

PACKAGE = Path(qamqor.__file__).resolve().parent

#: Modules whose functions change data although their name does not say "services".
SERVICE_MODULES = {
    "qamqor.analytics.fold",
    "qamqor.analytics.recount",
    "qamqor.cases.parties",
    "qamqor.cases.thread",
    "qamqor.directory.registry",
    "qamqor.intake.alerts",
    "qamqor.mailbox.mail",
    "qamqor.ops.retention",
    "qamqor.protocols.notices",
    "qamqor.protocols.sweeps",
}

#: Functions of the service modules that the upper layer calls and that write nothing
#: (each one read), or that join a caller's transaction by design.
EXCEPTIONS: dict[str, str] = {
    "qamqor.appeals.services.find_appeal": "a look-up by code",
    "qamqor.audit.services.anchors": "reads the anchors file",
    "qamqor.audit.services.verify_anchors": "compares the anchors with the chain",
    "qamqor.audit.services.verify_chain": "recomputes the hashes",
    "qamqor.care.services.common.local_today": "a date",
    "qamqor.care.services.common.week_start": "a date",
    "qamqor.care.services.worklog.parse_hours": "parses a form's hours",
    "qamqor.cases.parties.case_parties": "reads the parties (the caller audits the read)",
    "qamqor.cases.parties.case_party": "shapes one party for the API",
    "qamqor.cases.parties.representative_on_case": "a look-up on the case",
    "qamqor.cases.services.choose_protocol": "names the protocol the facts select",
    "qamqor.helpline.services.police_duty_for": "a look-up in the directory",
    "qamqor.instruments.services.catalogue.today": "a date",
    "qamqor.instruments.services.codes.find_by_code": "a look-up by the child's code",
    "qamqor.instruments.services.codes.normalise_code": "normalises a typed code",
    "qamqor.intake.alerts.may_acknowledge": "a permission question",
    "qamqor.intake.services.find_school": "a look-up by school code",
    "qamqor.intake.services.followup_expired": "a date comparison",
    "qamqor.intake.services.report_for_code": "a look-up by follow-up code",
    "qamqor.intake.services.reporter_status": "the status a reporter is shown",
    "qamqor.notify.services.delivery.undelivered": "a query",
    "qamqor.notify.services.digest.wants_digest": "a preference read",
    "qamqor.prevention.services.decision_taken": "whether a step is done",
    "qamqor.protocols.notices.deliveries": "a query",
    "qamqor.protocols.notices.notice_on_case": "a look-up on the case",
    "qamqor.protocols.services.current_run": "the case's running protocol",
    # An audit append joins the caller's transaction, so that a change and its event
    # commit together; alone (the audit of a read) it is one transaction of its own.
    "qamqor.audit.services.record": "an audit append",
    "qamqor.audit.services.record_list": "an audit append",
}


def entry_modules() -> Iterator[str]:
    """The pages, the API, the tasks and the management commands."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if "migrations" in parts or parts[-1] == "__init__":
            continue
        if (
            "views" in parts
            or parts[-1] in {"views", "api", "notice_api", "tasks"}
            or "commands" in parts
        ):
            yield ".".join(parts)


def is_service_module(name: str) -> bool:
    return ".services" in name or name in SERVICE_MODULES


def referenced(module: ModuleType) -> Iterator[Any]:
    """Every object of another qamqor module that ``module``'s source names, as
    ``alias.name`` or as an imported name."""
    tree = ast.parse(inspect.getsource(module))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner = getattr(module, node.value.id, None)
            if isinstance(owner, ModuleType) and owner.__name__.startswith("qamqor."):
                target = getattr(owner, node.attr, None)
                if target is not None:
                    yield target
        elif isinstance(node, ast.Name):
            target = getattr(module, node.id, None)
            home = getattr(target, "__module__", "") or ""
            if home.startswith("qamqor.") and home != module.__name__:
                yield target


def non_durable_atomic(function: Callable[..., Any]) -> bool:
    """``function`` is decorated with a plain ``transaction.atomic``."""
    cells = getattr(function, "__closure__", None) or ()
    for cell in cells:
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if isinstance(value, Atomic) and not vars(value).get("durable"):
            return True
    return False


def offenders() -> dict[str, set[str]]:
    """Writing services named by the upper layer that are not entry points, with the
    modules that name them."""
    found: dict[str, set[str]] = {}
    for name in entry_modules():
        module = importlib.import_module(name)
        for target in referenced(module):
            if isinstance(target, EntryPoint) or not inspect.isfunction(target):
                continue
            home = f"{target.__module__}.{target.__qualname__}"
            if non_durable_atomic(target) or (
                is_service_module(target.__module__) and home not in EXCEPTIONS
            ):
                found.setdefault(home, set()).add(name)
    return found


def test_the_upper_layer_writes_only_through_entry_points() -> None:
    found = offenders()
    assert not found, "\n".join(
        f"{service} is not an entry point (qamqor.units), but {', '.join(sorted(users))} call it"
        for service, users in sorted(found.items())
    )


def test_every_exception_still_names_a_service() -> None:
    for dotted in EXCEPTIONS:
        module_name, _, attribute = dotted.rpartition(".")
        target = getattr(importlib.import_module(module_name), attribute)
        assert inspect.isfunction(target) and is_service_module(target.__module__), dotted


def test_the_scan_sees_pages_api_tasks_and_commands() -> None:
    modules = set(entry_modules())
    assert {
        "qamqor.cases.api",
        "qamqor.cases.views.steps",
        "qamqor.notify.tasks",
        "qamqor.audit.management.commands.verify_audit",
    } <= modules


def test_a_plain_atomic_service_is_found() -> None:
    @transaction.atomic
    def change() -> None: ...

    @transaction.atomic(durable=True)
    def durable_change() -> None: ...

    assert non_durable_atomic(change)
    assert not non_durable_atomic(durable_change)


@pytest.mark.django_db(transaction=True)
def test_an_entry_point_refuses_a_callers_transaction_and_within_joins_it() -> None:
    calls: list[bool] = []

    @entry_point
    def change(value: int) -> int:
        calls.append(transaction.get_connection().in_atomic_block)
        return value * 2

    assert change(2) == 4
    with transaction.atomic():
        with pytest.raises(RuntimeError, match="durable"):
            change(3)
        assert change.within(5) == 10
    assert calls == [True, True]
    assert vars(change)["__name__"] == "change"
