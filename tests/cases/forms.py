"""Filling the case page's structured step forms the way a browser does."""

from __future__ import annotations

from typing import Any

from qamqor.protocols.models import Step
from qamqor.protocols.outputs import sample_output


def form_value(value: Any) -> str:
    """A value as a browser sends it (booleans are the yes/no radio buttons' values)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def step_post(step: Step, text: str = "Done", **values: Any) -> dict[str, str]:
    """POST data completing ``step`` on the case page: a valid sample output with ``text``
    in every free-text field, ``values`` overriding single fields."""
    output = {**sample_output(step.spec, text), **values}
    return {f"step-{step.key}-{key}": form_value(value) for key, value in output.items()}
