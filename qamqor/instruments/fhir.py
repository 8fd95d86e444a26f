"""HL7 FHIR R4B: instruments as ``Questionnaire``, administrations as
``QuestionnaireResponse`` (scores as read-only items), and the import of a response.

Every resource made here is validated with ``fhir.resources.R4B`` before it leaves; a
response coming in is validated with it too, then its answers are mapped onto the
instrument and scored again here. A total the sender states is kept only to be compared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from qamqor.errors import FieldProblem, InvalidInput
from qamqor.instruments import definitions
from qamqor.instruments.definitions import InstrumentSpec, Item, Option, Texts
from qamqor.instruments.models import Administration

LOINC = "http://loinc.org"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
TOTAL_LINK_ID = "total"
BAND_LINK_ID = "band"
SUBSCALE_PREFIX = "subscale."
STATUS_DONE = {"completed", "amended"}


def canonical_url(code: str) -> str:
    return f"{settings.SITE_URL}/fhir/Questionnaire/{code}"


def answer_system(spec: InstrumentSpec) -> str:
    return f"{settings.SITE_URL}/fhir/CodeSystem/{spec.code}-answers"


def band_system(spec: InstrumentSpec) -> str:
    return f"{settings.SITE_URL}/fhir/CodeSystem/{spec.code}-bands"


def child_code_system() -> str:
    return f"{settings.SITE_URL}/fhir/NamingSystem/child-code"


def _translations(texts: Texts) -> dict[str, Any]:
    """``_text`` of an element: the kk and ru texts as FHIR translation extensions."""
    return {
        "extension": [
            {
                "url": TRANSLATION,
                "extension": [
                    {"url": "lang", "valueCode": language},
                    {"url": "content", "valueString": getattr(texts, language)},
                ],
            }
            for language in ("kk", "ru")
        ]
    }


def _coding(spec: InstrumentSpec, option: Option) -> dict[str, Any]:
    if option.loinc:
        return {"system": LOINC, "code": option.loinc, "display": option.label.en}
    return {"system": answer_system(spec), "code": option.code, "display": option.label.en}


def _enable_when(spec: InstrumentSpec, item: Item) -> tuple[list[dict[str, Any]], str | None]:
    if item.enable_when is None:
        return [], None
    conditions = []
    for condition in item.enable_when.conditions:
        target = spec.item(condition.item_key)
        options = spec.options_of(target)
        if condition.in_ is not None:
            chosen = [o for o in options if o.code in condition.in_]
        else:
            chosen = [
                o for o in options if o.value is not None and o.value >= (condition.min_value or 0)
            ]
        conditions += [
            {"question": target.key, "operator": "=", "answerCoding": _coding(spec, option)}
            for option in chosen
        ]
    behaviour = "any" if item.enable_when.any is not None or len(conditions) > 1 else "all"
    return conditions, behaviour


def _resource_id(spec: InstrumentSpec) -> str:
    return f"{spec.code.replace('_', '-')}-v{spec.version}"


def questionnaire(spec: InstrumentSpec) -> dict[str, Any]:
    """The instrument as a FHIR R4B Questionnaire (validated), with kk/ru translations."""
    items: list[dict[str, Any]] = []
    for item in spec.items:
        entry: dict[str, Any] = {
            "linkId": item.key,
            "text": item.text.en,
            "_text": _translations(item.text),
            "type": "choice",
            "required": item.enable_when is None,
            "answerOption": [
                {
                    "valueCoding": _coding(spec, option),
                    **(
                        {"extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.value}]}
                        if option.value is not None
                        else {}
                    ),
                }
                for option in spec.options_of(item)
            ],
        }
        if item.loinc:
            entry["code"] = [{"system": LOINC, "code": item.loinc}]
        enable_when, behaviour = _enable_when(spec, item)
        if enable_when:
            entry["enableWhen"] = enable_when
            if len(enable_when) > 1:
                entry["enableBehavior"] = behaviour
        items.append(entry)
    if spec.score_range is not None:
        total: dict[str, Any] = {
            "linkId": TOTAL_LINK_ID,
            "text": "Total score",
            "type": "integer",
            "readOnly": True,
        }
        if spec.loinc.total:
            total["code"] = [{"system": LOINC, "code": spec.loinc.total}]
        items.append(total)
    items += [
        {
            "linkId": f"{SUBSCALE_PREFIX}{subscale.key}",
            "text": subscale.label.en,
            "type": "integer",
            "readOnly": True,
        }
        for subscale in spec.scoring.subscales
    ]
    items.append(
        {
            "linkId": BAND_LINK_ID,
            "text": "Result",
            "type": "choice",
            "readOnly": True,
            "answerOption": [
                {
                    "valueCoding": {
                        "system": band_system(spec),
                        "code": b.code,
                        "display": b.label.en,
                    }
                }
                for b in spec.bands
            ],
        }
    )
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": _resource_id(spec),
        "url": canonical_url(spec.code),
        "version": str(spec.version),
        "name": re.sub(r"[^A-Za-z0-9_]", "_", spec.short_name).upper(),
        "title": spec.name.en,
        "_title": _translations(spec.name),
        "status": "active",
        "subjectType": ["Patient"],
        "language": "en",
        "description": spec.description.en,
        "copyright": f"{spec.licence} {spec.attribution}",
        "item": items,
    }
    if spec.loinc.panel:
        resource["code"] = [{"system": LOINC, "code": spec.loinc.panel}]
    return _validated(Questionnaire, resource)


def _validated(model: Any, resource: dict[str, Any]) -> dict[str, Any]:
    parsed = model.model_validate(resource)
    dumped: dict[str, Any] = json.loads(parsed.model_dump_json())
    return dumped


def questionnaire_response(administration: Administration) -> dict[str, Any]:
    """An administration as a FHIR R4B QuestionnaireResponse (validated); the child is
    named only by the pseudonymous code, the scores are read-only items."""
    spec = administration.spec
    items: list[dict[str, Any]] = []
    for item in spec.items:
        code = administration.answers.get(item.key)
        option = next((o for o in spec.options_of(item) if o.code == code), None)
        if option is None:
            continue
        items.append(
            {
                "linkId": item.key,
                "text": item.text.en,
                "answer": [{"valueCoding": _coding(spec, option)}],
            }
        )
    if administration.score is not None:
        items.append(
            {
                "linkId": TOTAL_LINK_ID,
                "text": "Total score",
                "answer": [{"valueInteger": administration.score}],
            }
        )
    for subscale in spec.scoring.subscales:
        value = administration.subscales.get(subscale.key)
        if value is not None:
            items.append(
                {
                    "linkId": f"{SUBSCALE_PREFIX}{subscale.key}",
                    "text": subscale.label.en,
                    "answer": [{"valueInteger": value}],
                }
            )
    band = spec.band(administration.band) if administration.band else None
    if band is not None:
        items.append(
            {
                "linkId": BAND_LINK_ID,
                "text": "Result",
                "answer": [
                    {
                        "valueCoding": {
                            "system": band_system(spec),
                            "code": band.code,
                            "display": band.label.en,
                        }
                    }
                ],
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(administration.public_id),
        "questionnaire": f"{canonical_url(spec.code)}|{spec.version}",
        "status": "completed" if administration.is_completed else "in-progress",
        "subject": {
            "identifier": {"system": child_code_system(), "value": administration.child.code}
        },
        "language": administration.language,
        "item": items,
    }
    if administration.submitted_at:
        resource["authored"] = administration.submitted_at.isoformat()
    return _validated(QuestionnaireResponse, resource)


# --- import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedResponse:
    """A QuestionnaireResponse mapped onto a shipped instrument (not yet scored)."""

    code: str
    version: int
    child_code: str
    answers: dict[str, str]
    stated_total: int | None
    authored: datetime | None


def _walk(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from _walk(item.get("item") or [])
        for answer in item.get("answer") or []:
            yield from _walk(answer.get("item") or [])


def _schema_problems(error: ValidationError) -> list[FieldProblem]:
    problems = []
    for detail in error.errors()[:20]:
        where = ".".join(str(part) for part in detail.get("loc", ())) or "body"
        problems.append(FieldProblem(where, _("This value is not valid FHIR.")))
    return problems


def _option_for(spec: InstrumentSpec, item: Item, answer: dict[str, Any]) -> Option | None:
    options = spec.options_of(item)
    coding = answer.get("valueCoding")
    if isinstance(coding, dict):
        code, system = coding.get("code"), coding.get("system")
        for option in options:
            if system == LOINC and option.loinc == code:
                return option
            if system in (None, answer_system(spec)) and option.code == code:
                return option
        return None
    for key in ("valueInteger", "valueDecimal"):
        if key in answer:
            matches = [o for o in options if o.value is not None and o.value == answer[key]]
            return matches[0] if len(matches) == 1 else None
    if "valueString" in answer:
        return next((o for o in options if o.code == answer["valueString"]), None)
    return None


def _instrument_of(reference: str) -> tuple[str, int]:
    """The shipped instrument a ``questionnaire`` canonical names (``…/phq9|1``)."""
    url, _bar, version = reference.partition("|")
    code = url.rstrip("/").rsplit("/", 1)[-1]
    try:
        loaded = (
            definitions.load_all()[(code, int(version))] if version else definitions.latest(code)
        )
    except (KeyError, ValueError):
        raise InvalidInput.on(
            "questionnaire", _("This questionnaire is not an instrument shipped with Qamqor.")
        ) from None
    return loaded.spec.code, loaded.spec.version


def parse_response(payload: Any) -> ParsedResponse:
    """Validate a QuestionnaireResponse and map its answers onto the instrument.

    Problems name the FHIR element (``item.q9``, ``subject``, …) and say why.
    """
    if not isinstance(payload, dict) or payload.get("resourceType") != "QuestionnaireResponse":
        raise InvalidInput.on("resourceType", _("Send a FHIR QuestionnaireResponse."))
    try:
        QuestionnaireResponse.model_validate(payload)
    except ValidationError as error:
        raise InvalidInput(
            _("The resource is not valid FHIR R4B."), _schema_problems(error)
        ) from None
    if payload.get("status") not in STATUS_DONE:
        raise InvalidInput.on("status", _("Only a completed response can be imported."))
    reference = payload.get("questionnaire")
    if not reference:
        raise InvalidInput.on("questionnaire", _("Name the questionnaire that was answered."))
    code, version = _instrument_of(str(reference))
    spec = definitions.load_all()[(code, version)].spec
    identifier = (payload.get("subject") or {}).get("identifier") or {}
    child_code = str(identifier.get("value") or "").strip()
    if not child_code:
        raise InvalidInput.on(
            "subject", _("Identify the child by the Qamqor code in subject.identifier.")
        )
    answers: dict[str, str] = {}
    stated_total: int | None = None
    problems: list[FieldProblem] = []
    known = {item.key: item for item in spec.items}
    for entry in _walk(payload.get("item") or []):
        link_id = str(entry.get("linkId"))
        given = entry.get("answer") or []
        if link_id == TOTAL_LINK_ID or (
            spec.loinc.total
            and any(c.get("code") == spec.loinc.total for c in entry.get("code") or [])
        ):
            value = next((a.get("valueInteger", a.get("valueDecimal")) for a in given), None)
            if isinstance(value, int | float):
                stated_total = int(value)
            continue
        item = known.get(link_id)
        if item is None or not given:
            continue  # groups, display items, other scores: not answers to score
        option = _option_for(spec, item, given[0])
        if option is None:
            problems.append(
                FieldProblem(
                    f"item.{link_id}", _("This is not one of the answers to this question.")
                )
            )
            continue
        answers[item.key] = option.code
    if problems:
        raise InvalidInput(_("Some answers are missing or not valid."), problems)
    authored = parse_datetime(str(payload["authored"])) if payload.get("authored") else None
    return ParsedResponse(
        code=code,
        version=version,
        child_code=child_code,
        answers=answers,
        stated_total=stated_total,
        authored=authored,
    )
