"""``qamqor.instruments.services`` is a package of one module per concern; callers in other
apps (the demo data, the worker, the benchmarks) use the package, so every public service a
sub-module defines is reachable from it, the names the single module had included."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import qamqor.instruments.services as services

# What callers imported from the single module before it became a package.
EARLIER_NAMES = {
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "ENROL_BATCH",
    "INVITATION_DAYS",
    "PSYCHOLOGIST_ROLES",
    "CampaignArea",
    "CodeNotValid",
    "Imported",
    "access_code_for",
    "acknowledge_alert",
    "add_class",
    "campaign_area",
    "check_age",
    "close_campaign",
    "code_hash",
    "create_campaign",
    "create_campaign_from_form",
    "duty_psc",
    "enrol_area",
    "escalate_unacknowledged_alerts",
    "find_by_code",
    "import_response",
    "invite",
    "normalise_code",
    "open_protocol_for_alert",
    "published_version",
    "raise_alerts",
    "record_consent",
    "start_interview",
    "submit_by_code",
    "submit_interview",
    "today",
}


def test_every_public_function_and_class_of_a_sub_module_is_re_exported() -> None:
    missing = []
    modules = [info.name for info in pkgutil.iter_modules(services.__path__)]
    assert set(modules) == {
        "administration",
        "alerts",
        "campaigns",
        "catalogue",
        "codes",
        "enrolment",
        "fhir_import",
        "submission",
    }
    for name in modules:
        module = importlib.import_module(f"{services.__name__}.{name}")
        for attribute, value in vars(module).items():
            defined_here = getattr(value, "__module__", None) == module.__name__
            if attribute.startswith("_") or not defined_here:
                continue
            if not (inspect.isfunction(value) or inspect.isclass(value)):
                continue
            if getattr(services, attribute, None) is not value:
                missing.append(f"{name}.{attribute}")
    assert missing == []
    assert sorted(services.__all__) == sorted(set(services.__all__))


def test_the_names_of_the_single_module_are_still_there() -> None:
    assert set(services.__all__) >= EARLIER_NAMES
    assert all(hasattr(services, name) for name in EARLIER_NAMES)
