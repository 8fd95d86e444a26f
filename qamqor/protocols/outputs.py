"""Structured step outputs: a Django form built from the step's definition.

The same form validates the page and the API, so a missing or malformed output is a
422 naming ``output.<field>`` in the user's language (brief 1.2.3: mobile group
composition and lead; 1.2.6: the police step's case number and article; 1.2.4: the
interviewer named on the step holds the interview qualification; 1.2.5: what is missing
when a field that must be yes is not).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.models import User
from qamqor.audit.services import sealed
from qamqor.errors import FieldProblem, InvalidInput
from qamqor.protocols.definitions import OutputField, StepSpec
from qamqor.translation import pick

if TYPE_CHECKING:
    from qamqor.protocols.models import Step

MAX_TEXT = 10_000


def _label(field: OutputField) -> str:
    return pick(field.label.model_dump())


class StaffField(forms.ChoiceField):
    """A staff member by user name. The page offers the candidates; any name is passed on,
    so the service says why a name is refused (unknown, or without the qualification)
    whether it came from the page or the API."""

    def valid_value(self, value: Any) -> bool:
        return True


def _form_field(field: OutputField, staff: Sequence[tuple[str, str]] = ()) -> forms.Field:
    label = _label(field)
    required = field.required
    if field.kind == "staff":
        return StaffField(
            label=label,
            required=required,
            choices=[("", "—"), *staff],
            help_text=_("Only staff holding the interview qualification are listed.")
            if field.holds == "interview"
            else "",
        )
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


def output_form_class(spec: StepSpec, *, staff: Sequence[tuple[str, str]] = ()) -> type[forms.Form]:
    """A form class with one field per output field of the step; ``staff`` are the
    (user name, label) choices offered for staff fields."""
    fields = {field.key: _form_field(field, staff) for field in spec.output.fields}
    return type("StepOutputForm", (forms.Form,), fields)


def _qualified_staff(qualification: str | None) -> Any:
    users = User.objects.filter(is_active=True, memberships__active=True)
    if qualification == "interview":
        users = users.filter(interview_qualified=True)
    return users.distinct()


def staff_choices(step: Step) -> list[tuple[str, str]]:
    """Who the page offers for the step's staff fields: active staff of the case's region
    holding the qualification the field names (brief 1.2.4)."""
    holds = {field.holds for field in step.spec.output.fields if field.kind == "staff"}
    if not holds:
        return []
    users = _qualified_staff(next(iter(holds))).filter(
        memberships__organisation__region_id=step.case.region_id
    )
    return [
        (user.username, f"{user.get_full_name() or user.username} ({user.username})")
        for user in users.order_by("last_name", "first_name", "username")
    ]


def step_form_class(step: Step) -> type[forms.Form]:
    """The output form of a step on its case, with the staff it may name."""
    return output_form_class(step.spec, staff=staff_choices(step))


def recorder_must_hold(spec: StepSpec) -> str | None:
    """The qualification the person recording the step must hold themselves: only for
    definitions that name no qualified staff member on the step (brief 1.2.4)."""
    if spec.requires_qualification and spec.qualified_field is None:
        return spec.requires_qualification
    return None


def _staff_problems(spec: StepSpec, values: dict[str, Any]) -> list[FieldProblem]:
    """A staff field must name an active staff member who holds its qualification."""
    problems = []
    for field in spec.output.fields:
        name = values.get(field.key)
        if field.kind != "staff" or not name:
            continue
        user = User.objects.filter(username=name, is_active=True, memberships__active=True).first()
        if user is None:
            problems.append(
                FieldProblem(f"output.{field.key}", _("No active staff member has this user name."))
            )
        elif field.holds == "interview" and not user.interview_qualified:
            problems.append(
                FieldProblem(
                    f"output.{field.key}",
                    _("%(person)s does not hold the interview qualification (brief 1.2.4).")
                    % {"person": user.get_full_name() or user.username},
                )
            )
    return problems


def _unmet(field: OutputField) -> str:
    """What is missing when a field that must be yes is not, in the active language."""
    if field.unmet is not None:
        return pick(field.unmet.model_dump())
    return _("“%(label)s” must be yes for this step to be done.") % {"label": _label(field)}


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    """JSON booleans become the form's "true"/"false" choices."""
    return {
        key: ("true" if value else "false") if isinstance(value, bool) else value
        for key, value in data.items()
    }


def for_audit(spec: StepSpec, output: dict[str, Any]) -> dict[str, Any]:
    """A step's answer as the audit log keeps it: dates, choices, yes/no and people as they
    are; what was typed in a text field sealed (``audit.sealed``), since it may name the
    child or the family."""
    typed = {"text", "textarea", "members"}  # members: the people present, as typed
    free_text = {field.key for field in spec.output.fields if field.kind in typed}
    return {
        key: sealed(value) if key in free_text and isinstance(value, str) else value
        for key, value in output.items()
    }


def clean_output(spec: StepSpec, data: dict[str, Any]) -> dict[str, Any]:
    """Validated output values, JSON-ready; InvalidInput naming ``output.<field>`` otherwise."""
    form = output_form_class(spec)(data=_normalise(data))
    form.is_valid()
    problems = [
        FieldProblem(field=f"output.{key}" if key != "__all__" else "output", message=str(msg))
        for key, messages in form.errors.items()
        for msg in messages
    ]
    # What the form accepted is checked further: a yes/no that must be yes (1.2.5), a
    # staff member who must hold a qualification (1.2.4). These name what is missing.
    answered = form.cleaned_data
    refused = [
        FieldProblem(f"output.{field.key}", _unmet(field))
        for field in spec.output.fields
        if field.must_be_true and field.key in answered and answered[field.key] is not True
    ]
    refused += _staff_problems(spec, answered)
    if problems or refused:
        detail = (
            refused[0].message
            if len(refused) == 1 and not problems
            else _("The step's result is not complete.")
        )
        raise InvalidInput(detail, problems + refused)
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
        elif field.kind == "staff":
            user = User.objects.filter(username=value).first()
            value = f"{user.get_full_name() or user.username} ({user.username})" if user else value
        rows.append((_label(field), str(value)))
    return rows


def sample_output(spec: StepSpec, text: str, *, staff: str | None = None) -> dict[str, Any]:
    """A valid output for the step with ``text`` in every free-text field: for synthetic
    demo data and tests, which must go through the same validation as real users. A staff
    field names ``staff``, or the first active staff member holding its qualification."""
    values: dict[str, Any] = {}
    for field in spec.output.fields:
        if field.kind == "staff":
            name = (
                staff
                or (
                    _qualified_staff(field.holds).order_by("pk").values_list("username", flat=True)
                ).first()
            )
            if name:
                values[field.key] = name
        elif field.kind == "choice":
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
