"""The step schemas of the API, shared by the case's routes (a case lists its steps) and
the engine's (completing a step answers with the step)."""

from datetime import datetime
from typing import Any

from ninja import Schema

from qamqor.apikit import OrganisationRef
from qamqor.protocols.models import Step
from qamqor.translation import pick


class ContactOut(Schema):
    full_name: str
    position: str
    email: str
    phone: str


class ChoiceOut(Schema):
    value: str
    label: str


class OutputFieldOut(Schema):
    """One field of a step's output: what ``complete`` expects under ``output.<key>``."""

    key: str
    kind: str
    label: str
    required: bool
    choices: list[ChoiceOut]
    must_be_true: bool = False  # a yes/no that must be yes (1.2.5)
    holds: str | None = None  # a staff field: the qualification the person named holds (1.2.4)


class StepOut(Schema):
    key: str
    title: str
    protocol: str
    organisation: OrganisationRef
    contact_person: ContactOut | None
    status: str
    opened_at: datetime | None
    due_at: datetime | None
    overdue: bool
    escalation_level: int
    requires_qualification: str | None
    output_fields: list[OutputFieldOut]
    output: dict[str, Any]
    completed_at: datetime | None

    @staticmethod
    def resolve_protocol(obj: Step) -> str:
        return str(obj.run.protocol)

    @staticmethod
    def resolve_requires_qualification(obj: Step) -> str | None:
        return obj.spec.requires_qualification

    @staticmethod
    def resolve_output_fields(obj: Step) -> list[dict[str, Any]]:
        return [
            {
                "key": field.key,
                "kind": field.kind,
                "label": pick(field.label.model_dump()),
                "required": field.required,
                "must_be_true": field.must_be_true,
                "holds": field.holds,
                "choices": [
                    {"value": c.value, "label": pick(c.label.model_dump())}
                    for c in field.choices or []
                ],
            }
            for field in obj.spec.output.fields
        ]
