"""Structured step outputs: a Django form built from the step's definition.

The same form validates the page and the API, so a missing or malformed output is a
422 naming ``output.<field>`` in the user's language (brief 1.2.3: mobile group
composition and lead; 1.2.6: the police step's case number and article).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.errors import FieldProblem, InvalidInput
from qamqor.protocols.definitions import OutputField, StepSpec
from qamqor.translation import pick

MAX_TEXT = 10_000


def _label(field: OutputField) -> str:
    return pick(field.label.model_dump())


def _form_field(field: OutputField) -> forms.Field:
    label = _label(field)
    required = field.required
    if field.kind == "text":
        return forms.CharField(label=label, required=required, max_length=500)
    if field.kind in {"textarea", "members"}:
        help_text = (
            _("One person per line: name, organisation, role.") if field.kind == "members" else ""
        )
        return forms.CharField(
            label=label,
            required=required,
            max_length=MAX_TEXT,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=help_text,
        )
    if field.kind == "choice":
        choices = [(c.value, pick(c.label.model_dump())) for c in field.choices or []]
        return forms.ChoiceField(
            label=label,
            required=required,
            choices=[("", "—"), *choices] if not required else choices,
        )
    if field.kind == "boolean":
        # "required" for a yes/no question means it must be answered, either way
        return forms.TypedChoiceField(
            label=label,
            required=required,
            choices=[("true", _("yes")), ("false", _("no"))],
            coerce=lambda value: value in (True, "true", "True", "1", "on"),
            empty_value=None,
            widget=forms.RadioSelect,
        )
    if field.kind == "integer":
        return forms.IntegerField(label=label, required=required, min_value=0, max_value=10**9)
    if field.kind == "date":
        return forms.DateField(
            label=label,
            required=required,
            # <input type=date> shows and sends ISO dates whatever the page's language
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
    raise ValueError(field.kind)


def output_form_class(spec: StepSpec) -> type[forms.Form]:
    """A form class with one field per output field of the step."""
    fields = {field.key: _form_field(field) for field in spec.output.fields}
    return type("StepOutputForm", (forms.Form,), fields)


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    """JSON booleans become the form's "true"/"false" choices."""
    return {
        key: ("true" if value else "false") if isinstance(value, bool) else value
        for key, value in data.items()
    }


def clean_output(spec: StepSpec, data: dict[str, Any]) -> dict[str, Any]:
    """Validated output values, JSON-ready; InvalidInput naming ``output.<field>`` otherwise."""
    form = output_form_class(spec)(data=_normalise(data))
    if not form.is_valid():
        problems = [
            FieldProblem(field=f"output.{key}" if key != "__all__" else "output", message=str(msg))
            for key, messages in form.errors.items()
            for msg in messages
        ]
        raise InvalidInput(_("The step's result is not complete."), problems)
    unconfirmed = [
        FieldProblem(f"output.{field.key}", _("The step can be done only when this is so."))
        for field in spec.output.fields
        if field.must_be_true and form.cleaned_data.get(field.key) is not True
    ]
    if unconfirmed:
        raise InvalidInput(_("The step's result is not complete."), unconfirmed)
    unknown = set(data) - {field.key for field in spec.output.fields}
    if unknown:
        raise InvalidInput(
            _("The step's result is not complete."),
            [
                FieldProblem(f"output.{key}", _("This step has no such field."))
                for key in sorted(unknown)
            ],
        )
    cleaned: dict[str, Any] = {}
    for key, value in form.cleaned_data.items():
        if isinstance(value, str):
            value = value.strip()
        if isinstance(value, date):
            value = value.isoformat()
        if value in ("", None):
            continue
        cleaned[key] = value
    return cleaned


def describe_output(spec: StepSpec, output: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs for showing a finished step's output in the active language."""
    rows = []
    for field in spec.output.fields:
        if field.key not in output:
            continue
        value = output[field.key]
        if field.kind == "choice":
            labels = {c.value: pick(c.label.model_dump()) for c in field.choices or []}
            value = labels.get(value, value)
        elif field.kind == "boolean":
            value = str(_("yes")) if value else str(_("no"))
        elif field.kind == "date":
            value = date.fromisoformat(value).strftime("%d.%m.%Y")  # as dates are written here
        rows.append((_label(field), str(value)))
    return rows


def sample_output(spec: StepSpec, text: str) -> dict[str, Any]:
    """A valid output for the step with ``text`` in every free-text field: for synthetic
    demo data and tests, which must go through the same validation as real users."""
    values: dict[str, Any] = {}
    for field in spec.output.fields:
        if field.kind == "choice":
            values[field.key] = (field.choices or [])[0].value
        elif field.kind == "boolean":
            values[field.key] = True
        elif field.kind == "integer":
            values[field.key] = 1
        elif field.kind == "date":
            values[field.key] = date.today().isoformat()  # noqa: DTZ011  a calendar date
        elif field.kind == "members":
            values[field.key] = f"{text}: member one, PSC, psychologist (lead)"
        else:
            values[field.key] = text
    return values
