"""``qamqor.care.services`` and ``qamqor.care.selectors`` are packages of sub-domain
modules; callers use the package, so every public function and class a sub-module defines
is reachable from it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import qamqor.care.selectors as selectors
import qamqor.care.services as services


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        (services, {"consent", "sharing", "crisis", "consultations", "supervision", "worklog"}),
        (selectors, {"children", "caseload", "worklog", "workload"}),
    ],
)
def test_every_public_function_and_class_of_a_sub_module_is_re_exported(
    package: object, expected: set[str]
) -> None:
    missing = []
    modules = [info.name for info in pkgutil.iter_modules(package.__path__)]  # type: ignore[attr-defined]
    assert expected <= set(modules)
    for name in modules:
        module = importlib.import_module(f"{package.__name__}.{name}")  # type: ignore[attr-defined]
        for attribute, value in vars(module).items():
            defined_here = getattr(value, "__module__", None) == module.__name__
            if attribute.startswith("_") or not defined_here:
                continue
            if not (inspect.isfunction(value) or inspect.isclass(value)):
                continue
            if getattr(package, attribute, None) is not value:
                missing.append(f"{name}.{attribute}")
    assert missing == []
    exported = package.__all__  # type: ignore[attr-defined]
    assert sorted(exported) == sorted(set(exported))
