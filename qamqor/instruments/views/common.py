"""What the screening pages share: the user's screening scope, the psychologist's gate,
and the questions of an instrument as the templates show them (the child's questionnaire
and the psychologist's interview ask them the same way)."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest

from qamqor.accounts import policy
from qamqor.errors import DomainError
from qamqor.instruments import definitions
from qamqor.instruments.definitions import InstrumentSpec
from qamqor.translation import pick

PAGE_SIZE = 50
ANSWER_PREFIX = "a_"  # the answer fields of the questionnaire and the interview


def screening_scope(request: HttpRequest) -> policy.ScreeningScope:
    return policy.screening_scope_for(request.user)


def require_psychologist(request: HttpRequest) -> None:
    if not screening_scope(request).administers:
        raise Http404("screenings")


def questions(
    spec: InstrumentSpec,
    answers: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The items in the active language, with what the stepper needs to skip switched-off
    items: for each condition, the item and the answer codes that switch it on."""
    answers = answers or {}
    errors = errors or {}
    sections = {section.key: pick(section.title.as_dict()) for section in spec.sections}
    shown: list[dict[str, Any]] = []
    previous_section = None
    for number, item in enumerate(spec.items, start=1):
        enable = None
        if item.enable_when is not None:
            conditions = []
            for condition in item.enable_when.conditions:
                options = spec.options_of(spec.item(condition.item_key))
                codes = condition.in_ or [
                    o.code
                    for o in options
                    if o.value is not None and o.value >= (condition.min_value or 0)
                ]
                conditions.append({"item": condition.item_key, "codes": codes})
            enable = {"any": item.enable_when.any is not None, "conditions": conditions}
        shown.append(
            {
                "key": item.key,
                "number": number,
                "text": pick(item.text.as_dict()),
                "help": pick(item.help.as_dict()) if item.help else "",
                "section": sections.get(item.section or "")
                if item.section != previous_section
                else "",
                "options": [
                    {"code": o.code, "label": pick(o.label.as_dict()), "value": o.value}
                    for o in spec.options_of(item)
                ],
                "enable": json.dumps(enable) if enable else "",
                "answer": answers.get(item.key, ""),
                "error": errors.get(item.key, ""),
            }
        )
        previous_section = item.section
    return shown


def posted_answers(request: HttpRequest) -> dict[str, str]:
    return {
        key.removeprefix(ANSWER_PREFIX): str(request.POST.get(key, ""))
        for key in request.POST
        if key.startswith(ANSWER_PREFIX)
    }


def answer_errors(error: DomainError) -> dict[str, str]:
    return {
        problem.field.removeprefix("answers."): str(problem.message) for problem in error.errors
    }


def translation_note(spec: InstrumentSpec, language: str) -> definitions.Translation:
    return spec.translations.for_language(language)
