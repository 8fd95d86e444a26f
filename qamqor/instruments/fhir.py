"""HL7 FHIR R4B: instruments as ``Questionnaire``, administrations as
``QuestionnaireResponse`` (scores as read-only items), and the import of a response.

Every resource made here is validated with ``fhir.resources.R4B`` before it leaves; a
response coming in is validated with it too, then its answers are mapped onto the
instrument and scored again here. A total the sender states is kept only to be compared.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
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
RAW_TOTAL_LINK_ID = "raw_total"
BAND_LINK_ID = "band"
SUBSCALE_PREFIX = "subscale."
STATUS_DONE = {"completed", "amended"}
SOURCE_MAX_LENGTH = 255


def canonical_base() -> str:
    return f"{settings.SITE_URL}/fhir/Questionnaire"


def canonical_url(code: str) -> str:
    return f"{canonical_base()}/{code}"


def accepted_bases() -> list[str]:
    """The canonical bases an imported response may name its questionnaire under: Qamqor's
    own and those configured in ``QAMQOR_FHIR_QUESTIONNAIRE_BASES``."""
    return [canonical_base(), *settings.FHIR_QUESTIONNAIRE_BASES]


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
        if spec.scoring.multiplier != 1:
            items.append(
                {
                    "linkId": RAW_TOTAL_LINK_ID,
                    "text": "Raw total (before the multiplier)",
                    "type": "integer",
                    "readOnly": True,
                }
            )
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
    if administration.raw_total is not None and spec.scoring.multiplier != 1:
        items.append(
            {
                "linkId": RAW_TOTAL_LINK_ID,
                "text": "Raw total (before the multiplier)",
                "answer": [{"valueInteger": administration.raw_total}],
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
class StatedTotal:
    """A total the sender stated, with the scale it is on: ``raw`` (the sum of the items),
    ``score`` (after the multiplier: WHO-5's 0 to 100) or ``""`` when the number alone cannot
    tell (WHO-5: 0 to 25 and a multiple of 4); the service decides those after scoring."""

    value: int
    scale: str


@dataclass(frozen=True)
class ParsedResponse:
    """A QuestionnaireResponse mapped onto a shipped instrument (not yet scored).

    ``source_system`` and ``source_id`` identify the response at its source (its
    ``identifier``, else its ``id``); an empty ``source_system`` means "the importing
    organisation", decided by the service.
    """

    code: str
    version: int
    child_code: str
    answers: dict[str, str]
    stated_totals: list[StatedTotal]
    authored: datetime | None
    source_system: str = ""
    source_id: str = ""

    @property
    def stated_total(self) -> int | None:
        return self.stated_totals[0].value if self.stated_totals else None


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
    """The shipped instrument a ``questionnaire`` canonical names: ``<base>/phq9|1``, where
    the base is Qamqor's own or a configured one (``QAMQOR_FHIR_QUESTIONNAIRE_BASES``), and
    the last segment an instrument code or a LOINC panel code (``http://loinc.org/q/44249-1``:
    the newest version with that panel; the version after ``|`` is then LOINC's, not ours).
    """
    url, _bar, version = reference.partition("|")
    base, _slash, tail = url.rstrip("/").rpartition("/")
    if base not in accepted_bases():
        raise InvalidInput.on(
            "questionnaire",
            _("Questionnaires are accepted only from Qamqor or a configured source: %(bases)s.")
            % {"bases": ", ".join(accepted_bases())},
        )
    not_shipped = _("This questionnaire is not an instrument shipped with Qamqor.")
    by_panel = [loaded for loaded in definitions.latest_all() if loaded.spec.loinc.panel == tail]
    if by_panel:
        return by_panel[0].spec.code, by_panel[0].spec.version
    all_versions = definitions.load_all()
    try:
        loaded = all_versions[tail, int(version)] if version else definitions.latest(tail)
    except (KeyError, ValueError):
        raise InvalidInput.on("questionnaire", not_shipped) from None
    return loaded.spec.code, loaded.spec.version


def _tail(link_id: str) -> str:
    """The last segment of a path-like linkId (``/44249-1/44250-9`` → ``44250-9``), as
    LOINC-based forms (LHC-Forms, US Core examples) name their items."""
    return link_id.rstrip("/").rsplit("/", 1)[-1]


def _loinc_definition(entry: dict[str, Any]) -> str | None:
    """The LOINC code in an item's ``definition`` (``http://loinc.org#44250-9``)."""
    definition = str(entry.get("definition") or "")
    if not definition.startswith(LOINC):
        return None
    return re.split(r"[#/]", definition.rstrip("/"))[-1] or None


def _stated(spec: InstrumentSpec, link_id: str, answer: dict[str, Any]) -> StatedTotal | None:
    """A stated total and its scale (see ``StatedTotal``)."""
    quantity = answer.get("valueQuantity")
    if isinstance(quantity, dict):
        value = quantity.get("value")
        percent = "%" in (str(quantity.get("unit") or ""), str(quantity.get("code") or ""))
    else:
        value = answer.get("valueInteger", answer.get("valueDecimal"))
        percent = False
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    value = int(value)
    multiplier = spec.scoring.multiplier
    if link_id == RAW_TOTAL_LINK_ID:
        return StatedTotal(value, Administration.StatedScale.RAW)
    if multiplier == 1 or percent or value > spec.raw_range()[1]:
        return StatedTotal(value, Administration.StatedScale.SCORE)
    if value % multiplier:
        return StatedTotal(value, Administration.StatedScale.RAW)
    return StatedTotal(value, "")


def _source(payload: dict[str, Any]) -> tuple[str, str]:
    """Who issued the response and its identifier there: ``identifier`` (system and value),
    else the ``id``; without a system the source is ``meta.source`` or, failing that, the
    importing organisation (an empty system here)."""
    meta_source = str((payload.get("meta") or {}).get("source") or "").strip()
    identifier = payload.get("identifier") or {}
    value = str(identifier.get("value") or "").strip() if isinstance(identifier, dict) else ""
    if value:
        system = str(identifier.get("system") or "").strip()
        return (system, value) if system else (meta_source, f"identifier:{value}")
    resource_id = str(payload.get("id") or "").strip()
    if resource_id:
        return meta_source, f"QuestionnaireResponse/{resource_id}"
    return "", ""


def _fit(value: str) -> str:
    """An identifier that fits its column: a longer one is kept as its SHA-256."""
    if len(value) <= SOURCE_MAX_LENGTH:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def parse_response(payload: Any) -> ParsedResponse:
    """Validate a QuestionnaireResponse and map its answers onto the instrument.

    Items are matched by linkId (Qamqor's item keys) or by LOINC code (the linkId's last
    segment or a ``http://loinc.org`` ``definition``, as LOINC-coded US Core and LHC-Forms
    responses name them); answers by option code, LOINC answer code or ordinal value. An
    item the instrument does not have is refused. Problems name the FHIR element
    (``item.q9``, ``subject``, …) and say why.
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
    stated: list[StatedTotal] = []
    problems: list[FieldProblem] = []
    by_key = {item.key: item for item in spec.items}
    by_loinc = {item.loinc: item for item in spec.items if item.loinc}
    computed = {BAND_LINK_ID} | {f"{SUBSCALE_PREFIX}{s.key}" for s in spec.scoring.subscales}
    for entry in _walk(payload.get("item") or []):
        link_id = str(entry.get("linkId"))
        names = [link_id, _tail(link_id), _loinc_definition(entry)]
        given = entry.get("answer") or []
        if link_id in (TOTAL_LINK_ID, RAW_TOTAL_LINK_ID) or (
            spec.loinc.total and spec.loinc.total in names
        ):
            stated += [t for t in (_stated(spec, link_id, a) for a in given[:1]) if t]
            continue
        if link_id in computed or (spec.loinc.panel and spec.loinc.panel in names):
            continue  # the band and subscales are recomputed; the panel is a group
        matches = [by_key.get(n) or by_loinc.get(n) for n in names if n]
        item = next((match for match in matches if match is not None), None)
        if item is None:
            if entry.get("item") and not given:
                continue  # a group of the sender's form: its items are read one by one
            problems.append(
                FieldProblem(f"item.{link_id}", _("There is no such question in this instrument."))
            )
            continue
        if not given:
            continue  # not answered: scoring says whether it had to be
        option = _option_for(spec, item, given[0])
        if option is None or answers.get(item.key, option.code) != option.code:
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
    if authored is not None and timezone.is_naive(authored):
        authored = timezone.make_aware(authored)  # a date alone: that day in Kazakhstan
    source_system, source_id = _source(payload)
    return ParsedResponse(
        code=code,
        version=version,
        child_code=child_code,
        answers=answers,
        stated_totals=stated,
        authored=authored,
        source_system=_fit(source_system),
        source_id=_fit(source_id),
    )
