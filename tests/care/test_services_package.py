"""``qamqor.care.services`` is a package of sub-domain modules; callers in other apps use
the package, so every public service a sub-module defines is reachable from it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import qamqor.care.services as services


def test_every_public_function_and_class_of_a_sub_module_is_re_exported() -> None:
    missing = []
    modules = [info.name for info in pkgutil.iter_modules(services.__path__)]
    assert {"consent", "sharing", "crisis", "consultations", "supervision", "worklog"} <= set(
        modules
    )
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
